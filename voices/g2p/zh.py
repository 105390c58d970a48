"""Mandarin G2P for Kokoro v1.0: misaki.zh's v1.0 path, with pinyin overrides.

Kokoro-82M v1.0 was trained with `misaki.zh.ZHG2P(version=None)` (hexgrad's KPipeline passes version=None for
the v1.0 repository and "1.1" only for Kokoro-82M-v1.1-zh, whose ZHFrontend emits a different phoneme set). The
v1.0 path ("legacy_call") segments with jieba, reads each word with pypinyin (TONE3, neutral tone 5), maps each
syllable to IPA with misaki's pinyin_to_ipa and writes tones as arrows. This module does the same, word by word,
so that a character annotated with pinyin (see annotations.py) is read as given while its neighbours keep the
word-level readings. Non-Chinese characters pass through (punctuation is mapped to ASCII as misaki does).
"""

import logging
import re
import threading
from collections.abc import Iterator

from .annotations import HAN, MARK

logger = logging.getLogger(__name__)

_HAN_RUN = re.compile(rf"[{HAN}{MARK}]+|[^{HAN}{MARK}]+")
_IS_HAN = re.compile(f"[{HAN}]")
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba():
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def syllable_to_phonemes(tone3: str) -> str:
    """One TONE3 syllable (chong2) -> Kokoro v1.0 phonemes (ꭧʰʊ↗ŋ); "" if misaki cannot read it."""
    from misaki.zh import ZHG2P

    try:
        return ZHG2P.py2ipa(tone3)
    except Exception:  # pinyin_to_ipa asserts on syllables outside its tables (rare interjections)
        logger.warning("No phonemes for pinyin %r", tone3)
        return ""


def _word_pinyin(word: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
    if len(syllables) != len(word):  # cannot happen for a run of Han characters; read character by character
        syllables = [lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True)[0] for c in word]
    return syllables


def _han_run(run: str, overrides: Iterator[str]) -> str:
    chars, forced = [], {}
    for char in run:
        if char == MARK:
            if chars:
                forced[len(chars) - 1] = next(overrides, None)
        else:
            chars.append(char)
    text = "".join(chars)
    words, position = [], 0
    for word in _jieba().lcut(text, cut_all=False):
        syllables = _word_pinyin(word)
        for index in range(len(word)):
            if forced.get(position + index):
                syllables[index] = forced[position + index]
        words.append("".join(syllable_to_phonemes(s) for s in syllables))
        position += len(word)
    return " ".join(w for w in words if w)


def zh_phonemes(text: str, overrides: Iterator[str] | None = None) -> str:
    """Chinese text (digits already normalised) -> phonemes. `overrides` yields the syllables of marked characters."""
    from misaki.zh import ZHG2P

    overrides = overrides if overrides is not None else iter(())
    text = ZHG2P.map_punctuation(text)
    parts = []
    for run in _HAN_RUN.findall(text):
        parts.append(_han_run(run, overrides) if _IS_HAN.match(run) else run)
    return "".join(parts).replace(chr(815), "")
