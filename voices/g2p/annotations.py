"""Inline pinyin annotations: `重[chóng]复`, `行[hang2]业`, `重庆[chóng qìng]`.

An annotation is one or more pinyin syllables in ASCII square brackets right after Chinese characters; the last
N characters before the brackets are read as the N syllables given. Tone marks (chóng), tone numbers (chong2,
neutral tone 5 or none) and ü / v / u: are accepted. An annotation that is not valid pinyin, or has more syllables
than there are characters before it, is dropped (the characters keep their dictionary reading) with a warning.

`parse_annotations` returns the text with the brackets removed and a private-use MARK (U+E000) after each annotated
character, plus the syllables in TONE3 form (chong2), in order. The marks survive normalisation and script
splitting, so the Chinese G2P can tell which characters to override without tracking offsets.
"""

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

MARK = "\ue000"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

_ANNOTATION = re.compile(rf"([{HAN}]+)\[([^\[\]]{{1,80}})\]")
_TONE_MARKS = {"\u0304": "1", "\u0301": "2", "\u030c": "3", "\u0300": "4"}  # macron, acute, caron, grave
_SYLLABLE = re.compile(r"^[a-zü]+[1-5]?$")


def to_tone3(syllable: str) -> str | None:
    """`chóng` / `chong2` / `lǜ` / `lv4` / `ma` -> `chong2` / `chong2` / `lv4` / `lv4` / `ma5`; None if not pinyin."""
    syllable = syllable.strip().lower().replace("u:", "ü")
    tone = ""
    letters = []
    for char in unicodedata.normalize("NFD", syllable):
        if char in _TONE_MARKS:
            tone = _TONE_MARKS[char]
        elif char == "\u0308":  # the diaeresis of ü, decomposed by NFD
            if not letters or letters[-1] != "u":
                return None
            letters[-1] = "ü"
        else:
            letters.append(char)
    plain = "".join(letters)
    if not _SYLLABLE.match(plain):
        return None
    if plain[-1].isdigit():
        if tone:  # both a tone mark and a tone number
            return None
        plain, tone = plain[:-1], plain[-1]
    result = plain.replace("ü", "v") + (tone or "5")
    return result if _is_pinyin(result) else None


def _is_pinyin(tone3: str) -> bool:
    from misaki.transcription import pinyin_to_ipa

    try:
        pinyin_to_ipa(tone3)
    except Exception:
        return False
    return True


def parse_annotations(text: str) -> tuple[str, list[str]]:
    """Remove the annotations of `text`: (text with a MARK after each annotated character, TONE3 syllables)."""
    syllables: list[str] = []

    def replace(match: re.Match) -> str:
        chars, annotation = match.group(1), match.group(2)
        wanted = [to_tone3(s) for s in annotation.replace(",", " ").split()]
        if not wanted or None in wanted or len(wanted) > len(chars):
            logger.warning("Ignoring pinyin annotation %r after %r", annotation, chars)
            return chars
        syllables.extend(wanted)
        head, tail = chars[: len(chars) - len(wanted)], chars[len(chars) - len(wanted) :]
        return head + "".join(char + MARK for char in tail)

    if "[" not in text:
        return text, syllables
    return _ANNOTATION.sub(replace, text), syllables
