"""readaloud.text.extract: article HTML -> blocks."""

import pytest

from readaloud.text.extract import Block, extract_blocks, remove_urls


def texts(html, **kwargs):
    return [b.text for b in extract_blocks(html, **kwargs)]


def kinds(html, **kwargs):
    return [(b.kind, b.text) for b in extract_blocks(html, **kwargs)]


def test_headings_paragraphs_lists_quotes_in_order():
    html = (
        "<h1>标题</h1><p>第一段，<strong>加粗</strong>和<em>强调</em>。</p>"
        "<ul><li>一</li><li>二</li></ul><ol><li>first</li></ol>"
        "<blockquote><p>引用内容</p><p>second quote</p></blockquote><h3>Sub</h3>"
    )
    assert kinds(html) == [
        ("heading", "标题"),
        ("paragraph", "第一段，加粗和强调。"),
        ("list_item", "一"),
        ("list_item", "二"),
        ("list_item", "first"),
        ("quote", "引用内容"),
        ("quote", "second quote"),
        ("heading", "Sub"),
    ]


def test_indexes_are_contiguous_from_zero():
    blocks = extract_blocks("<p>a</p><pre>x</pre><p></p><p>b</p><h2>c</h2>")
    assert [b.index for b in blocks] == [0, 1, 2]
    assert blocks[0] == Block("paragraph", "a", 0)


def test_all_heading_levels():
    html = "".join(f"<h{i}>H{i}</h{i}>" for i in range(1, 7))
    assert [k for k, _ in kinds(html)] == ["heading"] * 6


def test_list_inside_quote_and_paragraph_inside_list_item():
    assert kinds("<blockquote><ul><li><p>item</p></li></ul></blockquote>") == [("list_item", "item")]


def test_code_blocks_are_skipped():
    html = "<p>前面</p><pre><code class='language-python'>print('hi')\nx = 1</code></pre><p>后面</p>"
    assert texts(html) == ["前面", "后面"]


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        ("Django", True),
        ("manage.py", True),
        ("C++", True),
        ("pip install", True),
        ("x = f(y)", False),
        ("python manage.py runserver --noreload", False),
        ("averyveryverylongidentifier_name", False),
        ("{}", False),
    ],
)
def test_inline_code_kept_only_when_short_and_wordlike(code, kept):
    text = texts(f"<p>use <code>{code}</code> here</p>")[0]
    assert (code in text) is kept
    assert text.startswith("use") and text.endswith("here")


def test_dropped_inline_code_leaves_no_space_before_chinese_punctuation():
    assert texts("<p>调用 <code>foo(bar, baz)</code>。</p>") == ["调用。"]


def test_images_are_skipped_alt_text_not_read():
    assert texts("<p>看图<img src='a.png' alt='一张图片'>说话</p><img src=b.png>") == ["看图说话"]


def test_figcaption_is_read():
    assert texts("<figure><img src=a.png><figcaption>图1：架构</figcaption></figure>") == ["图1：架构"]


def test_bare_urls_are_removed_inside_paragraphs():
    assert texts("<p>访问 https://example.com/path?a=1&b=2 了解更多。</p>") == ["访问了解更多。"]
    assert texts("<p>Visit https://example.com/path for more.</p>") == ["Visit for more."]
    assert texts("<p>Docs: https://docs.djangoproject.com/en/5.0/. Read them.</p>") == ["Docs:. Read them."]
    assert texts("<p>见 www.example.com。</p>") == ["见。"]
    assert texts("<p>代码在 https://github.com/x/y 上。</p>") == ["代码在上。"]


def test_link_text_is_read_but_url_link_text_is_not():
    html = "<p>见<a href='https://x.cn'>https://x.cn</a>，或者<a href='/about'>关于我们</a>。</p>"
    assert texts(html) == ["见，或者关于我们。"]


def test_url_with_parentheses_and_empty_brackets_left_behind():
    assert texts("<p>See (https://en.wikipedia.org/wiki/Foo_(bar)) now.</p>") == ["See now."]
    assert texts("<p>链接（https://a.cn/x）结束</p>") == ["链接结束"]


def test_a_url_only_paragraph_disappears():
    assert texts("<p>https://example.com</p><p>next</p>") == ["next"]


def test_remove_urls_keeps_plain_text_and_emails():
    assert remove_urls("没有链接的文本 a.b c@d.com") == "没有链接的文本 a.b c@d.com"
    assert remove_urls("go to http://a.b/c, then") == "go to, then"


def test_tables_skipped_by_default():
    html = "<p>前</p><table><tr><th>名称</th><th>数量</th></tr><tr><td>苹果</td><td>3个</td></tr></table><p>后</p>"
    assert texts(html) == ["前", "后"]


def test_tables_read_row_by_row_when_asked():
    html = (
        "<table><caption>Fruit</caption><thead><tr><th>Name</th><th>Qty</th></tr></thead>"
        "<tbody><tr><td>Apple</td><td>3</td></tr><tr><td>苹果<td>三个</tr></tbody></table>"
    )
    assert kinds(html, read_tables=True) == [
        ("paragraph", "Fruit"),
        ("paragraph", "Name, Qty"),
        ("paragraph", "Apple, 3"),
        ("paragraph", "苹果，三个"),
    ]


def test_ruby_pinyin_reading_becomes_an_inline_annotation():
    html = "<p><ruby>重<rp>(</rp><rt>chóng</rt><rp>)</rp></ruby>新开始</p>"
    assert texts(html) == ["重[chóng]新开始"]
    assert texts("<p><ruby>重庆<rt>chóng qìng</rt></ruby>很热</p>") == ["重庆[chóng qìng]很热"]
    assert texts("<p><ruby>重<rt>chóng</rt>庆<rt>qìng</rt></ruby></p>") == ["重[chóng]庆[qìng]"]


def test_ruby_non_pinyin_readings_are_dropped():
    assert texts("<p><ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>です</p>") == ["漢字です"]
    assert texts("<p><ruby>重<rt>ㄔㄨㄥˊ</rt></ruby>新</p>") == ["重新"]
    assert texts("<p><ruby>重<rt>chóng qìng</rt></ruby>新</p>") == ["重新"]  # two syllables, one character
    assert texts("<p><ruby>ABC<rt>chóng</rt></ruby></p>") == ["ABC"]


def test_br_is_a_line_break_and_source_line_wraps_collapse():
    assert texts("<p>第一行<br>第二行<br/>第三行</p>") == ["第一行\n第二行\n第三行"]
    assert texts("<p>中文\n换行\nwraps\n  here</p>") == ["中文换行 wraps here"]


def test_hidden_script_style_and_footnote_references_are_skipped():
    html = (
        "<p>text<sup id='fnref:1'><a href='#fn:1'>1</a></sup> and x<sup>2</sup></p>"
        "<p hidden>secret</p><p aria-hidden='true'>also secret</p><script>alert(1)</script>"
        "<style>p{}</style><p>visible</p>"
    )
    assert texts(html) == ["text and x2", "visible"]


def test_entities_are_decoded():
    assert texts("<p>&lt;tag&gt; &amp; &#x4e2d;&#25991; &nbsp;ok</p>") == ["<tag> & 中文 \xa0ok"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>未闭合段落<p>第二段<div>块<span>内联</div>尾巴", ["未闭合段落", "第二段", "块内联", "尾巴"]),
        ("<ul><li>一<li>二<li>三</ul>", ["一", "二", "三"]),
        ("<dl><dt>term<dd>definition</dl>", ["term", "definition"]),
        ("</p></div><p>stray</li> end</p>", ["stray end"]),
        ("<p><strong>unclosed bold<p>next", ["unclosed bold", "next"]),
        ("<h2>Heading<p>para</h2>after", ["Heading", "para", "after"]),
        ("plain text without tags", ["plain text without tags"]),
        ("<p>x<pre>unclosed pre<p>code", ["x"]),
        ("<p>a</p></p></p><p>b", ["a", "b"]),
        ("<P CLASS=x>Upper case tags</P>", ["Upper case tags"]),
    ],
)
def test_malformed_html(html, expected):
    assert texts(html) == expected


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<", "<<<>>>", "<p", "</", "<!--", "<!-- unclosed comment <p>x</p>", "<![CDATA[x]]>", "<!DOCTYPE html>",
     "&#xd800;", "&#0;", "\ud800", "<p>\x00</p>", "<" * 1000, "<b>" * 2000 + "x", "<p title='>'>t</p>"],
)
def test_never_raises(html):
    blocks = extract_blocks(html)
    assert all(b.text.strip() == b.text and b.text for b in blocks)
    assert [b.index for b in blocks] == list(range(len(blocks)))
