"""A small text normalisation: only what the phonemizers cannot do themselves.

The read-aloud app normalises article text with its own, richer rules and passes the result; this module makes sure
that text which reaches the engine unnormalised still reads correctly (mainly: Kokoro has no phonemes for digits).
It is idempotent, so normalising twice is harmless.

- Both languages: full-width digits and Latin letters -> ASCII, the ideographic space -> space, runs of
  whitespace -> one space.
- Chinese (the text is read by Mandarin rules): digits -> Chinese with cn2an ("2025年" -> 二零二五年,
  "3.5%" -> 百分之三点五, "3-5天" -> 三到五天), plus three rules cn2an gets wrong: thousands separators
  ("1,234"), clock times ("10:30" -> 十点三十分) and long digit strings such as phone numbers (read digit by digit).
- English: espeak-ng reads digits, decimals, percentages and "1,234" itself, so digits are left alone.
"""

import re

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH[0x3000] = 0x20  # ideographic space

_ZH_DIGITS = "零一二三四五六七八九"
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_CLOCK = re.compile(r"(?<![\d.:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
_LONG_DIGITS = re.compile(r"(?<![\d.])\d{7,}(?![\d.])")
_LATIN_HYPHEN_DIGIT = re.compile(r"(?<=[A-Za-z])-(?=\d)")  # GPT-4: cn2an would read the hyphen as a minus
_DIGIT = re.compile(r"\d")


def _digits_zh(digits: str) -> str:
    return "".join(_ZH_DIGITS[int(d)] for d in digits)


def _clock_zh(match: re.Match) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    return f"{hours}点" + (f"{minutes}分" if minutes else "整")


def normalize_text(text: str, language: str) -> str:
    """Normalise `text` for the G2P of `language` ("zh", "mixed" or "en"; "mixed" reads numbers as Chinese)."""
    text = text.translate(_FULLWIDTH)
    text = " ".join(text.split())
    if language in ("zh", "mixed"):
        text = _chinese_numbers(text)
    return text


def _chinese_numbers(text: str) -> str:
    if not _DIGIT.search(text):
        return text
    import cn2an

    text = _THOUSANDS.sub("", text)
    text = _LATIN_HYPHEN_DIGIT.sub(" ", text)
    text = _LONG_DIGITS.sub(lambda m: _digits_zh(m.group(0)), text)
    text = _CLOCK.sub(_clock_zh, text)
    try:
        text = cn2an.transform(text, "an2cn")
    except Exception:  # cn2an raises on shapes it does not know; reading digit by digit is still intelligible
        pass
    # Whatever cn2an left (it skips some shapes) is read digit by digit.
    return _DIGIT.sub(lambda m: _ZH_DIGITS[int(m.group(0))], text)
