"""readaloud.text.pipeline: prepare_article and sentence_key, end to end."""

import json
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readaloud.text import Annotation, Lexicon, PreparedArticle, prepare_article, sentence_key
from readaloud.text.pipeline import DEFAULT_PAUSES_MS

ARTICLE = """
<h1>重慶旅行指南</h1>
<p>2025年3月5日，我們去了<ruby>重庆<rt>chóng qìng</rt></ruby>。那天气温25℃，门票¥100，人均消费增长了3.5%！</p>
<p>我用Python 3.12写了一个Django app，代码在 https://github.com/x/y 上。银行[háng]的人说：“行[xíng]，没问题。”</p>
<ul><li>第1天：解放碑</li><li>第2天：洪崖洞，开放时间10:30-22:00</li></ul>
<blockquote><p>In 1999, the U.S. economy grew 4.8%. Mr. Smith paid $5.99 for coffee.</p></blockquote>
<pre><code>print("skip me")</code></pre>
<p>GIF 的读音很有争议。</p>
"""


def check(article: PreparedArticle):
    assert [s.index for s in article.sentences] == list(range(len(article.sentences)))
    assert [b.index for b in article.blocks] == list(range(len(article.blocks)))
    previous = (-1, -1)
    for s in article.sentences:
        block = article.blocks[s.block_index]
        start, end = s.offsets
        assert block.text[start:end] == s.display_text
        assert s.display_text and s.spoken_text == s.spoken_text.strip() and s.spoken_text
        assert (s.block_index, start) > previous
        previous = (s.block_index, end - 1)
        assert s.language in ("zh", "en")
        assert s.key == sentence_key(s.spoken_text, s.annotations, s.language)
        assert s.pause_after_ms == DEFAULT_PAUSES_MS[s.pause]
        for a in s.annotations:
            assert s.spoken_text[a.offset:a.end] == a.text
    return article


def by_display(article):
    return {s.display_text: s for s in article.sentences}


def test_full_article():
    article = check(prepare_article(ARTICLE, "zh", lexicon={"GIF": "/dʒɪf/"}))
    assert [(b.kind, b.text) for b in article.blocks] == [
        ("heading", "重慶旅行指南"),
        ("paragraph", "2025年3月5日，我們去了重庆。那天气温25℃，门票¥100，人均消费增长了3.5%！"),
        ("paragraph", "我用Python 3.12写了一个Django app，代码在上。银行的人说：“行，没问题。”"),
        ("list_item", "第1天：解放碑"),
        ("list_item", "第2天：洪崖洞，开放时间10:30-22:00"),
        ("quote", "In 1999, the U.S. economy grew 4.8%. Mr. Smith paid $5.99 for coffee."),
        ("paragraph", "GIF 的读音很有争议。"),
    ]
    spoken = [(s.display_text, s.spoken_text, s.language, s.pause) for s in article.sentences]
    assert spoken == [
        ("重慶旅行指南", "重庆旅行指南", "zh", "heading"),
        ("2025年3月5日，我們去了重庆。", "二零二五年三月五日，我们去了重庆。", "zh", "sentence"),
        ("那天气温25℃，门票¥100，人均消费增长了3.5%！",
         "那天气温二十五摄氏度，门票一百元，人均消费增长了百分之三点五！", "zh", "paragraph"),
        ("我用Python 3.12写了一个Django app，代码在上。", "我用Python 三点一二写了一个Django app，代码在上。", "zh",
         "sentence"),
        ("银行的人说：“行，没问题。”", "银行的人说：“行，没问题。”", "zh", "paragraph"),
        ("第1天：解放碑", "第一天：解放碑", "zh", "paragraph"),
        ("第2天：洪崖洞，开放时间10:30-22:00", "第二天：洪崖洞，开放时间十点三十分到二十二点", "zh", "paragraph"),
        ("In 1999, the U.S. economy grew 4.8%.",
         "In nineteen ninety-nine, the U.S. economy grew four point eight percent.", "en", "sentence"),
        ("Mr. Smith paid $5.99 for coffee.", "Mister Smith paid five dollars and ninety-nine cents for coffee.", "en",
         "paragraph"),
        ("GIF 的读音很有争议。", "GIF 的读音很有争议。", "zh", "paragraph"),
    ]
    sentences = by_display(article)
    chongqing = sentences["2025年3月5日，我們去了重庆。"].annotations
    assert chongqing == (Annotation(14, 2, "重庆", "chong2 qing4", "pinyin", "inline"),)
    bank = sentences["银行的人说：“行，没问题。”"].annotations
    assert [(a.offset, a.text, a.pronunciation) for a in bank] == [(1, "行", "hang2"), (7, "行", "xing2")]
    gif = sentences["GIF 的读音很有争议。"].annotations
    assert gif == (Annotation(0, 3, "GIF", "dʒɪf", "ipa", "lexicon"),)
    assert article.warnings == []
    assert article.language == "zh"


def test_pause_after_ms():
    article = check(prepare_article("<h2>标题</h2><p>一句。两句；三句。</p>", "zh"))
    assert [(s.pause, s.pause_after_ms) for s in article.sentences] == [
        ("heading", 900), ("sentence", 450), ("clause", 250), ("paragraph", 750)]
    custom = prepare_article("<p>一句。两句。</p>", "zh", pauses_ms={"sentence": 300})
    assert [s.pause_after_ms for s in custom.sentences] == [300, 750]


def test_title_is_read_first_as_a_heading():
    article = check(prepare_article("<p>正文。</p>", "zh", title="  我的\n标题 "))
    assert [(b.index, b.kind, b.text) for b in article.blocks] == [
        (0, "heading", "我的 标题"), (1, "paragraph", "正文。")]
    assert article.sentences[0].pause == "heading"


def test_language_per_sentence_in_a_mixed_article():
    article = check(prepare_article("<p>这是中文。This is English. 2025!</p>", "mixed"))
    assert [(s.display_text, s.language) for s in article.sentences] == [
        ("这是中文。", "zh"), ("This is English.", "en"), ("2025!", "zh")]
    assert [s.spoken_text for s in article.sentences][-1] == "二千零二十五!"  # a year only with 年
    english_default = prepare_article("<p>2025!</p>", "en-US")
    assert english_default.sentences[0].language == "en"
    assert english_default.sentences[0].spoken_text == "twenty twenty-five!"


def test_text_annotations_win_over_the_lexicon():
    lexicon = {"重庆": "zhòng qìng", "行": "xíng", "长江": "cháng jiāng"}
    article = check(prepare_article("<p>重庆[chóng qìng]的银行[háng]在长江边上，我们步行。</p>", "zh", lexicon=lexicon))
    (sentence,) = article.sentences
    assert sentence.display_text == "重庆的银行在长江边上，我们步行。"
    assert [(a.text, a.pronunciation, a.source) for a in sentence.annotations] == [
        ("重庆", "chong2 qing4", "inline"),
        ("行", "hang2", "inline"),
        ("长江", "chang2 jiang1", "lexicon"),
        ("行", "xing2", "lexicon"),
    ]


def test_lexicon_applies_to_traditional_text_after_conversion():
    article = check(prepare_article("<p>重慶很熱。</p>", "zh", lexicon={"重庆": "chóng qìng"}))
    assert article.sentences[0].spoken_text == "重庆很热。"
    assert article.sentences[0].annotations[0].text == "重庆"


def test_prebuilt_lexicon_is_accepted():
    lexicon = Lexicon({"GIF": "jif"})
    article = prepare_article("<p>A GIF.</p>", "en", lexicon=lexicon)
    assert article.sentences[0].annotations[0].pronunciation == "jif"


def test_invalid_annotation_is_plain_text_and_a_warning():
    article = check(prepare_article("<p>行[hxng]不对。</p><p>好。</p>", "zh"))
    assert article.sentences[0].display_text == "行[hxng]不对。"
    assert article.sentences[0].annotations == ()
    (warning,) = article.warnings
    assert warning.code == "invalid_annotation"
    assert warning.block_index == 0
    assert "行[hxng]" in str(warning) and "hxng" in warning.message


def test_invalid_lexicon_entry_is_a_warning():
    article = check(prepare_article("<p>好。</p>", "zh", lexicon={"坏": "xx", "好": "hǎo"}))
    assert [w.code for w in article.warnings] == ["invalid_lexicon_entry"]
    assert article.sentences[0].annotations[0].pronunciation == "hao3"


def test_annotation_cut_by_a_long_sentence_split_is_reported_not_raised():
    article = check(prepare_article("<p>重庆[chóng qìng]</p>", "zh", max_chars=1))
    assert [s.display_text for s in article.sentences] == ["重", "庆"]
    assert [w.code for w in article.warnings] == ["annotation_lost"]


def test_code_blocks_urls_images_and_tables_are_not_read():
    html = ("<p>看这里 https://example.com 。</p><pre>code()</pre><img src=a.png alt=图>"
            "<table><tr><td>表格</td></tr></table><p><code>x = compute(y, z)</code></p>")
    article = check(prepare_article(html, "zh"))
    assert [s.display_text for s in article.sentences] == ["看这里。"]
    with_tables = prepare_article(html, "zh", read_tables=True)
    assert [s.display_text for s in with_tables.sentences] == ["看这里。", "表格"]


def test_long_sentences_are_split_with_max_chars():
    paragraph = "这是一段很长的文字，" * 12
    article = check(prepare_article(f"<p>{paragraph}</p>", "zh"))
    assert len(article.sentences) >= 2
    assert all(len(s.display_text) <= 66 for s in article.sentences)
    shorter = check(prepare_article(f"<p>{paragraph}</p>", "zh", max_chars=20))
    assert len(shorter.sentences) > len(article.sentences)


@pytest.mark.parametrize("html", ["", "   ", "<p></p>", "<pre>only code</pre>", "<p>。。。！！！</p>", "<p>🎉🎉</p>",
                                  "<img src=x>", "<p>https://only.url</p>"])
def test_nothing_to_read(html):
    article = check(prepare_article(html, "zh"))
    assert article.sentences == []


def test_empty_and_none_html():
    assert prepare_article(None, "zh").sentences == []


def test_input_is_truncated_with_a_warning():
    article = check(prepare_article("<p>" + "好。" * 100 + "</p>", "zh", max_input_chars=23))
    assert len(article.sentences) == 10
    assert [w.code for w in article.warnings] == ["truncated"]


# --- sentence keys ------------------------------------------------------------------------------------------------


def test_sentence_key_is_a_stable_sha256_hex():
    key = sentence_key("你好。", (), "zh")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == sentence_key("你好。", [], "zh")
    assert key != sentence_key("你好！", (), "zh")
    assert key != sentence_key("你好。", (), "en")
    assert sentence_key("你好。") != key
    annotated = sentence_key("行了。", [Annotation(0, 1, "行", "xing2")], "zh")
    assert annotated != sentence_key("行了。", (), "zh")
    assert annotated != sentence_key("行了。", [Annotation(0, 1, "行", "hang2")], "zh")
    # only what the voice needs counts: not where the annotation came from
    assert annotated == sentence_key("行了。", [Annotation(0, 1, "行", "xing2", "pinyin", "lexicon")], "zh")
    # NFC and NFD spellings say the same thing
    assert sentence_key("café") == sentence_key("cafe\u0301")
    # never raises on odd text
    assert len(sentence_key("\ud800\x00")) == 64


def test_sentence_key_is_independent_of_position_and_display():
    a = prepare_article("<p>第一段。</p><p>共3个。</p>", "zh")
    b = prepare_article("<h1>新标题</h1><p>前言。</p><p>共３個。</p>", "zh")
    assert a.sentences[1].spoken_text == b.sentences[2].spoken_text == "共三个。"
    assert a.sentences[1].key == b.sentences[2].key


def test_editing_one_paragraph_changes_only_its_sentence_keys():
    paragraphs = [
        "<p>第一段第一句。第一段第二句！</p>",
        "<p>Second paragraph, first sentence. Second sentence?</p>",
        "<p>第三段有3.5%的数字，还有重[chóng]新。</p>",
        "<ul><li>列表一</li><li>列表二</li></ul>",
    ]
    before = prepare_article("".join(paragraphs), "zh")
    edited = list(paragraphs)
    edited[1] = "<p>Second paragraph, first sentence. Second sentence was edited?</p>"
    after = prepare_article("".join(edited), "zh")

    def keys(article, block):
        return [s.key for s in article.sentences if s.block_index == block]

    assert keys(before, 1)[0] == keys(after, 1)[0]
    assert keys(before, 1)[1] != keys(after, 1)[1]
    for block in (0, 2, 3, 4):
        assert keys(before, block) == keys(after, block)
    changed = {s.key for s in after.sentences} - {s.key for s in before.sentences}
    assert len(changed) == 1


def test_changing_an_annotation_changes_the_key():
    a = prepare_article("<p>重[chóng]新开始。</p>", "zh")
    b = prepare_article("<p>重[zhòng]新开始。</p>", "zh")
    c = prepare_article("<p>重新开始。</p>", "zh")
    assert a.sentences[0].spoken_text == b.sentences[0].spoken_text == c.sentences[0].spoken_text
    assert len({a.sentences[0].key, b.sentences[0].key, c.sentences[0].key}) == 3


def test_as_dict_is_json_serialisable():
    article = prepare_article(ARTICLE, "zh", lexicon={"GIF": "jif", "坏": "xx"})
    data = json.loads(json.dumps(article.as_dict(), ensure_ascii=False))
    assert data["sentences"][0]["key"] == article.sentences[0].key
    assert data["warnings"][0]["code"] == "invalid_lexicon_entry"
    assert data["blocks"][0] == {"index": 0, "kind": "heading", "text": "重慶旅行指南"}


# --- scale and robustness -------------------------------------------------------------------------------------------


def test_hundred_thousand_character_article():
    zh = ("2025年3月5日，我们在重庆发布了readaloud 1.2.3版本，性能提升了35.5%，下载量达到1,234,567次。"
          "用户可以拨打400-800-8888咨询，营业时间10:30-22:00。")
    en = "In 1999, the U.S. economy grew 4.8%. Mr. Smith paid $5.99 for coffee on March 5th. It was great!"
    paragraphs = [zh if i % 3 else en for i in range(1200)]
    assert sum(map(len, paragraphs)) >= 100_000
    html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    started = time.perf_counter()
    article = prepare_article(html, "zh")
    elapsed = time.perf_counter() - started
    check(article)
    assert len(article.blocks) == 1200
    assert len(article.sentences) == 400 * 3 + 800 * 2
    first = article.sentences[0].spoken_text
    assert first == "In nineteen ninety-nine, the U.S. economy grew four point eight percent."
    assert elapsed < 5.0


def test_the_text_package_does_not_import_django():
    code = ("import sys, readaloud.text; readaloud.text.prepare_article('<p>好。</p>', 'zh'); "
            "print('django' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=__file__.rsplit("/tests/", 1)[0])
    assert result.stdout.strip() == "False"


HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<li>", "<ul>", "</ul>", "<h1>", "</h1>", "<blockquote>", "</blockquote>", "<pre>", "</pre>",
    "<code>", "</code>", "<ruby>", "<rt>", "</rt>", "</ruby>", "<br>", "<table><tr><td>", "</td></tr></table>",
    "<img src=x alt=y>", "<a href='#x'>", "</a>", "<sup>", "</sup>", "&amp;", "&#xd800;", "&#0;", "<", ">", "<!--",
    "[chóng]", "[hxng]", "[qing4]", "https://x.y/z?a=1", "Mr.", "U.S.", "e.g.", "3.5", "10:30", "2025-03-05", "1,234",
    "+86 138 1234 5678", "¥100", "$5.99", "3-5个", "2025年", "25℃", "。", "，", "！", "？", ".", "!", "?", "…", "；",
    "”",
    "」", "）", "\n", " ", "重", "庆", "行", "中文", "English", "word", "🎉", "👨‍👩‍👧", "\u200b", "\u200d", "\u0301",
    "\u200f", "ｆ１２", "臺灣",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    html=st.one_of(st.text(max_size=300), st.lists(HTML_PIECES, max_size=80).map("".join)),
    language=st.sampled_from(["zh", "en", "mixed", "zh-Hant", ""]),
    max_chars=st.integers(min_value=1, max_value=80),
)
def test_property_never_raises_and_offsets_index_into_blocks(html, language, max_chars):
    article = prepare_article(html, language, lexicon={"重庆": "chóng qìng", "word": "wurd", "中文": "zhōng wén"},
                              max_chars=max_chars, max_words=max(1, max_chars // 2))
    check(article)
    assert all(w.code != "normalize_failed" for w in article.warnings)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_property_plain_text_paragraph(text):
    article = prepare_article(f"<p>{text}</p>", "zh")
    check(article)


# --- what the renderer consumes ---------------------------------------------------------------------------------------


def test_sentence_start_end_and_annotation_tuples():
    article = prepare_article("<p>前言。重庆[chóng qìng]很热。</p>", "zh")
    sentence = article.sentences[1]
    assert (sentence.start, sentence.end) == sentence.offsets == (3, 8)
    (annotation,) = sentence.annotations
    assert list(annotation) == [0, 2, "重庆", "chong2 qing4", "pinyin", "inline"]
    assert json.loads(json.dumps(annotation)) == list(annotation)
    assert annotation.as_dict()["pronunciation"] == "chong2 qing4"


def test_tts_text_writes_pinyin_back_as_inline_markup_and_substitutes_respellings():
    article = prepare_article("<p>重庆[chóng qìng]的银行[háng]用 nginx 和 GIF。</p>", "zh",
                              lexicon={"nginx": "engine x", "GIF": "/dʒɪf/"})
    (sentence,) = article.sentences
    assert sentence.tts_text == "重庆[chong2 qing4]的银行[hang2]用 engine x 和 GIF。"
    assert sentence.as_dict()["tts_text"] == sentence.tts_text


def test_tts_text_is_read_by_the_voices_g2p_annotation_parser():
    pytest.importorskip("misaki")
    annotations = pytest.importorskip("voices.g2p.annotations")
    article = prepare_article("<p>重庆[chóng qìng]的银行[háng]，绿[lǜ]色。</p>", "zh")
    (sentence,) = article.sentences
    text, syllables = annotations.parse_annotations(sentence.tts_text)
    assert syllables == [a for s in sentence.annotations for a in s.pronunciation.split()]
    assert text.replace(annotations.MARK, "") == sentence.spoken_text
