"""Character classes shared by the text pipeline (pure Python, no Django)."""

import re
import unicodedata

# Han ideographs (CJK Unified Ideographs, Extension A, compatibility ideographs, the supplementary planes) and 〇.
HANZI_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Wide scripts whose characters are spoken one syllable each: Han, kana, Hangul syllables.
CJK_CLASS = HANZI_CLASS + "\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af"

HANZI_RE = re.compile(f"[{HANZI_CLASS}]")
CJK_RE = re.compile(f"[{CJK_CLASS}]")
# A "word" of a script written with spaces (Latin, Greek, Cyrillic, digits, ...): letters/digits that are not CJK.
WORD_RE = re.compile(f"[^\\W_{CJK_CLASS}]+")
LATIN_WORD_RE = re.compile(r"[A-Za-z\u00c0-\u024f]+")

# Closing quotes and brackets that stay with the sentence they close.
CLOSERS = frozenset("”’」』）)】》〉］]}>\"'›»〕〗〙〛｠｣")
# Invisible format characters: zero-width space/joiners, direction marks and embeddings, BOM, soft hyphen, word
# joiner, Mongolian vowel separator, variation selectors.
INVISIBLE_CLASS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    "\ufe00-\ufe0f\U000e0000-\U000e0fff"
)
INVISIBLE_RE = re.compile(f"[{INVISIBLE_CLASS}]")


def is_hanzi(ch: str) -> bool:
    if "\u4e00" <= ch <= "\u9fff":
        return True
    return ch >= "\u3007" and bool(HANZI_RE.match(ch))


def is_cjk(ch: str) -> bool:
    if "\u4e00" <= ch <= "\u9fff":
        return True
    return ch >= "\u3007" and bool(CJK_RE.match(ch))


def is_mark(ch: str) -> bool:
    """A character that must never start a new piece of text: combining marks, joiners, variation selectors."""
    return unicodedata.category(ch)[0] == "M" or ch in "\u200c\u200d" or "\ufe00" <= ch <= "\ufe0f"


def is_speakable(text: str) -> bool:
    """Whether the text has anything a voice can say: a letter or a digit of any script."""
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] == "L" or cat == "Nd" or cat == "No" or cat == "Nl":
            return True
    return False


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """Replace lone surrogates (which cannot be encoded) one for one with U+FFFD, so offsets are kept."""
    return _SURROGATE_RE.sub("\ufffd", text)
