"""Text -> Kokoro v1.0 phonemes for Chinese, English and mixed Chinese/English text.

    phonemize(text, language="auto", english="en-us") -> str
    detect_language(text) -> "zh" | "en" | "mixed"
    split_sentences(text) -> list[str]
    normalize_text(text, language) -> str          (normalize.py; small, separate, idempotent)

Languages: "zh" and "mixed" read the text by Mandarin rules (digits in Chinese) and phonemize every run of Latin
script inside it with the English G2P; "en" reads the text by English rules (digits by espeak) and phonemizes runs
of Chinese characters inside it with the Chinese G2P; "auto" picks one with detect_language. Chinese characters may
carry pinyin annotations, `重[chóng]` (annotations.py).
"""

import re

from .annotations import HAN, MARK, parse_annotations
from .en import en_phonemes
from .normalize import normalize_text
from .zh import zh_phonemes

__all__ = ["G2P_VERSION", "LANGUAGES", "detect_language", "normalize_text", "phonemize", "split_sentences"]

# Bump when the phonemes produced for some text change (render caches key on it through the engine's version).
G2P_VERSION = "1"
LANGUAGES = ("zh", "en", "mixed", "auto")

_HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
# A run of Latin words inside Chinese text (spaces and word-internal marks included, digits too: "iPhone 15").
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’.\-]*(?:[ ]+[A-Za-z0-9][A-Za-z0-9'’.\-]*)*")
_HAN_RUN = re.compile(rf"[{HAN}{MARK}]+")
_CLOSERS = "”’\"'」』）)"
_SENTENCE_END = re.compile(rf"(?:[。！？!?…]+|\.+(?=[{_CLOSERS}]*(?:\s|$)))[{_CLOSERS}]*")


def detect_language(text: str) -> str:
    """By script: no Chinese characters -> "en"; no Latin letters -> "zh"; both -> "mixed" when Chinese carries
    the sentence (at least as many Chinese characters as Latin words), else "en"."""
    text = parse_annotations(text)[0]
    han = len(_HAN_CHAR.findall(text))
    latin_words = len(_LATIN_WORD.findall(text))
    if not han:
        return "en"
    if not latin_words:
        return "zh"
    return "mixed" if han >= latin_words else "en"


def resolve_language(text: str, language: str) -> str:
    if language in (None, "", "auto"):
        return detect_language(text)
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return language


def phonemize(text: str, language: str = "auto", english: str = "en-us") -> str:
    """Text -> one phoneme string in Kokoro v1.0's vocabulary. `english` is the accent of English runs."""
    language = resolve_language(text, language)
    text, syllables = parse_annotations(text)
    text = normalize_text(text, language)
    overrides = iter(syllables)
    parts = []
    if language == "en":
        position = 0
        for match in _HAN_RUN.finditer(text):
            parts.append(en_phonemes(text[position : match.start()], english))
            parts.append(zh_phonemes(match.group(0), overrides))
            position = match.end()
        parts.append(en_phonemes(text[position:], english))
    else:
        position = 0
        for match in _LATIN_RUN.finditer(text):
            parts.append(zh_phonemes(text[position : match.start()], overrides))
            parts.append(en_phonemes(match.group(0), english))
            position = match.end()
        parts.append(zh_phonemes(text[position:], overrides))
    return _tidy(" ".join(p.strip() for p in parts if p and p.strip()))


def _tidy(phonemes: str) -> str:
    phonemes = " ".join(phonemes.split())
    return re.sub(r" +([,.!?;:…])", r"\1", phonemes)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences at 。！？!?… and at a full stop followed by a space (not after a known
    abbreviation), keeping closing quotes with their sentence; every line break ends a sentence too."""
    from .en import _ABBREVIATIONS

    sentences = []
    for line in text.splitlines():
        start = 0
        for match in _SENTENCE_END.finditer(line):
            end = match.end()
            if match.group(0)[0] == ".":
                words = line[start : match.start() + 1].split()
                if words and words[-1].lower() in _ABBREVIATIONS:
                    continue
            piece = line[start:end].strip()
            if piece:
                sentences.append(piece)
            start = end
        piece = line[start:].strip()
        if piece:
            sentences.append(piece)
    return sentences
