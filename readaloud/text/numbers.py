"""Numbers read aloud in Mandarin (through cn2an) and English (here, no dependency).

All functions take the digits as written (ASCII digits; thousands commas allowed) and return words.
"""

from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

__all__ = [
    "en_cardinal",
    "en_decimal",
    "en_digits",
    "en_fraction",
    "en_ordinal",
    "en_plural",
    "en_year",
    "zh_decimal",
    "zh_digits",
    "zh_integer",
]

_ZH_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
             "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ((10**15, "quadrillion"), (10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
              (10**3, "thousand"))
_EN_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                     "nine": "ninth", "twelve": "twelfth"}
# Longest integer read as a quantity; longer digit strings (IDs, card numbers) are read digit by digit.
MAX_INTEGER_DIGITS = 15


@cache
def _cn2an():
    import cn2an  # imported on first use: it takes ~0.15 s

    return cn2an


def zh_digits(digits: str) -> str:
    """Digit by digit: ``"010"`` -> ``"零一零"`` (phone numbers, codes, years)."""
    return digits.translate(_ZH_DIGITS)


@lru_cache(maxsize=4096)
def zh_integer(digits: str, *, liang: bool = False) -> str:
    """An integer as a Mandarin quantity: ``"1234"`` -> ``"一千二百三十四"``; ``"1,234"`` too.

    ``liang``: read a leading 2 as 两 (两个, 两千, 两万), as a quantity before a measure word is said.
    Leading zeros or more than :data:`MAX_INTEGER_DIGITS` digits: digit by digit.
    """
    digits = digits.replace(",", "")
    if not digits.isdigit():
        raise ValueError(f"not an integer: {digits!r}")
    if len(digits) > 1 and digits[0] == "0" or len(digits) > MAX_INTEGER_DIGITS:
        return zh_digits(digits)
    try:
        words = _cn2an().an2cn(digits)
    except Exception:  # cn2an raises ValueError or plain Exception on input it does not support
        return zh_digits(digits)
    if liang:
        if words == "二":
            return "两"
        if len(words) > 1 and words[0] == "二" and words[1] in "百千万亿":
            return "两" + words[1:]
    return words


def zh_decimal(number: str, *, liang: bool = False) -> str:
    """``"3.14"`` -> ``"三点一四"``; integers as :func:`zh_integer`."""
    number = number.replace(",", "")
    whole, _, frac = number.partition(".")
    if not frac:
        return zh_integer(whole, liang=liang)
    head = zh_integer(whole or "0") if len(whole) <= 1 or whole[0] != "0" else zh_digits(whole)
    return f"{head}点{zh_digits(frac)}"


def _en_below_1000(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_DIGITS[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_DIGITS[ones]}" if ones else ""))
    elif rest >= 10:
        words.append(_EN_TEENS[rest - 10])
    elif rest or not words:
        words.append(_EN_DIGITS[rest])
    return words


def en_cardinal(n: int) -> str:
    """``1234`` -> ``"one thousand two hundred thirty-four"``; ``-5`` -> ``"minus five"``."""
    if n < 0:
        return "minus " + en_cardinal(-n)
    if n >= 10**18:
        return en_digits(str(n))
    words: list[str] = []
    for scale, name in _EN_SCALES:
        if n >= scale:
            count, n = divmod(n, scale)
            words += [*_en_below_1000(count), name]
    if n or not words:
        words += _en_below_1000(n)
    return " ".join(words)


def en_digits(digits: str) -> str:
    """Digit by digit: ``"007"`` -> ``"zero zero seven"``."""
    return " ".join(_EN_DIGITS[int(c)] for c in digits if c.isdigit())


def en_decimal(number: str) -> str:
    """``"3.5"`` -> ``"three point five"``; ``"1,234"`` -> ``"one thousand two hundred thirty-four"``."""
    number = number.replace(",", "")
    whole, _, frac = number.partition(".")
    if len(whole) > 1 and whole[0] == "0" or len(whole) > MAX_INTEGER_DIGITS:
        head = en_digits(whole)
    else:
        head = en_cardinal(int(whole or "0"))
    return f"{head} point {en_digits(frac)}" if frac else head


def en_ordinal(n: int) -> str:
    """``21`` -> ``"twenty-first"``."""
    words = en_cardinal(n)
    prefix, sep, last = words.rpartition(" ")
    head, hyphen, unit = last.rpartition("-")
    if unit in _EN_ORDINAL_WORDS:
        unit = _EN_ORDINAL_WORDS[unit]
    elif unit.endswith("y"):
        unit = unit[:-1] + "ieth"
    else:
        unit += "th"
    return f"{prefix}{sep}{head}{hyphen}{unit}"


def en_year(n: int) -> str:
    """A year: ``1999`` -> ``"nineteen ninety-nine"``, ``2005`` -> ``"two thousand five"``,
    ``2025`` -> ``"twenty twenty-five"``, ``1905`` -> ``"nineteen oh five"``, ``1900`` -> ``"nineteen hundred"``."""
    if not 1000 <= n <= 9999:
        return en_cardinal(n)
    high, low = divmod(n, 100)
    if n % 1000 == 0 or 2000 <= n <= 2009:
        return en_cardinal(n)
    if low == 0:
        return f"{en_cardinal(high)} hundred"
    if low < 10:
        return f"{en_cardinal(high)} oh {_EN_DIGITS[low]}"
    return f"{en_cardinal(high)} {en_cardinal(low)}"


def en_plural(words: str) -> str:
    """Plural of a number's last word (decades): ``"nineteen ninety"`` -> ``"nineteen nineties"``."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("x"):
        return words + "es"
    return words + "s"


_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def en_fraction(numerator: int, denominator: int) -> str:
    """``1/2`` -> ``"one half"``, ``2/3`` -> ``"two thirds"``, ``5/17`` -> ``"five over seventeen"``."""
    if 2 <= denominator <= 10:
        one, many = _FRACTION_NAMES.get(denominator, (en_ordinal(denominator), en_ordinal(denominator) + "s"))
        return f"{en_cardinal(numerator)} {one if numerator == 1 else many}"
    return f"{en_cardinal(numerator)} over {en_cardinal(denominator)}"


def to_decimal(number: str) -> Decimal | None:
    try:
        return Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
