"""readaloud.text.pronunciation: pinyin validation, inline annotations, the site lexicon."""

import pytest

from readaloud.text.pronunciation import (
    Annotation,
    Lexicon,
    PinyinError,
    looks_like_pinyin,
    normalize_pinyin,
    parse_pinyin,
    strip_inline_annotations,
)


@pytest.mark.parametrize(
    ("pinyin", "canonical"),
    [
        ("chóng", ("chong2",)),
        ("chong2", ("chong2",)),
        ("Chóng", ("chong2",)),
        ("chóng qìng", ("chong2", "qing4")),
        ("Chóngqìng", ("chong2", "qing4")),
        ("chong2qing4", ("chong2", "qing4")),
        ("chong2 qing4", ("chong2", "qing4")),
        ("chóng-qìng", ("chong2", "qing4")),
        ("xī'ān", ("xi1", "an1")),
        ("xīān", ("xi1", "an1")),
        ("xian1", ("xian1",)),
        ("fāng'àn", ("fang1", "an4")),
        ("lǜ", ("lv4",)),
        ("lü4", ("lv4",)),
        ("lu:4", ("lv4",)),
        ("lv4", ("lv4",)),
        ("nüè", ("nve4",)),
        ("lue4", ("lve4",)),
        ("jü", ("ju5",)),
        ("de", ("de5",)),
        ("de5", ("de5",)),
        ("de0", ("de5",)),
        ("zhuāng", ("zhuang1",)),
        ("shuang1 shuang1", ("shuang1", "shuang1")),
        ("hm", ("hm5",)),
        ("ǹg", ("ng4",)),
        ("e\u0301r", ("er2",)),  # decomposed tone mark
        ("  háng  ", ("hang2",)),
        ("chóng2", ("chong2",)),  # a tone mark and the same tone number agree
    ],
)
def test_parse_pinyin(pinyin, canonical):
    assert parse_pinyin(pinyin) == canonical


@pytest.mark.parametrize(
    ("pinyin", "named"),
    [
        ("hxng", "hxng"),
        ("chong7", "7"),
        ("qíngg", "qíngg"),
        ("abc", "abc"),
        ("chóng x", "x"),
        ("2chong", "2chong"),
        ("chǒng2", "chǒng2"),  # they disagree
        ("ni\u0301\u0300", "two tone marks"),
        ("", "empty"),
        ("   ", "empty"),
        ("重", "重"),
    ],
)
def test_invalid_pinyin_is_rejected_naming_the_offending_part(pinyin, named):
    with pytest.raises(PinyinError) as error:
        parse_pinyin(pinyin)
    assert named in str(error.value)


def test_normalize_pinyin():
    assert normalize_pinyin("Chóngqìng") == "chong2 qing4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("chóng", True), ("chong2", True), ("hxng", True), ("de", True), ("A", False), ("1", False), ("注1", False),
     ("see note", True), ("Note", False), ("i", True), ("", False), ("x = 1", False)],
)
def test_looks_like_pinyin(text, expected):
    assert looks_like_pinyin(text) is expected


def test_strip_inline_annotations():
    text, annotations, errors = strip_inline_annotations("重[chóng]新开始，银行[háng]和重庆[chong2 qing4]。")
    assert text == "重新开始，银行和重庆。"
    assert errors == []
    assert annotations == [
        Annotation(0, 1, "重", "chong2", "pinyin", "inline"),
        Annotation(6, 1, "行", "hang2", "pinyin", "inline"),
        Annotation(8, 2, "重庆", "chong2 qing4", "pinyin", "inline"),
    ]
    for a in annotations:
        assert text[a.offset:a.end] == a.text


def test_consecutive_annotations():
    text, annotations, _ = strip_inline_annotations("去[qu4]了[le5]")
    assert text == "去了"
    assert [(a.offset, a.pronunciation) for a in annotations] == [(0, "qu4"), (1, "le5")]


@pytest.mark.parametrize("text", ["array[i] = 1", "见附录[A]", "注[1]", "[chóng]开头", "A[chóng]", "x[1][2]", "行[]"])
def test_brackets_that_are_not_annotations_are_left_alone(text):
    assert strip_inline_annotations(text) == (text, [], [])


def test_invalid_annotation_stays_as_text_and_is_reported():
    text, annotations, errors = strip_inline_annotations("行[hxng]不对，行[xíng]对。")
    assert text == "行[hxng]不对，行对。"
    assert [a.pronunciation for a in annotations] == ["xing2"]
    assert len(errors) == 1
    assert "行[hxng]" in errors[0] and "hxng" in errors[0]


def test_annotation_with_more_syllables_than_characters_is_reported():
    text, annotations, errors = strip_inline_annotations("A重[chóng qìng]新")
    assert text == "A重[chóng qìng]新"
    assert annotations == []
    assert "2 syllable(s)" in errors[0] and "1 Chinese character(s)" in errors[0]


def test_strip_never_raises_on_odd_brackets():
    for text in ["[", "]", "][", "重[", "重[[chóng]]", "重[chóng", "重[" + "a" * 200 + "]", "重[ch\u0301\u0301ong]"]:
        stripped, annotations, errors = strip_inline_annotations(text)
        assert isinstance(stripped, str)


# --- lexicon --------------------------------------------------------------------------------------------------------


def find(lexicon, text, taken=()):
    return [(a.offset, a.text, a.pronunciation, a.kind) for a in Lexicon(lexicon).find(text, taken)]


def test_lexicon_longest_match_first():
    lexicon = {"重庆": "chóng qìng", "重庆市": "chóng qìng shì", "长": "zhǎng"}
    assert find(lexicon, "重庆市很大，重庆很热") == [
        (0, "重庆市", "chong2 qing4 shi4", "pinyin"),
        (6, "重庆", "chong2 qing4", "pinyin"),
    ]


def test_lexicon_english_words_match_whole_words_ignoring_ascii_case():
    lexicon = {"GIF": "/dʒɪf/", "nginx": "engine x", "SQL": "sequel"}
    assert find(lexicon, "A gif, GIFs and NGINX; mysql no, SQL yes.") == [
        (2, "gif", "dʒɪf", "ipa"),
        (16, "NGINX", "engine x", "respelling"),
        (33, "SQL", "sequel", "respelling"),
    ]


def test_lexicon_english_word_inside_chinese_text():
    assert find({"GIF": "jif"}, "这个GIF很好") == [(2, "GIF", "jif", "respelling")]


def test_lexicon_keys_are_folded_like_the_spoken_text():
    assert find({"重慶": "chóng qìng", "ＡＰＩ": "A P I"}, "重庆的API") == [
        (0, "重庆", "chong2 qing4", "pinyin"),
        (3, "API", "A P I", "respelling"),
    ]


def test_lexicon_skips_text_already_annotated():
    taken = [Annotation(0, 1, "重", "zhong4")]
    assert find({"重庆": "chóng qìng", "庆": "qing4"}, "重庆", taken) == [(1, "庆", "qing4", "pinyin")]


def test_invalid_lexicon_entries_are_reported_and_skipped():
    lexicon = Lexicon({"重庆": "chong qing qing", "坏": "xx", "B站": "bi zhan", "": "x", "好": "", "行": "háng",
                       3: "x"})
    assert len(lexicon) == 1
    assert len(lexicon.errors) == 6
    assert any("'重庆'" in e and "3 pinyin syllable(s) for 2 character(s)" in e for e in lexicon.errors)
    assert any("'坏'" in e and "xx" in e for e in lexicon.errors)
    assert lexicon.find("银行") == [Annotation(1, 1, "行", "hang2", "pinyin", "lexicon")]


def test_empty_lexicon():
    assert not Lexicon({})
    assert Lexicon(None).find("anything") == []
    assert Lexicon([("重", "zhòng")]).find("重要")[0].pronunciation == "zhong4"
