from articles.rendering import excerpt, markdown_to_html, markdown_to_plain_text


def test_pinyin_hint_becomes_ruby():
    html = markdown_to_html("我们重[chóng]新开始，长[zhang3]大了。")
    assert "<ruby>重<rp>(</rp><rt>chóng</rt><rp>)</rp></ruby>新" in html
    assert "<ruby>长<rp>(</rp><rt>zhang3</rt><rp>)</rp></ruby>大" in html


def test_links_and_code_are_not_mistaken_for_pinyin():
    html = markdown_to_html("看[文档](https://example.com)和 `字[zi]` 还有 [abc]")
    assert '<a href="https://example.com" rel="noopener nofollow">文档</a>' in html
    assert "<code>字[zi]</code>" in html
    assert "[abc]" in html and "<ruby>" not in html


def test_html_is_sanitised():
    html = markdown_to_html('<img src=x onerror="alert(1)"><iframe src="//evil"></iframe><b onclick="x()">b</b>')
    assert "onerror" not in html and "<iframe" not in html and "onclick" not in html


def test_plain_text_keeps_prose_only():
    text = markdown_to_plain_text("## 标题\n\n第一段，有 `Django` 和 [链接](https://x.org)。\n\n```\ncode()\n```\n\n重[chóng]新")
    assert text.splitlines() == ["标题", "第一段，有 Django 和 链接。", "重新"]


def test_excerpt_skips_headings_and_is_shortened():
    body = "## 小标题\n\n" + "这是一段很长的正文。" * 30
    short = excerpt(body, 40)
    assert not short.startswith("小标题")
    assert short.endswith("…") and len(short) <= 41
    assert excerpt("短文。") == "短文。"
