"""Text normalisation and comparison of what the ASR heard with the sentence shown (no models)."""

import pytest

from voices.text_match import compare, detect_language, normalize, pinyin_units, text_units, unit_count


@pytest.mark.parametrize("text,language,expected", [
    ("本节目由26年专注高品质燕窝", "zh", "本节目由26年专注高品质燕窝"),
    ("本节目由二十六年专注高品质燕窝", "zh", "本节目由26年专注高品质燕窝"),
    ("語音識別，很好！", "zh", "语音识别 很好"),
    ("Captain Frere SAYS: hello, world!", "en", "captain frere says hello world"),
    ("It was 26 years, don't you know?", "en", "it was twenty six years dont you know"),
    ("He paid 1,000 dollars and 3.5 cents", "en", "he paid one thousand dollars and three point five cents"),
])
def test_normalize(text, language, expected):
    assert normalize(text, language) == expected


def test_numerals_written_either_way_match():
    match = compare("吃燕窝就选燕之屋，本节目由26年专注高品质燕窝的燕之屋冠名播出。",
                    "吃燕窝就选燕之屋本节目由二十六年专注高品质燕窝的燕之屋冠名播出", "zh")
    assert match.cer == 0 and match.pinyin_error == 0


def test_homophones_count_against_characters_but_not_pinyin():
    match = compare("有一家个体制品厂本该用完整的型材生产门窗", "有一家个体制品厂,本该用完整的行材生产门窗", "zh")
    assert match.unit_errors == 1 and match.cer > 0
    assert match.pinyin_errors == 0 and match.error == 0


def test_accent_tolerant_pinyin():
    # zh/z, sh/s, n/l, in/ing are not told apart by many speakers: 是/四 differ in tone and initial sh/s only.
    assert pinyin_units(["是"]) == pinyin_units(["四"])
    assert pinyin_units(["男"]) == pinyin_units(["蓝"])
    assert pinyin_units(["天"]) != pinyin_units(["山"])


def test_changed_characters_are_counted():
    match = compare("就是根据经济体自身情况决定房价上涨或者下跌", "就是根据经济体自身情况决定房价上涨或者下跌", "zh")
    assert match.error == 0
    near = compare("就是根据山济体自身情况决花房价上涨或者下鱼", "就是根据经济体自身情况决定房价上涨或者下跌", "zh")
    assert near.pinyin_errors == 3 and near.units == 21


def test_english_words():
    match = compare("Some call me nature, others call me mother nature.",
                    "Some call me nature. Others call me Mother Nature.", "en")
    assert match.error == 0 and match.pinyin_error is None
    wrong = compare("Some call me river, others call me mother ocean.", "Some call me nature. Others call me Mother "
                    "Nature.", "en")
    assert wrong.unit_errors == 2 and wrong.error == pytest.approx(2 / 9)


def test_nothing_heard():
    match = compare("今天天气很好", "", "zh")
    assert match.error == 1.0 and match.cer == 1.0 and match.heard == ""


def test_units_and_language():
    assert text_units("我用 Django 写网站", "zh") == ["我", "用", "django", "写", "网", "站"]
    assert unit_count("The quick brown fox.") == 4
    assert detect_language("今天天气很好。") == "zh"
    assert detect_language("The quick brown fox.") == "en"
    assert detect_language("我们用 Python and Django 写了 readaloud") == "mixed"
