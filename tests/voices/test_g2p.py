"""G2P unit tests: no speech model, only misaki/pypinyin/jieba/espeak-ng (all offline)."""

import pytest

from voices.g2p import detect_language, normalize_text, phonemize, split_sentences
from voices.g2p.annotations import MARK, parse_annotations, to_tone3
from voices.g2p.en import clauses
from voices.g2p.zh import syllable_to_phonemes


def vocab():
    from kokoro_onnx.config import DEFAULT_VOCAB

    return DEFAULT_VOCAB


def assert_in_vocab(phonemes):
    unknown = {c for c in phonemes if c not in vocab()}
    assert not unknown, f"phonemes outside Kokoro's vocabulary: {unknown} in {phonemes!r}"


def test_chinese_matches_misaki_v1_0():
    from misaki.zh import ZHG2P

    text = "你好，世界。重庆是一座美丽的城市！"
    ours = phonemize(text, "zh")
    misaki, _ = ZHG2P(version=None)(text)  # the G2P Kokoro v1.0 was trained with
    assert ours.split() == misaki.split()
    assert ours.startswith("ni↓xau↓, ʂɨ↘ʨje↘.")
    assert "ꭧʰʊ↗ŋʨʰi↘ŋ" in ours  # 重庆 chong2 qing4, the word reading, not zhong4
    assert_in_vocab(ours)


def test_english_uses_misaki_symbols():
    ours = phonemize("Hello world, this is a test.", "en")
    assert ours == "həlˈO wˈɜɹld, ðɪs ɪz ə tˈɛst."
    assert_in_vocab(ours)
    assert "O" in phonemize("go home", "en") and "ʊ" not in phonemize("go home", "en")  # diphthong as misaki's O
    british = phonemize("go home", "en", english="en-gb")
    assert "Q" in british


def test_english_keeps_decimals_and_abbreviations_together():
    assert clauses("Growth was 3.5% in 2025. Dr. Smith agreed, e.g. today!") == [
        ("Growth was 3.5% in 2025", "."),
        ("Dr. Smith agreed", ","),
        ("e.g. today", "!"),
    ]
    phonemes = phonemize("Growth was 3.5%.", "en")
    assert "pYnt" in phonemes and "pəɹsˈɛnt" in phonemes  # "three point five percent", no break at the dot


def test_mixed_phonemizes_latin_runs_as_english():
    phonemes = phonemize("我用iPhone打电话。", "mixed")
    assert "fˈOn" in phonemes  # iPhone through espeak, not spelled as raw letters
    assert "iPhone" not in phonemes
    assert phonemes.startswith("wo↓")
    assert_in_vocab(phonemes)
    # Chinese inside English text
    phonemes = phonemize("I love 北京 very much.", "en")
    assert "pei↓ʨi→ŋ" in phonemes and "lˈʌv" in phonemes


def test_digits_in_both_languages():
    assert normalize_text("2025年增长了3.5%", "zh") == "二零二五年增长了百分之三点五"
    assert normalize_text("共1,234人，10:30开会", "zh") == "共一千二百三十四人，十点三十分开会"
    assert normalize_text("电话13800138000", "zh") == "电话一三八零零一三八零零零"
    assert normalize_text("ＧＰＴ－４ and ２０２５", "en") == "GPT－4 and 2025"
    assert "pai↓fə→nꭧɨ→sa→ntjɛ↓n u↓" in phonemize("3.5%", "zh")  # 百分之三点五
    assert "twˈɛnti fˈIv" in phonemize("in 2025", "en")
    assert not any(c.isdigit() for c in phonemize("第3章共12页，GPT-4", "zh"))


def test_pinyin_annotation():
    assert to_tone3("chóng") == "chong2"
    assert to_tone3("zhong4") == "zhong4"
    assert to_tone3("lǜ") == "lv4"
    assert to_tone3("ma") == "ma5"
    assert to_tone3("xyz") is None
    text, syllables = parse_annotations("重[chóng]新，重要")
    assert text == f"重{MARK}新，重要" and syllables == ["chong2"]

    plain = phonemize("他重新开始", "zh")
    assert "ꭧʰʊ↗ŋ" in plain  # the dictionary already reads 重新 as chong2
    forced = phonemize("他重[zhòng]新开始", "zh")
    assert syllable_to_phonemes("zhong4") in forced and "ꭧʰʊ↗ŋ" not in forced
    # the neighbours keep their word reading; several syllables cover the last characters before the brackets
    assert phonemize("银行[háng]", "zh") == phonemize("银行", "zh")
    assert syllable_to_phonemes("xing2") in phonemize("银行[xíng]", "zh")
    assert phonemize("重庆[chóng qìng]", "zh") == "ꭧʰʊ↗ŋʨʰi↘ŋ"
    # not pinyin: ignored, the brackets are not read
    assert phonemize("重[abc]要", "zh") == phonemize("重要", "zh")
    assert detect_language("他重[chóng]新开始") == "zh"


def test_detect_language_and_sentences():
    assert detect_language("你好，世界") == "zh"
    assert detect_language("Hello world") == "en"
    assert detect_language("我用iPhone打电话") == "mixed"
    assert detect_language("I visited 北京 last year with my family") == "en"
    assert split_sentences("第一句。第二句！Third one. Dr. Smith said \"hi.\" Pi is 3.14? 最后…\n没有标点") == [
        "第一句。", "第二句！", "Third one.", 'Dr. Smith said "hi."', "Pi is 3.14?", "最后…", "没有标点",
    ]


@pytest.mark.parametrize("text", ["", "   ", "——", "……"])
def test_nothing_to_say(text):
    assert phonemize(text, "auto").strip(" —…") == ""
