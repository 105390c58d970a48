"""The spoken form of a sentence: numbers, dates, times, units and symbols written out as words.

``normalize("2025年3月5日增长3.5%", "zh")`` -> ``"二零二五年三月五日增长百分之三点五"``;
``normalize("Prices rose 3.5% in 1999.", "en")`` -> ``"Prices rose three point five percent in nineteen ninety-nine."``

Rules:

- The sentence's language (``"zh"`` or ``"en"``, see :func:`detect_language`) picks the reading. In an English
  sentence a number written against Chinese characters (``5个``) is still read in Mandarin. English words inside
  Chinese are kept as they are.
- Before anything else the text is *folded*, one character for one: full-width Latin letters, digits and
  ``％＄＃＠＆＋＝／`` become ASCII (Chinese punctuation such as ``，。：（）`` stays), ``．：`` between digits
  become ``.:``, and traditional Chinese becomes simplified (OpenCC ``t2s``).
- Emoji, other symbols, control and invisible format characters (zero-width spaces and joiners, direction marks,
  variation selectors, unassigned code points) are dropped; runs of whitespace become one space.
- The display sentence is never changed; :func:`normalize_with_map` also returns where each display character ended
  up in the spoken text, so pronunciation annotations can follow their characters.
"""

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ._chars import HANZI_RE, INVISIBLE_CLASS, LATIN_WORD_RE, is_hanzi
from .numbers import (
    en_cardinal,
    en_decimal,
    en_digits,
    en_fraction,
    en_ordinal,
    en_plural,
    en_year,
    to_decimal,
    zh_decimal,
    zh_digits,
    zh_integer,
)

__all__ = [
    "Normalized",
    "OffsetMap",
    "detect_language",
    "fold_text",
    "normalize",
    "normalize_language",
    "normalize_with_map",
    "t2s",
    "to_halfwidth",
]


# --- language -------------------------------------------------------------------------------------------------


def normalize_language(language: str | None, default: str = "zh") -> str:
    """``"zh-Hans"``, ``"zh_CN"``, ``"cmn"`` -> ``"zh"``; ``"en-US"`` -> ``"en"``; anything else -> ``default``."""
    code = (language or "").strip().lower().replace("_", "-")
    if code.startswith(("zh", "cmn", "yue")):
        return "zh"
    if code.startswith("en"):
        return "en"
    return default


def detect_language(text: str, default: str = "zh") -> str:
    """``"zh"`` when Chinese characters are at least as many as words of Latin script, ``"en"`` when there are
    more Latin words, ``default`` when there are neither (numbers only, punctuation)."""
    hanzi = len(HANZI_RE.findall(text))
    words = len(LATIN_WORD_RE.findall(text))
    if hanzi and hanzi >= words:
        return "zh"
    if words:
        return "en"
    return normalize_language(default)


# --- folding: one character for one -----------------------------------------------------------------------------

_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}  # ０-９
_HALFWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_HALFWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_HALFWIDTH.update({ord(c): ord(c) - 0xFEE0 for c in "％＄＃＠＆＋＝／＿＜＞＾｀｜"})
_HALFWIDTH.update({0xFFE5: ord("¥"), 0xFFE1: ord("£"), 0xFFE0: ord("¢"), 0xFFE6: ord("₩"), 0x3000: ord(" ")})
_BETWEEN_DIGITS = re.compile(r"(?<=\d)[．：－](?=\d)")
_BETWEEN_DIGITS_MAP = {"．": ".", "：": ":", "－": "-"}


def to_halfwidth(text: str) -> str:
    """Full-width Latin letters, digits and a few symbols -> ASCII, keeping Chinese punctuation; same length."""
    text = text.translate(_HALFWIDTH)
    if "．" in text or "：" in text or "－" in text:
        text = _BETWEEN_DIGITS.sub(lambda m: _BETWEEN_DIGITS_MAP[m.group()], text)
    return text


@cache
def _opencc():
    import os

    import opencc

    converter = opencc.OpenCC("t2s")
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    traditional: set[str] = set()
    chars: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            if len(key) == 1 and value:
                traditional.add(key)
                chars[key] = value.split(" ")[0]
    traditional.add("沈")  # TSPhrases: 沈默 -> 沉默, 沈船 -> 沉船
    return converter, frozenset(traditional), chars


def t2s(text: str) -> str:
    """Traditional -> simplified Chinese (OpenCC t2s phrases, then characters); always the same length."""
    if not HANZI_RE.search(text):
        return text
    converter, traditional, chars = _opencc()
    if traditional.isdisjoint(text):
        return text
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(chars[ch] if len(chars.get(ch, "")) == 1 else ch for ch in text)


def fold_text(text: str) -> str:
    """:func:`to_halfwidth` then :func:`t2s`: the character-for-character part of normalization."""
    return t2s(to_halfwidth(text))


# --- offset maps ------------------------------------------------------------------------------------------------


class OffsetMap:
    """Where the characters of a source text went after a list of non-overlapping edits (replacements)."""

    __slots__ = ("_starts", "_edits")

    def __init__(self, edits: list[tuple[int, int, int, int]]):
        # (source start, source end, output start, output end), sorted by source start.
        self._edits = edits
        self._starts = [e[0] for e in edits]

    def __call__(self, pos: int) -> int | None:
        """Output position of source character ``pos``, or None if an edit rewrote it."""
        i = bisect_right(self._starts, pos) - 1
        if i < 0:
            return pos
        src_start, src_end, out_start, out_end = self._edits[i]
        if pos < src_end:
            return None
        return pos + out_end - src_end


@dataclass(frozen=True, slots=True)
class Normalized:
    """The spoken text and the maps from the display sentence's positions to it."""

    source: str
    text: str
    maps: tuple[OffsetMap, ...]

    def map(self, pos: int) -> int | None:
        for m in self.maps:
            if pos is None:
                return None
            pos = m(pos)
        return pos

    def map_span(self, start: int, length: int) -> int | None:
        """Spoken offset of display span ``[start, start + length)`` if it came through unchanged in length and
        contiguous (e.g. Chinese characters, folded or not), else None."""
        first = self.map(start)
        if first is None:
            return None
        for k in range(1, length):
            if self.map(start + k) != first + k:
                return None
        return first


def _apply(text: str, pattern: re.Pattern, handler: Callable[[re.Match, str], str | None]) -> tuple[str, OffsetMap]:
    out: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    pos = 0
    out_len = 0
    for m in pattern.finditer(text):
        replacement = handler(m, text)
        if replacement is None or replacement == m.group():
            continue
        start, end = m.span()
        out.append(text[pos:start])
        out_len += start - pos
        out.append(replacement)
        edits.append((start, end, out_len, out_len + len(replacement)))
        out_len += len(replacement)
        pos = end
    if not edits:
        return text, OffsetMap([])
    out.append(text[pos:])
    return "".join(out), OffsetMap(edits)


# --- units, currencies, words -------------------------------------------------------------------------------------

# unit: (Mandarin, English singular, English plural). None for Mandarin keeps the unit as written (5GB -> 五GB).
_UNITS: dict[str, tuple[str | None, str, str]] = {
    "km/h": ("公里每小时", "kilometer per hour", "kilometers per hour"),
    "m/s": ("米每秒", "meter per second", "meters per second"),
    "mph": ("英里每小时", "mile per hour", "miles per hour"),
    "km²": ("平方公里", "square kilometer", "square kilometers"),
    "m²": ("平方米", "square meter", "square meters"),
    "m³": ("立方米", "cubic meter", "cubic meters"),
    "kWh": ("千瓦时", "kilowatt hour", "kilowatt hours"),
    "mAh": ("毫安时", "milliamp hour", "milliamp hours"),
    "GHz": ("吉赫兹", "gigahertz", "gigahertz"),
    "MHz": ("兆赫兹", "megahertz", "megahertz"),
    "kHz": ("千赫兹", "kilohertz", "kilohertz"),
    "Hz": ("赫兹", "hertz", "hertz"),
    "km": ("公里", "kilometer", "kilometers"),
    "cm": ("厘米", "centimeter", "centimeters"),
    "mm": ("毫米", "millimeter", "millimeters"),
    "kg": ("千克", "kilogram", "kilograms"),
    "mg": ("毫克", "milligram", "milligrams"),
    "ml": ("毫升", "milliliter", "milliliters"),
    "mL": ("毫升", "milliliter", "milliliters"),
    "kW": ("千瓦", "kilowatt", "kilowatts"),
    "TB": (None, "terabyte", "terabytes"),
    "GB": (None, "gigabyte", "gigabytes"),
    "MB": (None, "megabyte", "megabytes"),
    "KB": (None, "kilobyte", "kilobytes"),
    "kB": (None, "kilobyte", "kilobytes"),
    "min": ("分钟", "minute", "minutes"),
    "ms": ("毫秒", "millisecond", "milliseconds"),
    "℃": ("摄氏度", "degree Celsius", "degrees Celsius"),
    "°C": ("摄氏度", "degree Celsius", "degrees Celsius"),
    "℉": ("华氏度", "degree Fahrenheit", "degrees Fahrenheit"),
    "°F": ("华氏度", "degree Fahrenheit", "degrees Fahrenheit"),
}
# Single letters and symbols: only directly after the number (5m, 3h, 2x, 30°).
_UNITS_TIGHT: dict[str, tuple[str | None, str, str]] = {
    "m": ("米", "meter", "meters"),
    "g": ("克", "gram", "grams"),
    "t": ("吨", "tonne", "tonnes"),
    "L": ("升", "liter", "liters"),
    "l": ("升", "liter", "liters"),
    "W": ("瓦", "watt", "watts"),
    "V": ("伏", "volt", "volts"),
    "h": ("小时", "hour", "hours"),
    "s": ("秒", "second", "seconds"),
    "x": ("倍", "time", "times"),
    "×": ("倍", "time", "times"),
    "°": ("度", "degree", "degrees"),
}
_TEMPERATURE = {"℃", "°C", "℉", "°F", "°"}

# symbol (with optional prefix): (Mandarin, English singular, English plural, English cents)
_CURRENCIES: dict[str, tuple[str, str, str, str | None]] = {
    "¥": ("元", "yuan", "yuan", None),
    "$": ("美元", "dollar", "dollars", "cent"),
    "US$": ("美元", "US dollar", "US dollars", "cent"),
    "HK$": ("港元", "Hong Kong dollar", "Hong Kong dollars", "cent"),
    "NT$": ("新台币", "New Taiwan dollar", "New Taiwan dollars", None),
    "A$": ("澳元", "Australian dollar", "Australian dollars", "cent"),
    "C$": ("加元", "Canadian dollar", "Canadian dollars", "cent"),
    "S$": ("新加坡元", "Singapore dollar", "Singapore dollars", "cent"),
    "€": ("欧元", "euro", "euros", "cent"),
    "£": ("英镑", "pound", "pounds", "penny"),
    "₩": ("韩元", "won", "won", None),
    "₹": ("卢比", "rupee", "rupees", None),
}
_MAGNITUDES = {"k": 10**3, "K": 10**3, "thousand": 10**3, "M": 10**6, "million": 10**6, "B": 10**9, "bn": 10**9,
               "billion": 10**9, "trillion": 10**12}
_ZH_MAGNITUDES = ("万亿", "千万", "百万", "亿", "万", "千")

# Measure words and units after which 2 is read 两 (两个, 两千克), not 二.
_LIANG_NEXT = frozenset(
    "个只条本位次天年种件张台辆名块元把岁倍周杯瓶碗份双对门首部句行层间座棵头"
    "匹篇章节课点斤项批场轮组家所支架颗片粒根套款回遍趟步级期届人百千万亿"
)
_LIANG_WORDS = ("小时", "分钟", "星期", "公里", "千克", "公斤", "毫米", "厘米", "米", "吨", "升", "秒钟")

_EN_ABBREVIATIONS = {"e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus",
                     "Mr.": "Mister", "Mrs.": "Missus", "Dr.": "Doctor", "approx.": "approximately"}
_EN_YEAR_CUES = frozenset(
    "in since by from to until till of year circa c before after during around early late mid between and "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec spring summer autumn fall winter".split()
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_NB = r"(?<![A-Za-z0-9.])"  # not inside a word or after a decimal point
_SIGN = r"(?:(?<![A-Za-z0-9.,\-])[-−+])"
_CUR = r"(?:US|HK|NT|A|C|S)?\$|[¥€£₩₹]"
_PATTERNS = [
    r"(?<![A-Za-z0-9])(?P<lang>[Cc]\+\+|[CcFf]#)(?![A-Za-z0-9#+])",
    # phone numbers and other digit strings read one digit at a time
    r"(?<![A-Za-z0-9.+\-])(?P<phone>\+\d{1,3}(?:[ \-]?\d{1,5}){2,5}|1-\d{3}-\d{3}-\d{4}|\(\d{3}\) ?\d{3}-\d{4}"
    r"|\(?0\d{2,3}\)?[ \-]?\d{7,8}|\d{3,4}-\d{3,4}-\d{4}|1[3-9]\d{9})(?![A-Za-z0-9]|[.,]\d)",
    # 2025-03-05, 2025/3/5, 2025.3.5
    r"(?<![\d.\-/])(?P<iso_y>\d{4})(?P<iso_sep>[-/.])(?P<iso_m>0?[1-9]|1[0-2])(?P=iso_sep)"
    r"(?P<iso_d>0?[1-9]|[12]\d|3[01])(?![\d])",
    # 3/5/2025 (month first)
    r"(?<![\d/])(?P<us_m>0?[1-9]|1[0-2])/(?P<us_d>0?[1-9]|[12]\d|3[01])/(?P<us_y>\d{4})(?![\d/])",
    # March 5, 2025 / March 5th
    rf"(?<![A-Za-z])(?P<month>{'|'.join(_MONTHS)}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?) "
    r"(?P<mday>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:.]\d|\d)(?:,? (?P<myear>\d{4})(?!\d))?",
    # years before 年: 2025年, 98年3月
    r"(?<![\d.,])(?P<zh_year>\d{4}(?=\s?年)|\d{2}(?=年\d{1,2}月))",
    # 1990s, '90s
    r"(?<![A-Za-z0-9.])(?P<decade>1\d{3}|20\d{2}|'\d0)s(?![A-Za-z])",
    # times
    r"(?<![\d:.])(?P<th>[01]?\d|2[0-4]):(?P<tm>[0-5]\d)(?::(?P<ts>[0-5]\d))?(?![\d:])"
    r"(?:\s?(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    r"(?:\s?(?:[-~～〜–—至到]|to)\s?(?P<th2>[01]?\d|2[0-4]):(?P<tm2>[0-5]\d)(?::(?P<ts2>[0-5]\d))?(?![\d:])"
    r"(?:\s?(?P<ampm2>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?)?",
    r"(?<![\d:.])(?P<ra>\d+):(?P<rb>\d+)(?![\d:])",
    # money
    rf"(?P<cur>{_CUR})\s?(?P<amt>{_NUM})(?:\s?(?P<mag>{'|'.join(_ZH_MAGNITUDES)}|(?:[kKMB]|bn|thousand|million|"
    r"billion|trillion)(?![A-Za-z])))?",
    # percentages: 3%-5%, 3-5%, 3.5%, -2%
    rf"{_NB}(?P<pa>{_NUM})\s?%?\s?(?:[~～〜–—]|-(?!-))\s?(?P<pb>{_NUM})\s?(?P<pu2>[%‰])",
    rf"(?P<psign>{_SIGN})?{_NB}(?P<pn>{_NUM})\s?(?P<pu>[%‰])",
    # 1920x1080
    rf"{_NB}(?P<d1>\d+)\s?[x×]\s?(?P<d2>\d+)(?![\d.])",
    # 21st, 2nd
    r"(?<![A-Za-z0-9.])(?P<ord>\d+)(?P<ordsfx>st|nd|rd|th)(?![A-Za-z])",
    # fractions 1/2
    r"(?<![\d/.])(?P<fn>\d+)/(?P<fd>\d+)(?![\d/])",
    # versions 3.12.1
    r"(?<![\d.])(?P<ver>\d+(?:\.\d+){2,})(?![\d])",
    # ranges 3-5, 1990–1995, 3~5 (with an optional unit after the second number)
    rf"{_NB}(?P<r1>{_NUM})(?:\s?[~～〜–—]\s?|-(?!-))(?P<r2>{_NUM})(?![\d.]|-\d)"
    rf"(?:(?P<rusp>\s?)(?P<runit>{_alternation(_UNITS)})(?![A-Za-z0-9])|(?P<runit1>{_alternation(_UNITS_TIGHT)})"
    r"(?![A-Za-z0-9]))?",
    # numbers with units: 5km, 3 kg, 25℃, -5°C, 2h
    rf"(?P<usign>{_SIGN})?{_NB}(?P<un>{_NUM})(?:(?P<usp>\s?)(?P<unit>{_alternation(_UNITS)})(?![A-Za-z0-9])"
    rf"|(?P<unit1>{_alternation(_UNITS_TIGHT)})(?![A-Za-z0-9]))",
    # plain numbers
    rf"(?P<sign>{_SIGN})?(?P<n>{_NUM})(?!\d)",
    rf"(?<![A-Za-z])(?P<abbr>{_alternation(_EN_ABBREVIATIONS)})",
    r"(?<=\s)(?P<amp>&)(?=\s)",
]


@cache
def _drop_class() -> str:
    """Regex class of code points a voice cannot say: symbols (emoji), controls, format, private, unassigned."""
    keep = {0x09, 0x0A, 0x0D, 0x00B0, 0x2103, 0x2109}
    drop_cats = {"So", "Sk", "Cc", "Cf", "Co", "Cn", "Cs", "Me"}
    ranges: list[tuple[int, int]] = []
    start = None
    for cp in range(0x20000):
        dropped = cp not in keep and unicodedata.category(chr(cp)) in drop_cats
        if dropped and start is None:
            start = cp
        elif not dropped and start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x1FFFF))
    ranges += [(0x40000, 0xDFFFF), (0xE0000, 0xE0FFF), (0xF0000, 0x10FFFF)]
    parts = [f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges]
    return "".join(parts) + INVISIBLE_CLASS


@cache
def _pattern() -> re.Pattern:
    # Every pattern above starts with a digit, a sign, a currency symbol, "(", "'", "&" or (at the start of a word)
    # one of a few letters; testing that first keeps the scan fast on ordinary text.
    trigger = r"(?=[0-9$¥€£₩₹+\-−'(&]|(?<![A-Za-z])[CFJMASONDUHcfeiva])"
    drop = rf"(?P<drop>[{_drop_class()}]+)"
    nfc = r"(?P<nfc>[^\W\d_][\u0300-\u036f]+)"
    return re.compile(f"{trigger}(?:{'|'.join(_PATTERNS)})|{drop}|{nfc}")


_WHITESPACE = re.compile(r"^\s+|\s+\Z|\s{2,}|[^\S ]")


# --- readings -----------------------------------------------------------------------------------------------------


def _neighbour(text: str, i: int, step: int) -> str:
    """First non-space character from index i going in direction step ("" at the ends)."""
    while 0 <= i < len(text):
        if not text[i].isspace():
            return text[i]
        i += step
    return ""


class _Reader:
    """Reads the matches of one sentence."""

    def __init__(self, language: str):
        self.language = language

    def context(self, m: re.Match, text: str) -> str:
        if self.language == "zh":
            return "zh"
        left = _neighbour(text, m.start() - 1, -1)
        right = _neighbour(text, m.end(), 1)
        return "zh" if (left and is_hanzi(left)) or (right and is_hanzi(right)) else "en"

    def __call__(self, m: re.Match, text: str) -> str | None:
        kind = m.lastgroup
        g = m.groupdict()
        if kind == "drop":
            return ""
        if kind == "nfc":
            return unicodedata.normalize("NFC", m.group())
        zh = self.context(m, text) == "zh"
        spoken = self._read(m, g, text, zh)
        if spoken is None or zh:
            return spoken
        # English words must not run into letters around them (MP3 -> MP three).
        start, end = m.span()
        if start > 0 and text[start - 1].isalnum() and not spoken.startswith(" "):
            spoken = " " + spoken
        if end < len(text) and text[end].isalnum() and not spoken.endswith(" "):
            spoken += " "
        return spoken

    def _read(self, m: re.Match, g: dict, text: str, zh: bool) -> str | None:
        if g["lang"]:
            name = g["lang"][0].upper()
            return f"{name} plus plus" if g["lang"].endswith("+") else f"{name} sharp"
        if g["phone"]:
            return _phone(g["phone"], zh)
        if g["iso_y"]:
            return _date(g["iso_y"], g["iso_m"], g["iso_d"], zh)
        if g["us_y"]:
            return _date(g["us_y"], g["us_m"], g["us_d"], zh)
        if g["month"]:
            if zh:
                year = f", {zh_digits(g['myear'])}" if g["myear"] else ""
                return f"{g['month']} {zh_integer(g['mday'].lstrip('0'))}{year}"
            year = f", {en_year(int(g['myear']))}" if g["myear"] else ""
            return f"{g['month']} {en_ordinal(int(g['mday']))}{year}"
        if g["zh_year"]:
            return zh_digits(g["zh_year"]) if zh else en_year(int(g["zh_year"]))
        if g["decade"]:
            digits = g["decade"]
            if digits.startswith("'"):
                return f"{zh_digits(digits[1:])}年代" if zh else en_plural(en_cardinal(int(digits[1:])))
            return f"{zh_digits(digits)}年代" if zh else en_plural(en_year(int(digits)))
        if g["th"]:
            spoken = _time(g["th"], g["tm"], g["ts"], g["ampm"], zh)
            if g["th2"]:
                second = _time(g["th2"], g["tm2"], g["ts2"], g["ampm2"], zh)
                spoken = f"{spoken}到{second}" if zh else f"{spoken} to {second}"
            return spoken
        if g["ra"]:
            a, b = g["ra"], g["rb"]
            return f"{zh_integer(a)}比{zh_integer(b)}" if zh else f"{en_decimal(a)} to {en_decimal(b)}"
        if g["cur"]:
            return _money(g["cur"], g["amt"], g["mag"], zh)
        if g["pa"]:
            per = "百分之" if g["pu2"] == "%" else "千分之"
            if zh:
                return f"{per}{zh_decimal(g['pa'])}到{per}{zh_decimal(g['pb'])}"
            unit = "percent" if g["pu2"] == "%" else "per mille"
            return f"{en_decimal(g['pa'])} to {en_decimal(g['pb'])} {unit}"
        if g["pn"]:
            sign = _sign(g["psign"], zh)
            if zh:
                return f"{sign}{'百分之' if g['pu'] == '%' else '千分之'}{zh_decimal(g['pn'])}"
            return f"{sign}{en_decimal(g['pn'])} {'percent' if g['pu'] == '%' else 'per mille'}"
        if g["d1"]:
            return f"{zh_integer(g['d1'])}乘{zh_integer(g['d2'])}" if zh else f"{en_decimal(g['d1'])} by " \
                f"{en_decimal(g['d2'])}"
        if g["ord"]:
            n = int(g["ord"][:18])
            return f"第{zh_integer(g['ord'])}" if zh else en_ordinal(n)
        if g["fn"]:
            num, den = g["fn"], g["fd"]
            if zh:
                return f"{zh_integer(den)}分之{zh_integer(num)}"
            if len(num) > 6 or len(den) > 6 or int(den) == 0:
                return f"{en_decimal(num)} over {en_decimal(den)}"
            return en_fraction(int(num), int(den))
        if g["ver"]:
            parts = g["ver"].split(".")
            if zh:
                return "点".join(zh_integer(p) for p in parts)
            return " point ".join(en_decimal(p) for p in parts)
        if g["r1"]:
            return self._range(m, g, text, zh)
        if g["un"]:
            return self._with_unit(m, g, text, zh)
        if g["n"]:
            return self._number(m, g, text, zh)
        if g["abbr"]:
            return None if zh else _EN_ABBREVIATIONS[g["abbr"]]
        if g["amp"]:
            return "和" if zh else "and"
        return None

    def _number(self, m: re.Match, g: dict, text: str, zh: bool) -> str:
        number = g["n"]
        sign = _sign(g["sign"], zh)
        if zh:
            before = text[m.start() - 1] if m.start() else ""
            return sign + zh_decimal(number, liang=before != "第" and not sign and _liang_follows(text, m.end()))
        if "," not in number and "." not in number and not sign and _looks_like_year(number, text, m):
            return en_year(int(number))
        return sign + en_decimal(number)

    def _range(self, m: re.Match, g: dict, text: str, zh: bool) -> str:
        a, b = g["r1"], g["r2"]
        unit = g["runit"] or g["runit1"]
        after = text[m.end():m.end() + 2].lstrip()
        years = all(len(x) == 4 and 1000 <= int(x) <= 2099 for x in (a, b))
        if zh:
            if years and after.startswith("年"):
                head = f"{zh_digits(a)}到{zh_digits(b)}"
            else:
                liang = unit not in _TEMPERATURE if unit else _liang_follows(text, m.end())
                head = f"{zh_decimal(a, liang=liang)}到{zh_decimal(b, liang=liang)}"
            return head + (_unit_zh(unit) if unit else "")
        if years and not unit:
            return f"{en_year(int(a))} to {en_year(int(b))}"
        head = f"{en_decimal(a)} to {en_decimal(b)}"
        return f"{head} {_unit_en(unit, b)}" if unit else head

    def _with_unit(self, m: re.Match, g: dict, text: str, zh: bool) -> str:
        number, unit = g["un"], g["unit"] or g["unit1"]
        negative = g["usign"] in ("-", "−")
        if zh:
            if unit in _TEMPERATURE and negative:
                return f"零下{zh_decimal(number)}{_unit_zh(unit)}"
            sign = _sign(g["usign"], zh)
            liang = not sign and unit not in _TEMPERATURE and (m.start() == 0 or text[m.start() - 1] != "第")
            return f"{sign}{zh_decimal(number, liang=liang)}{_unit_zh(unit)}"
        return f"{_sign(g['usign'], zh)}{en_decimal(number)} {_unit_en(unit, number)}"


def _sign(sign: str | None, zh: bool) -> str:
    if not sign:
        return ""
    if sign == "+":
        return "正" if zh else "plus "
    return "负" if zh else "minus "


def _liang_follows(text: str, end: int) -> bool:
    nxt = text[end:end + 2]
    return bool(nxt) and (nxt[0] in _LIANG_NEXT or nxt.startswith(_LIANG_WORDS))


def _looks_like_year(number: str, text: str, m: re.Match) -> bool:
    if len(number) != 4 or not 1100 <= int(number) <= 2099:
        return False
    before = re.search(r"([A-Za-z]+)[^A-Za-z0-9]*\Z", text[max(0, m.start() - 24):m.start()])
    if before and before.group(1).lower() in _EN_YEAR_CUES:
        return True
    after = text[m.end():m.end() + 3]
    # a number followed by a word ("2000 people") is a quantity; at the end of a clause it is a year
    return not re.match(r"\s*[A-Za-z0-9]", after)


def _unit_zh(unit: str) -> str:
    spec = _UNITS.get(unit) or _UNITS_TIGHT.get(unit)
    return spec[0] if spec and spec[0] is not None else unit


def _unit_en(unit: str, number: str) -> str:
    spec = _UNITS.get(unit) or _UNITS_TIGHT.get(unit)
    if spec is None:
        return unit
    return spec[1] if number in ("1", "1.0") else spec[2]


def _phone(digits: str, zh: bool) -> str:
    groups = re.findall(r"\+|\d+", digits)
    words = []
    for group in groups:
        if group == "+":
            words.append("加" if zh else "plus")
        else:
            words.append(zh_digits(group) if zh else en_digits(group))
    if zh:
        out = ""
        for w in words:
            out += w if not out or out.endswith("加") else "，" + w
        return out
    return ", ".join(words).replace("plus, ", "plus ")


def _date(year: str, month: str, day: str, zh: bool) -> str:
    if zh:
        return f"{zh_digits(year)}年{zh_integer(month.lstrip('0'))}月{zh_integer(day.lstrip('0'))}日"
    return f"{_MONTHS[int(month) - 1]} {en_ordinal(int(day))}, {en_year(int(year))}"


def _time(hour: str, minute: str, second: str | None, ampm: str | None, zh: bool) -> str:
    h, mi = int(hour), int(minute)
    half = (ampm or "").replace(".", "").lower()
    if zh:
        prefix = {"am": "上午", "pm": "下午"}.get(half, "")
        out = f"{prefix}{'两' if h == 2 else zh_integer(str(h))}点"
        if mi or second:
            out += f"{'零' if 0 < mi < 10 else ''}{zh_integer(str(mi))}分"
        if second:
            s = int(second)
            out += f"{'零' if 0 < s < 10 else ''}{zh_integer(str(s))}秒"
        return out
    out = en_cardinal(h)
    if mi == 0 and not second:
        out += "" if half else " o'clock"
    else:
        out += f" oh {en_cardinal(mi)}" if mi < 10 else f" {en_cardinal(mi)}"
    if second:
        out += f" and {en_cardinal(int(second))} seconds"
    if half:
        out += f" {half.upper()}"
    return out


def _money(symbol: str, amount: str, magnitude: str | None, zh: bool) -> str:
    spec = _CURRENCIES.get(symbol) or _CURRENCIES["$"]
    value = to_decimal(amount) or Decimal(0)
    if zh:
        if magnitude in _MAGNITUDES:
            total = value * _MAGNITUDES[magnitude]
            number = zh_decimal(_plain(total), liang=True)
            return f"{number}{spec[0]}"
        return f"{zh_decimal(amount, liang=True)}{magnitude or ''}{spec[0]}"
    singular, plural, cents = spec[1], spec[2], spec[3]
    if magnitude:
        words = {"万": "ten thousand", "千": "thousand", "百万": "million", "千万": "ten million",
                 "亿": "hundred million", "万亿": "trillion"}.get(magnitude)
        if words is None:
            words = {10**3: "thousand", 10**6: "million", 10**9: "billion", 10**12: "trillion"}[_MAGNITUDES[magnitude]]
        return f"{en_decimal(amount)} {words} {plural}"
    whole, _, frac = amount.replace(",", "").partition(".")
    if cents and len(frac) in (1, 2):
        cent_value = int(frac.ljust(2, "0"))
        parts = []
        if int(whole or "0"):
            parts.append(f"{en_decimal(whole)} {singular if whole == '1' else plural}")
        if cent_value:
            cent_word = cents if cent_value == 1 else ("pence" if cents == "penny" else cents + "s")
            parts.append(f"{en_cardinal(cent_value)} {cent_word}")
        return " and ".join(parts) or f"zero {plural}"
    return f"{en_decimal(amount)} {singular if amount == '1' else plural}"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- entry points ---------------------------------------------------------------------------------------------------


def normalize_with_map(text: str, language: str) -> Normalized:
    """Spoken form of ``text`` read as ``language`` (``"zh"`` or ``"en"``), with the position maps."""
    lang = normalize_language(language)
    folded = fold_text(text)
    spoken, first = _apply(folded, _pattern(), _Reader(lang))
    spoken, second = _apply(spoken, _WHITESPACE, lambda m, t: "" if m.start() == 0 or m.end() == len(t) else " ")
    return Normalized(text, spoken, (first, second))


def normalize(text: str, language: str) -> str:
    """Spoken form of ``text`` read as ``language`` (``"zh"`` or ``"en"``)."""
    return normalize_with_map(text, language).text
