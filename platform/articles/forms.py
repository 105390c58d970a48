from django import forms

from .models import Article


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "body", "language"]
        widgets = {
            "title": forms.TextInput(attrs={"placeholder": "标题 Title", "class": "input-title"}),
            "body": forms.Textarea(
                attrs={"rows": 24, "class": "input-body", "spellcheck": "false",
                       "placeholder": "用 Markdown 写作：## 小标题、> 引文、- 列表、```代码```、字[zì] 注音……"}
            ),
            "language": forms.RadioSelect,
        }
        help_texts = {
            "body": "Markdown：## 小标题 headings，> 引文 quotes，- 列表 lists，``` 代码块 code；"
            "在汉字后写拼音可注音 pinyin hint：重[chóng]新。",
            "language": "朗读时用哪种语言的声音 Which voice reads it aloud.",
        }
