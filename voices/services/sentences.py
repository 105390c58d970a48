"""Readable sentences from an author's published articles, and a varied random draw of them for a challenge.

A readable sentence is plain prose of about 8-30 Chinese characters or 6-20 English words (settings), in one
language, without links, code, emoji, digits lists or unusual symbols. A draw prefers different articles, then
different paragraphs, and longer sentences (more speech per reading), and never repeats a sentence.
"""

import random
import re
from collections import defaultdict
from dataclasses import dataclass

from ..app_settings import app_settings
from ..text_match import CJK_CHAR, unit_count

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…])[”’」』）)\"']*|(?<=[.])[”’\"')]*(?=\s)")
_CLAUSE_END = re.compile(r"(?<=[，,：:])")
_URL = re.compile(r"https?://|www\.|\b[\w.-]+\.(com|org|net|cn|io|dev)\b|@\w", re.IGNORECASE)
_CODE = re.compile(r"[`{}<>=_/\\|#$%^&*~\[\]]|\w\(|\w\.\w|\b[a-z]+[A-Z]\w*|->|::")
_DIGIT = re.compile(r"\d|[０-９]")
_ALLOWED_PUNCTUATION = set("，。！？、；：“”‘’（）《》—…,.!?;:'\"()- \u00a0\u3000")
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(f"[{CJK_CHAR}]")


@dataclass(frozen=True)
class Candidate:
    text: str
    language: str  # "zh" or "en"
    article_id: str
    paragraph: int
    units: int  # Chinese characters or English words


def _split(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def _fits(text: str) -> tuple[str, int] | None:
    """(language, length) when the sentence is readable, else None."""
    if _URL.search(text) or _CODE.search(text) or _DIGIT.search(text):
        return None
    if any(not (ch.isalpha() or ch in _ALLOWED_PUNCTUATION) for ch in text):
        return None  # emoji, symbols, control characters, anything a reader would have to guess how to say
    has_cjk, has_latin = bool(_CJK.search(text)), bool(_LATIN.search(text))
    if has_cjk and not has_latin:
        low, high = app_settings.SENTENCE_CHARS_ZH
        language = "zh"
    elif has_latin and not has_cjk:
        if any(not (ch.isascii() or ch in _ALLOWED_PUNCTUATION) for ch in text):
            return None
        if not text.lstrip("\"'(“‘")[:1].isupper():
            return None  # the tail of a longer sentence: hard to read out of context
        low, high = app_settings.SENTENCE_WORDS_EN
        language = "en"
    else:
        return None
    units = unit_count(text, language)
    return (language, units) if low <= units <= high else None


def _pieces(sentence: str) -> list[str]:
    """A sentence, or for a long one its clauses merged greedily into readable pieces that end at a comma."""
    if _fits(sentence):
        return [sentence]
    clauses = [c.strip() for c in _CLAUSE_END.split(sentence) if c.strip()]
    pieces, current = [], ""
    for clause in clauses:
        joined = f"{current} {clause}".strip() if _LATIN.search(clause) else current + clause
        fit = _fits(joined)
        if fit or not current:
            current = joined
            continue
        pieces.append(current)
        current = clause
    if current:
        pieces.append(current)
    return [_end_sentence(p) for p in pieces]


def _end_sentence(piece: str) -> str:
    """A piece cut at a comma ends with a full stop instead (it is read as a sentence)."""
    if piece[-1] not in "，,：:":
        return piece
    return piece.rstrip("，,：:") + ("。" if _CJK.search(piece) else ".")


def candidates_from_texts(texts) -> list[Candidate]:
    """Every readable sentence of the author's published texts (voices.adapter.AuthorText), without repeats."""
    seen, out = set(), []
    for item in texts:
        for paragraph_index, paragraph in enumerate(line for line in item.text.splitlines() if line.strip()):
            for sentence in _split(paragraph):
                for piece in _pieces(sentence):
                    fit = _fits(piece)
                    key = re.sub(r"\W", "", piece.lower())
                    if fit and key not in seen:
                        seen.add(key)
                        out.append(Candidate(text=piece, language=fit[0], article_id=str(item.article_id),
                                             paragraph=paragraph_index, units=fit[1]))
    return out


def draw(candidates: list[Candidate], count: int, *, avoid=frozenset(), rng=None) -> list[Candidate]:
    """`count` sentences at random, spread over articles and paragraphs; sentences in `avoid` only if needed."""
    rng = rng or random.SystemRandom()
    pool = [c for c in candidates if c.text not in avoid]
    if len(pool) < count:
        pool = pool + [c for c in candidates if c.text in avoid]
    by_article = defaultdict(list)
    for c in pool:
        by_article[c.article_id].append(c)
    articles = list(by_article)
    rng.shuffle(articles)
    chosen, used_paragraphs = [], set()
    while len(chosen) < count and any(by_article.values()):
        for article in articles:
            options = by_article[article]
            if not options or len(chosen) >= count:
                continue
            fresh = [c for c in options if (article, c.paragraph) not in used_paragraphs] or options
            # Longer sentences give more speech per reading: weight by length.
            pick = rng.choices(fresh, weights=[c.units for c in fresh])[0]
            options.remove(pick)
            chosen.append(pick)
            used_paragraphs.add((article, pick.paragraph))
    return chosen


def distractors_for(sentence: Candidate, candidates: list[Candidate], count: int, *, rng=None) -> list[str]:
    """Other sentences of the same author in the same language (same article first): the forced-scoring foils."""
    rng = rng or random.SystemRandom()
    same_language = [c for c in candidates if c.language == sentence.language and c.text != sentence.text]
    same_article = [c for c in same_language if c.article_id == sentence.article_id]
    others = [c for c in same_language if c.article_id != sentence.article_id]
    rng.shuffle(same_article)
    rng.shuffle(others)
    return [c.text for c in (same_article + others)[:count]]
