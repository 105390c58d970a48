"""Does what the ASR heard match the sentence the author was asked to read?

Both texts are normalised the same way (Unicode NFKC, traditional -> simplified Chinese, case, punctuation,
numerals), then split into units: one unit per Chinese character, one per English word. The unit error rate is the
CER of Chinese (and the WER of English). For Chinese a second comparison runs on toneless pinyin syllables, so that a
homophone the ASR picked ("型材" heard as "行材") does not count against an honest reader; it also merges the initials
and finals that many Mandarin speakers do not distinguish (z/zh, c/ch, s/sh, n/l, en/eng, in/ing).
"""

import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache

import jiwer

CJK_CHAR = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_CHAR}]")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_UNIT = re.compile(f"[{CJK_CHAR}]|[a-z]+|[0-9]")
_ARABIC_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CHINESE_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿点]+")

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("eng", "en"), ("ing", "in"))


def detect_language(text: str) -> str:
    """"zh" when the text is mostly Chinese characters, "en" when it has none, else "mixed"."""
    cjk = len(_CJK.findall(text))
    words = len(re.findall(r"[A-Za-z]+", _CJK.sub(" ", text)))
    if cjk and not words:
        return "zh"
    if words and not cjk:
        return "en"
    if not cjk and not words:
        return "zh" if re.search(r"\d", text) is None else "en"
    return "zh" if cjk >= 2 * words else "mixed"


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters -> simplified (OpenCC t2s); other text is unchanged."""
    return _t2s().convert(text)


def _english_number(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _english_number(rest))
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return _english_number(n // size) + f" {name}" + ("" if rest == 0 else " " + _english_number(rest))
    return str(n)


def _english_numerals(text: str) -> str:
    def spell(match):
        token = match.group(0)
        whole, _, fraction = token.partition(".")
        words = _english_number(int(whole)) if len(whole) <= 12 else " ".join(_ONES[int(d)] for d in whole)
        if fraction:
            words += " point " + " ".join(_ONES[int(d)] for d in fraction)
        return f" {words} "

    return _ARABIC_NUMBER.sub(spell, text)


def _chinese_numerals_to_arabic(text: str) -> str:
    """"二十六年" and "26年" both become "26年" (cn2an), so either way of writing a number matches the other."""
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return cn2an.transform(text, "cn2an")
        except (ValueError, KeyError, IndexError):
            return text


def normalize(text: str, language: str = "zh") -> str:
    """Lower-case, simplified-script text without punctuation; numerals in one spelling per language."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text).lower()
    text = re.sub("['’‘`]", "", text)  # don't == dont
    if language == "en":
        text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
        text = _english_numerals(text)
    elif _CHINESE_NUMERAL.search(text) or _ARABIC_NUMBER.search(text):
        text = _chinese_numerals_to_arabic(text)
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def text_units(text: str, language: str = "zh") -> list[str]:
    """The units compared: Chinese characters, English words and (in Chinese text) single digits."""
    normalized = normalize(text, language)
    if language == "en":
        return _LATIN_WORD.findall(normalized)
    return _UNIT.findall(normalized)


def unit_count(text: str, language: str | None = None) -> int:
    """How long a sentence is to read: Chinese characters plus English words."""
    language = language or detect_language(text)
    return len(text_units(text, language))


def _fuzzy_syllable(syllable: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


def pinyin_units(units: list[str]) -> list[str]:
    """Toneless, accent-tolerant pinyin of each unit, read in context (so polyphones such as 行长 come out right)."""
    from pypinyin import lazy_pinyin

    out = []
    run = []

    def flush():
        if run:
            out.extend(_fuzzy_syllable(s) for s in lazy_pinyin("".join(run)))
            run.clear()

    for unit in units:
        if _CJK.fullmatch(unit):
            run.append(unit)
        else:
            flush()
            out.append(unit)
    flush()
    return out


def _error_rate(reference: list[str], hypothesis: list[str]) -> tuple[float, int]:
    """(edits / len(reference), edits): Levenshtein distance over units, computed by jiwer."""
    if not reference:
        return (0.0, 0) if not hypothesis else (1.0, len(hypothesis))
    if not hypothesis:
        return 1.0, len(reference)
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    edits = out.substitutions + out.deletions + out.insertions
    return edits / len(reference), edits


@dataclass(frozen=True)
class TextMatch:
    language: str
    expected: str  # normalised
    heard: str  # normalised
    units: int  # units in the expected text
    unit_errors: int
    cer: float  # character error rate of the normalised texts (Chinese characters; English letters and spaces)
    unit_error_rate: float  # CER for Chinese, WER for English
    pinyin_error: float | None  # Chinese only
    pinyin_errors: int | None

    @property
    def error(self) -> float:
        """The error that decides: toneless pinyin for Chinese, words for English."""
        return self.pinyin_error if self.pinyin_error is not None else self.unit_error_rate

    @property
    def errors(self) -> int:
        return self.pinyin_errors if self.pinyin_errors is not None else self.unit_errors

    def as_dict(self) -> dict:
        return {"language": self.language, "expected": self.expected, "heard": self.heard, "units": self.units,
                "unit_errors": self.unit_errors, "cer": round(self.cer, 4),
                "unit_error_rate": round(self.unit_error_rate, 4),
                "pinyin_error": None if self.pinyin_error is None else round(self.pinyin_error, 4),
                "pinyin_errors": self.pinyin_errors}


def compare(expected: str, heard: str, language: str | None = None) -> TextMatch:
    """Compare the expected sentence with the transcript."""
    language = language or detect_language(expected)
    ref, hyp = text_units(expected, language), text_units(heard, language)
    unit_rate, unit_errors = _error_rate(ref, hyp)
    joiner = " " if language == "en" else ""
    expected_text, heard_text = joiner.join(ref), joiner.join(hyp)
    if not expected_text:
        cer = 0.0 if not heard_text else 1.0
    else:
        cer = jiwer.cer(expected_text, heard_text) if heard_text else 1.0
    pinyin_error = pinyin_errors = None
    if language != "en":
        pinyin_error, pinyin_errors = _error_rate(pinyin_units(ref), pinyin_units(hyp))
    return TextMatch(language=language, expected=expected_text, heard=heard_text, units=len(ref),
                     unit_errors=unit_errors, cer=cer, unit_error_rate=unit_rate,
                     pinyin_error=pinyin_error, pinyin_errors=pinyin_errors)
