"""readaloud.text.normalize and .numbers: the spoken form of a sentence."""

import pytest

from readaloud.text.normalize import (
    detect_language,
    fold_text,
    normalize,
    normalize_language,
    normalize_with_map,
    t2s,
    to_halfwidth,
)
from readaloud.text.numbers import en_cardinal, en_fraction, en_ordinal, en_year, zh_decimal, zh_integer


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # dates and years
        ("2025年3月5日", "二零二五年三月五日"),
        ("1999年", "一九九九年"),
        ("98年3月", "九八年三月"),
        ("2025-03-05", "二零二五年三月五日"),
        ("2025/3/5发布", "二零二五年三月五日发布"),
        ("1990-1995年", "一九九零到一九九五年"),
        ("5年", "五年"),
        ("12月25日", "十二月二十五日"),
        ("90年代", "九十年代"),
        # percentages
        ("3.5%", "百分之三点五"),
        ("增长3.5%", "增长百分之三点五"),
        ("50%-60%", "百分之五十到百分之六十"),
        ("3~5%", "百分之三到百分之五"),
        ("-3%", "负百分之三"),
        ("5‰", "千分之五"),
        # plain numbers
        ("1,234", "一千二百三十四"),
        ("共1,234人", "共一千二百三十四人"),
        ("3.14", "三点一四"),
        ("0.5", "零点五"),
        ("10", "十"),
        ("110", "一百一十"),
        ("1005", "一千零五"),
        ("20000", "二万"),
        ("007", "零零七"),
        ("1234567890123456789", "一二三四五六七八九零一二三四五六七八九"),
        # 两 before measure words, 二 in ordinals and dates
        ("2个苹果", "两个苹果"),
        ("2000元", "两千元"),
        ("2万", "两万"),
        ("第2名", "第二名"),
        ("2月", "二月"),
        ("12个", "十二个"),
        ("2.5小时", "二点五小时"),
        ("第3章", "第三章"),
        ("21st", "第二十一"),
        # ranges
        ("3-5个", "三到五个"),
        ("3～5天", "三到五天"),
        ("2-3kg", "两到三千克"),
        ("2-3个", "两到三个"),
        ("1-2月", "一到二月"),
        # phone numbers and codes
        ("请拨打13812345678咨询", "请拨打一三八一二三四五六七八咨询"),
        ("电话010-12345678", "电话零一零，一二三四五六七八"),
        ("400-800-8888", "四零零，八零零，八八八八"),
        ("+86 138 1234 5678", "加八六，一三八，一二三四，五六七八"),
        # times and ratios
        ("10:30开会", "十点三十分开会"),
        ("2:05", "两点零五分"),
        ("10:00", "十点"),
        ("10:30:15", "十点三十分十五秒"),
        ("10:30 AM", "上午十点三十分"),
        ("开放时间10:30-22:00", "开放时间十点三十分到二十二点"),
        ("3:1", "三比一"),
        # units
        ("5km", "五公里"),
        ("3kg", "三千克"),
        ("2kg", "两千克"),
        ("25℃", "二十五摄氏度"),
        ("-5℃", "零下五摄氏度"),
        ("30°", "三十度"),
        ("100km/h", "一百公里每小时"),
        ("24h", "二十四小时"),
        ("5 GB", "五GB"),
        ("3x", "三倍"),
        ("1920×1080", "一千九百二十乘一千零八十"),
        ("50m²", "五十平方米"),
        # money
        ("¥100", "一百元"),
        ("￥100", "一百元"),
        ("$5", "五美元"),
        ("¥5万", "五万元"),
        ("$1.5亿", "一点五亿美元"),
        ("$1.5M", "一百五十万美元"),
        ("€20", "二十欧元"),
        ("HK$10", "十港元"),
        # fractions, versions
        ("1/2", "二分之一"),
        ("Python 3.12.1 发布", "Python 三点十二点一 发布"),
        # English inside Chinese is kept
        ("我用Python写了一个Django app", "我用Python写了一个Django app"),
        ("iPhone 15 发布了", "iPhone 十五 发布了"),
        ("我用C++和C#", "我用C plus plus和C sharp"),
    ],
)
def test_chinese(text, spoken):
    assert normalize(text, "zh") == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("3.5%", "three point five percent"),
        ("-2%", "minus two percent"),
        ("3-5%", "three to five percent"),
        ("In 1999, prices rose.", "In nineteen ninety-nine, prices rose."),
        ("It was 2025.", "It was twenty twenty-five."),
        ("since 2005", "since two thousand five"),
        ("in 1905", "in nineteen oh five"),
        ("2000 people", "two thousand people"),
        ("from 1990-1995", "from nineteen ninety to nineteen ninety-five"),
        ("the 1990s", "the nineteen nineties"),
        ("the '80s", "the eighties"),
        ("1,234", "one thousand two hundred thirty-four"),
        ("3.14", "three point one four"),
        ("007", "zero zero seven"),
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("$5.99", "five dollars and ninety-nine cents"),
        ("$0.50", "fifty cents"),
        ("$1,000,000", "one million dollars"),
        ("$5M deal", "five million dollars deal"),
        ("€20", "twenty euros"),
        ("£1.01", "one pound and one penny"),
        ("¥100", "one hundred yuan"),
        ("21st century", "twenty-first century"),
        ("2nd", "second"),
        ("3rd", "third"),
        ("11th", "eleventh"),
        ("March 5, 2025", "March fifth, twenty twenty-five"),
        ("on Jan. 3rd", "on Jan. third"),
        ("2025-03-05", "March fifth, twenty twenty-five"),
        ("3/5/2025", "March fifth, twenty twenty-five"),
        ("10:30 am", "ten thirty AM"),
        ("10:00", "ten o'clock"),
        ("10:05", "ten oh five"),
        ("9:00 am - 5:30 pm", "nine AM to five thirty PM"),
        ("3:1", "three to one"),
        ("5km", "five kilometers"),
        ("1 km", "one kilometer"),
        ("3 kg", "three kilograms"),
        ("-5°C", "minus five degrees Celsius"),
        ("60 mph", "sixty miles per hour"),
        ("3x faster", "three times faster"),
        ("1/2 cup", "one half cup"),
        ("2/3", "two thirds"),
        ("5/17", "five over seventeen"),
        ("pages 10-20", "pages ten to twenty"),
        ("Call 555-123-4567", "Call five five five, one two three, four five six seven"),
        ("Python 3.12.1", "Python three point twelve point one"),
        ("MP3", "MP three"),
        ("e.g. this", "for example this"),
        ("Mr. Smith", "Mister Smith"),
        ("R&D & more", "R&D and more"),
        ("C++ and C#", "C plus plus and C sharp"),
    ],
)
def test_english(text, spoken):
    assert normalize(text, "en") == spoken


def test_numbers_next_to_chinese_are_read_in_mandarin_inside_english_sentences():
    assert normalize("I bought 5 个 apples", "en") == "I bought 五 个 apples"
    assert normalize("I bought 5 apples", "en") == "I bought five apples"


def test_traditional_to_simplified():
    assert normalize("這是一個測試，重慶與臺灣。", "zh") == "这是一个测试，重庆与台湾。"
    assert t2s("乾淨") == "干净"
    assert t2s("他沈默了") == "他沉默了"
    assert t2s("abc") == "abc"


def test_full_width_to_half_width_for_latin_and_digits_only():
    assert to_halfwidth("ＡＢＣ１２３％，。（）") == "ABC123%，。（）"
    assert to_halfwidth("３．５：１０") == "3.5:10"
    assert normalize("ＡＢＣ１２３", "zh") == "ABC一百二十三"
    assert normalize("３．５％", "zh") == "百分之三点五"
    assert normalize("１０：３０", "zh") == "十点三十分"


def test_folding_keeps_length():
    text = "這是ＡＢＣ１２３，乾淨的臺灣。３．５"
    assert len(fold_text(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("好的🎉👍🏽", "好的"),
        ("重\u200b庆", "重庆"),
        ("family 👨‍👩‍👧‍👦 time", "family time"),
        ("a\u200fb\u202ec\u2066d", "abcd"),
        ("cafe\u0301", "café"),
        ("\ufeffBOM", "BOM"),
        ("tab\tand\nnewline  spaces", "tab and newline spaces"),
        ("\ue000private\U0010ffff", "private"),
        ("", ""),
        ("。", "。"),
        ("   ", ""),
    ],
)
def test_symbols_invisible_characters_and_whitespace(text, spoken):
    assert normalize(text, "zh") == spoken


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("今天天气很好", "zh"),
        ("我用Python写了一个Django app。", "zh"),
        ("This is English.", "en"),
        ("The word 你好 means hello.", "en"),
        ("這是繁體中文", "zh"),
        ("2025", "zh"),
        ("。。。", "zh"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text, default="zh") == language


def test_detect_language_falls_back_to_default():
    assert detect_language("2025 !!", default="en") == "en"
    assert detect_language("", default="en-US") == "en"


@pytest.mark.parametrize(
    ("code", "expected"), [("zh", "zh"), ("zh-Hans", "zh"), ("zh_CN", "zh"), ("en-US", "en"), ("EN", "en"),
                           ("mixed", "zh"), (None, "zh"), ("fr", "zh")],
)
def test_normalize_language(code, expected):
    assert normalize_language(code) == expected


def test_offset_map_follows_chinese_characters_through_number_rewrites():
    display = "2025年重庆有3.5%的人"
    normalized = normalize_with_map(display, "zh")
    assert normalized.text == "二零二五年重庆有百分之三点五的人"
    start = display.index("重庆")
    mapped = normalized.map_span(start, 2)
    assert normalized.text[mapped:mapped + 2] == "重庆"
    assert normalized.map_span(0, 4) is None  # the digits were rewritten
    person = normalized.map_span(display.index("人"), 1)
    assert normalized.text[person] == "人"


def test_offset_map_through_dropped_characters_and_whitespace():
    display = "  🎉 重\u200b庆  行"
    normalized = normalize_with_map(display, "zh")
    assert normalized.text == "重庆 行"
    assert normalized.map_span(display.index("行"), 1) == 3
    assert normalized.map_span(display.index("重"), 1) == 0
    assert normalized.map_span(display.index("重"), 3) is None  # the zero-width space between them is gone


def test_offset_map_through_traditional_characters():
    display = "重慶很好"
    normalized = normalize_with_map(display, "zh")
    assert normalized.text == "重庆很好"
    assert normalized.map_span(0, 2) == 0


def test_number_words():
    assert en_cardinal(0) == "zero"
    assert en_cardinal(15) == "fifteen"
    assert en_cardinal(1_000_001) == "one million one"
    assert en_cardinal(-42) == "minus forty-two"
    assert en_ordinal(1) == "first"
    assert en_ordinal(22) == "twenty-second"
    assert en_ordinal(100) == "one hundredth"
    assert en_year(1066) == "ten sixty-six"
    assert en_year(2010) == "twenty ten"
    assert en_year(1900) == "nineteen hundred"
    assert en_fraction(1, 4) == "one quarter"
    assert en_fraction(3, 8) == "three eighths"
    assert zh_integer("2", liang=True) == "两"
    assert zh_integer("2") == "二"
    assert zh_integer("200", liang=True) == "两百"
    assert zh_integer("12", liang=True) == "十二"
    assert zh_decimal("10.05") == "十点零五"


@pytest.mark.parametrize(
    "text",
    ["9" * 40, "1" * 17 + ".5", "0" * 30, "99999999999999999%", "$" + "9" * 30, "1,234,567,890,123,456,789",
     "2025-13-45", "25:99", "99/0", "1/0", "１" * 20, "-0", "+-3", "3.", ".5", "1e10", "Ⅻ", "١٢٣", "²³"],
)
def test_odd_numbers_never_raise(text):
    for language in ("zh", "en"):
        spoken = normalize(text, language)
        assert isinstance(spoken, str)
