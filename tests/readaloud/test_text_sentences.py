"""readaloud.text.sentences: blocks -> sentences with offsets and pause hints."""

import time

import pytest

from readaloud.text.extract import Block
from readaloud.text.sentences import PAUSES, Sentence, split_sentences, split_text


def split(text, **kwargs):
    sentences = split_text(text, **kwargs)
    check_offsets(text, sentences)
    return [s.text for s in sentences]


def hanzi(text):
    return sum("\u4e00" <= c <= "\u9fff" for c in text)


def check_offsets(text, sentences):
    previous_end = 0
    for s in sentences:
        assert isinstance(s, Sentence)
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.text
        assert s.start >= previous_end
        assert s.text == s.text.strip()
        assert s.pause in PAUSES
        previous_end = s.end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天天气很好。我们去公园吧！你觉得呢？", ["今天天气很好。", "我们去公园吧！", "你觉得呢？"]),
        ("他说：“我不去。”然后就走了。", ["他说：“我不去。”", "然后就走了。"]),
        ("「你好！」她說。『再見』", ["「你好！」", "她說。", "『再見』"]),
        ("（这是括号里的话。）后面的话。", ["（这是括号里的话。）", "后面的话。"]),
        ("真的吗？！太好了！！", ["真的吗？！", "太好了！！"]),
        ("我想了想……还是算了。", ["我想了想……", "还是算了。"]),
        ("这样吧……", ["这样吧……"]),
        ("第一行\n第二行\n\n第三行", ["第一行", "第二行", "第三行"]),
        ("没有标点的句子", ["没有标点的句子"]),
        ("中文句子。English sentence. 又是中文！", ["中文句子。", "English sentence.", "又是中文！"]),
        ("我用Python写代码.然后去睡觉。", ["我用Python写代码.", "然后去睡觉。"]),
        ("见第3.2节。共有3.5亿人。", ["见第3.2节。", "共有3.5亿人。"]),
        ("１．首先，准备材料。", ["１．首先，准备材料。"]),
    ],
)
def test_chinese_and_mixed(text, expected):
    assert split(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello world. How are you? I'm fine!", ["Hello world.", "How are you?", "I'm fine!"]),
        ("Mr. Smith met Dr. Brown and Mrs. Lee.", ["Mr. Smith met Dr. Brown and Mrs. Lee."]),
        ("Use tools, e.g. a hammer, i.e. this one. Next.", ["Use tools, e.g. a hammer, i.e. this one.", "Next."]),
        ("The U.S. Army was there. Then he left.", ["The U.S. Army was there.", "Then he left."]),
        ("I live in the U.S. It is big.", ["I live in the U.S.", "It is big."]),
        ("Prices rose 3.5% to $4.99 in 2024. Really?! Yes.",
         ["Prices rose 3.5% to $4.99 in 2024.", "Really?!", "Yes."]),
        ("Wait... what? I don't know... Maybe.", ["Wait... what?", "I don't know...", "Maybe."]),
        ("He said \"Stop.\" Then he left.", ['He said "Stop."', "Then he left."]),
        ("(This is aside.) Main text.", ["(This is aside.)", "Main text."]),
        ("Visit example.com today. Version 3.12.1 is out.", ["Visit example.com today.", "Version 3.12.1 is out."]),
        ("1. First item. 2. Second item.", ["1. First item.", "2. Second item."]),
        ("J. K. Rowling wrote it.", ["J. K. Rowling wrote it."]),
        ("It costs approx. three dollars.", ["It costs approx. three dollars."]),
        ("We sell fruit, vegetables, etc. The shop opens at 9 a.m. Come early.",
         ["We sell fruit, vegetables, etc.", "The shop opens at 9 a.m.", "Come early."]),
        ("See No. 5 for details. Say no. Then go.", ["See No. 5 for details.", "Say no.", "Then go."]),
        ("What?!Nothing?id=3 stays", ["What?!Nothing?id=3 stays"]),
        ("Ends without punctuation", ["Ends without punctuation"]),
    ],
)
def test_english(text, expected):
    assert split(text) == expected


def test_semicolons_split_with_a_clause_pause():
    sentences = split_text("第一点；第二点；第三点。Then a; b; c.")
    assert [s.text for s in sentences] == ["第一点；", "第二点；", "第三点。", "Then a;", "b;", "c."]
    assert [s.pause for s in sentences] == ["clause", "clause", "sentence", "clause", "clause", "paragraph"]


def test_pause_hints_by_block_kind():
    assert [s.pause for s in split_text("一。二。")] == ["sentence", "paragraph"]
    assert [s.pause for s in split_text("标题", kind="heading")] == ["heading"]
    assert [s.pause for s in split_text("Item one. Item two.", kind="list_item")] == ["sentence", "paragraph"]


def test_split_sentences_uses_block_index_and_kind():
    blocks = [Block("heading", "标题", 0), Block("paragraph", "一。二。", 1), Block("quote", "", 2),
              Block("list_item", "Item.", 3)]
    sentences = split_sentences(blocks)
    assert [(s.block_index, s.text, s.pause) for s in sentences] == [
        (0, "标题", "heading"), (1, "一。", "sentence"), (1, "二。", "paragraph"), (3, "Item.", "paragraph"),
    ]


# --- long sentences -----------------------------------------------------------------------------------------------

LONG_ZH = ("这是一个非常非常长的句子，它包含了很多很多的内容，我们需要在逗号处把它切开，"
           "这样语音合成系统才能更好地处理它，而且每一段的长度应该大致相等，不要出现特别短的片段。")


def test_long_chinese_sentence_cut_at_commas_into_balanced_chunks():
    sentences = split_text(LONG_ZH)
    check_offsets(LONG_ZH, sentences)
    assert len(sentences) == 2
    assert all(len(s.text) <= 60 for s in sentences)
    assert all(s.text[-1] in "，。" for s in sentences)
    lengths = [len(s.text) for s in sentences]
    assert max(lengths) - min(lengths) <= 10
    assert [s.pause for s in sentences] == ["clause", "paragraph"]
    assert "".join(s.text for s in sentences) == LONG_ZH


def test_long_sentence_limits_are_configurable():
    sentences = split_text(LONG_ZH, max_cjk_chars=20)
    check_offsets(LONG_ZH, sentences)
    assert len(sentences) >= 4
    assert all(len(s.text) <= 30 for s in sentences)
    assert split_text(LONG_ZH, max_cjk_chars=500)[0].text == LONG_ZH


def test_long_english_sentence_cut_by_words():
    text = ("This is a very long English sentence that goes on and on, with many words in it, and it really should "
            "be split somewhere sensible because forty words is the limit for one chunk of speech in our system, so "
            "let us see what happens.")
    sentences = split_text(text)
    check_offsets(text, sentences)
    assert len(sentences) == 2
    assert all(len(s.text.split()) <= 40 for s in sentences)
    assert sentences[0].text.endswith(",")


def test_enumeration_comma_used_when_no_other_break():
    text = "、".join(["苹果香蕉橘子"] * 20) + "。"
    sentences = split_text(text, max_cjk_chars=30)
    check_offsets(text, sentences)
    assert all(hanzi(s.text) <= 30 for s in sentences)
    assert all(s.text.endswith(("、", "。")) for s in sentences)
    assert [hanzi(s.text) for s in sentences] == [30, 30, 30, 30]


def test_no_cut_inside_numbers():
    text = ("The sum was 1,234,567 and 8,910,111 and the meeting was at 10:30, 11:45, 12:15 and 13:00 with many more "
            "words following here to make this sentence long.")
    sentences = split_text(text, max_words=8)
    check_offsets(text, sentences)
    joined = " ".join(s.text for s in sentences)
    for token in ("1,234,567", "8,910,111", "10:30", "11:45", "12:15", "13:00"):
        assert token in joined
    assert all(not s.text.startswith(("234", "567", "30", "45")) for s in sentences)


def test_hard_cut_without_punctuation_never_splits_a_latin_word():
    text = "这是没有标点的长句子" * 12 + "Python" + "继续说下去" * 10
    sentences = split_text(text)
    check_offsets(text, sentences)
    assert len(sentences) >= 3
    assert any("Python" in s.text for s in sentences)
    assert "".join(s.text for s in sentences) == text


def test_english_without_commas_cut_at_spaces():
    text = " ".join(["word"] * 100)
    sentences = split_text(text)
    check_offsets(text, sentences)
    assert all(set(s.text.split()) == {"word"} for s in sentences)
    assert all(len(s.text.split()) <= 40 for s in sentences)
    assert sum(len(s.text.split()) for s in sentences) == 100


def test_single_unbreakable_token_is_kept_whole():
    text = "a" * 500
    assert split(text) == [text]


# --- unicode edge cases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n", "。", "。。。！！！", "...", "……", "!?", "🎉", "🎉🎉。",
                                  "\u200b\u200d", "\u200f", "\ufeff", "·", "—", "「」", "()"])
def test_nothing_speakable_gives_no_sentences(text):
    assert split_text(text) == []


def test_emoji_and_punctuation_only_pieces_join_a_neighbour():
    assert split("太好了！🎉 下一句。") == ["太好了！", "🎉 下一句。"]
    assert split("好。。 。") == ["好。。 。"]
    assert split("🎉开始。") == ["🎉开始。"]
    assert split("。。开始。") == ["。。开始。"]


def test_emoji_zwj_sequences_and_skin_tones_stay_whole():
    text = "家庭👨‍👩‍👧‍👦很好。点赞👍🏽！"
    assert split(text) == ["家庭👨‍👩‍👧‍👦很好。", "点赞👍🏽！"]


def test_combining_marks_stay_with_their_base():
    text = "Cafe\u0301 is nice. Nai\u0308ve? Yes.\u0301 Done."
    sentences = split(text)
    assert sentences[0] == "Cafe\u0301 is nice."
    assert sentences[1] == "Nai\u0308ve?"
    assert sentences[2] == "Yes.\u0301"


def test_zero_width_and_direction_marks_do_not_break_anything():
    text = "重\u200b庆。a\u200d。\u200f右到左\u200f。\u202eabc\u202c."
    sentences = split_text(text)
    check_offsets(text, sentences)
    assert [s.text for s in sentences][0] == "重\u200b庆。"
    assert len(sentences) == 4


def test_full_width_forms():
    assert split("Ｈｅｌｌｏ！Ｗｏｒｌｄ？") == ["Ｈｅｌｌｏ！", "Ｗｏｒｌｄ？"]
    assert split("价格是３．５元。好的。") == ["价格是３．５元。", "好的。"]


def test_weird_code_points():
    text = "\ue000私用区。\U0010ffff末尾。\ufffe非字符。\U0001f9ea test. \x00\x07控制符。"
    sentences = split_text(text)
    check_offsets(text, sentences)
    assert len(sentences) == 5


def test_hundred_thousand_characters_in_linear_time():
    unit = "这是第一句话，里面有一些内容。This is an English sentence, e.g. with Mr. Smith. 数字3.5和1,234！"
    text = unit * (100_000 // len(unit) + 1)
    assert len(text) >= 100_000
    started = time.perf_counter()
    sentences = split_text(text)
    elapsed = time.perf_counter() - started
    check_offsets(text, sentences)
    repeats = text.count("这是第一句话")
    assert len(sentences) == 3 * repeats
    assert elapsed < 5.0


def test_hundred_thousand_characters_in_one_sentence():
    text = "很长很长的一段话，" * 11_112
    started = time.perf_counter()
    sentences = split_text(text)
    elapsed = time.perf_counter() - started
    check_offsets(text, sentences)
    assert "".join(s.text for s in sentences) == text
    assert all(hanzi(s.text) <= 60 for s in sentences)
    assert elapsed < 5.0
