"""Blocks -> sentences, for Chinese, English and mixed text, with offsets into the block's text.

Boundaries:

- ``。！？｡`` and ``；`` always end a sentence (``；`` with a shorter, *clause* pause); so does a line break.
- ``!`` ``?`` ``;`` end one when followed by a space, a Chinese character or the end of the text (``?id=3`` does not).
- ``.`` ends one when followed by a space, a Chinese character or the end, except: inside numbers (``3.5``), after
  titles and abbreviations that never end a sentence (``Mr.``, ``e.g.``, ``vs.``, single capital initials ``J.``),
  after abbreviations that may (``U.S.``, ``Inc.``, ``No.``) unless Chinese or a usual sentence opener follows
  (``in the U.S. The`` ends, ``the U.S. Army`` does not; ``etc.``, ``a.m.``, ``p.m.``: any capitalised word), after a
  number opening the sentence (``1. First``), and before a lower-case word.
- An ellipsis (``…``, ``……``, ``...``) is one unit and ends a sentence only when what follows starts a new one
  (capital letter, Chinese character, end of text); ``Wait... what?`` stays one sentence.
- Closing quotes and brackets (``”」』）)``...), combining marks and invisible characters after the punctuation stay
  with the sentence they close.
- A piece with nothing to say (punctuation, emoji) joins the sentence before it (or after it, at the start).

Sentences longer than ``max_cjk_chars`` Chinese characters or ``max_words`` words (mixed text counts both, as
fractions of their limits) are cut into balanced chunks, preferably after ``，,；;：:`` (then ``、``, dashes, spaces,
and as a last resort after particles such as 的/了 or at a character boundary), never inside a number (``1,234``,
``10:30``) or a word.

Time is linear in the text's length.
"""

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from ._chars import CJK_CLASS, CLOSERS, INVISIBLE_RE, is_cjk, is_mark, is_speakable

__all__ = ["PAUSES", "Sentence", "split_sentences", "split_text"]

# Pause hints, shortest first.
PAUSES = ("clause", "sentence", "paragraph", "heading")


@dataclass(frozen=True, slots=True)
class Sentence:
    """``text == block_text[start:end]``; ``pause`` is one of :data:`PAUSES`."""

    text: str
    block_index: int
    start: int
    end: int
    pause: str = "sentence"


_TERM = re.compile(r"\n|[。！？｡!?！？…；;．.]+")
_CJK_STOPS = frozenset("。！？｡！？")
_OPENERS = frozenset("“‘「『（(【《〈[\"'¿¡")
# Abbreviations after which "." never ends a sentence.
_NEVER = frozenset(
    "mr mrs ms dr prof sr jr st vs e.g i.e cf fig figs approx dept mt ft gen gov rep sen rev lt col capt sgt viz "
    "ca est op vol vols ed eds ch sec".split()
)
# Abbreviations after which "." ends a sentence only before a capitalised or Chinese word.
_MAYBE = frozenset(
    "etc inc ltd co corp llc al no nos p pp jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri "
    "sat sun a.m p.m".split()
)
# Abbreviations that end most sentences they close: "." ends one before any capitalised word.
_BEFORE_CAPITAL = frozenset({"etc", "a.m", "p.m"})
# After an abbreviation, a capitalised word starts a new sentence only if it is one that usually does
# ("in the U.S. The" ends; "the U.S. Army" does not).
_STARTERS = frozenset(
    "A An The This That These Those There Then Thus Hence So But And Or Yet However Meanwhile Also Still I We You He "
    "She It They My Our Your His Her Its Their In On At For From By With After Before When While If As What Why How "
    "Who Where Which Yes No Not Now Today Here Some Many Most All Each Every One Two Three First Second Finally".split()
)
_WORD_AFTER = re.compile(r"\s*[\"'“‘(（]*([A-Za-z]+)")
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
# Break points for long sentences and how much farther from the ideal point each may be than a comma.
_BREAKS = re.compile(rf"(?P<strong>[，,；;：:])|(?P<enum>、)|(?P<dash>——|—|–)|(?P<space>\s+)"
                     rf"|(?<=[{CJK_CLASS}])(?P<after>[的了着过])(?=[{CJK_CLASS}])"
                     rf"|(?<=[{CJK_CLASS}])(?P<before>(?=[和与及或而但并且]))")
_PENALTY = {"strong": 1.0, "enum": 1.5, "dash": 1.2, "space": 2.5, "after": 3.0, "before": 3.0}


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() and not is_cjk(ch)


def _absorb(text: str, i: int) -> int:
    """Index after closing quotes/brackets, marks and invisible characters that follow position i."""
    n = len(text)
    while i < n and (text[i] in CLOSERS or text[i] in _CJK_STOPS or is_mark(text[i]) or INVISIBLE_RE.match(text[i])):
        i += 1
    return i


def _next_visible(text: str, i: int) -> str:
    n = len(text)
    while i < n and text[i].isspace():
        i += 1
    return text[i] if i < n else ""


def _starts_sentence(ch: str) -> bool:
    return not ch or ch.isupper() or is_cjk(ch) or ch in _OPENERS or ch.isdigit()


def _period_ends(text: str, ms: int, after: int, seg_start: int) -> bool:
    nxt = text[after] if after < len(text) else ""
    if nxt and not (nxt.isspace() or is_cjk(nxt)):
        return False
    following = _next_visible(text, after)
    prev = text[ms - 1] if ms > 0 else ""
    if prev.isdigit():
        j = ms
        while j > seg_start and text[j - 1].isdigit():
            j -= 1
        if not text[seg_start:j].strip() and ms - j <= 3:  # "1. First" / "12. 结论"
            return False
    k = ms
    while k > seg_start and (text[k - 1].isascii() and text[k - 1].isalpha() or text[k - 1] == "."):
        k -= 1
    token = text[k:ms].strip(".")
    if token:
        low = token.lower()
        if low in _NEVER or (len(token) == 1 and token.isupper()):
            return False
        if low in _MAYBE or _INITIALISM.match(token) or len(token) == 1:
            if not following or is_cjk(following) or following in _OPENERS:
                return True
            if low in _BEFORE_CAPITAL:
                return following.isupper()
            word = _WORD_AFTER.match(text, after)
            return bool(word) and word.group(1) in _STARTERS
    return not following.islower()


def _boundaries(text: str) -> list[tuple[int, str]]:
    """(end offset, pause) of each sentence boundary in text."""
    out: list[tuple[int, str]] = []
    seg_start = 0
    n = len(text)
    for m in _TERM.finditer(text):
        ms, me = m.span()
        if ms < seg_start:  # already absorbed by the previous boundary
            continue
        run = m.group()
        if run == "\n":
            out.append((ms, "sentence"))
            seg_start = me
            continue
        after = _absorb(text, me)
        nxt = text[after] if after < n else ""
        pause: str | None = None
        if any(c in _CJK_STOPS for c in run):
            pause = "sentence"
        elif "；" in run:
            pause = "clause"
        elif "…" in run or run.count(".") >= 2 and set(run) <= {".", "…"}:
            following = _next_visible(text, after)
            if not nxt or is_cjk(nxt) or (nxt.isspace() and _starts_sentence(following) and not following.isdigit()):
                pause = "sentence"
        elif "!" in run or "?" in run:
            if not nxt or nxt.isspace() or is_cjk(nxt):
                pause = "sentence"
        elif ";" in run:
            if not nxt or nxt.isspace() or is_cjk(nxt):
                pause = "clause"
        elif run in (".", "．"):
            if _period_ends(text, ms, after, seg_start):
                pause = "sentence"
        elif nxt.isspace() or not nxt or is_cjk(nxt):  # mixed runs such as ".;"
            pause = "sentence"
        if pause is not None:
            out.append((after, pause))
            seg_start = after
    return out


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


class _Chunker:
    """Cuts one long sentence into balanced chunks no heavier than the limit.

    Weights are integers so that chunks exactly at the limit compare exactly: a Chinese character weighs
    ``max_words``, a word weighs ``max_cjk_chars``, the limit is their product."""

    def __init__(self, text: str, max_cjk_chars: int, max_words: int):
        self.text = text
        self.cjk_weight = max(1, max_words)
        self.word_weight = max(1, max_cjk_chars)
        self.limit = self.cjk_weight * self.word_weight

    def needs_cut(self, s: int, e: int) -> bool:
        length = e - s
        return length * self.cjk_weight > self.limit or length * self.word_weight > 2 * self.limit

    def cut(self, s: int, e: int) -> list[tuple[int, int]]:
        text = self.text
        # prefix weights over text[s:e]
        weights = [0] * (e - s + 1)
        total = 0
        prev_word = False
        for i in range(s, e):
            ch = text[i]
            if is_cjk(ch):
                total += self.cjk_weight
                prev_word = False
            elif ch.isalnum():
                if not prev_word:
                    total += self.word_weight
                prev_word = True
            else:
                prev_word = False
            weights[i - s + 1] = total
        if total <= self.limit:
            return [(s, e)]
        strong: list[tuple[int, float]] = []  # (absolute position, penalty): punctuation
        weak: list[tuple[int, float]] = []  # spaces and particles
        for m in _BREAKS.finditer(text, s, e):
            kind = m.lastgroup
            if kind == "strong" and m.group() in ",:" and 0 < m.start() and m.end() < len(text):
                if text[m.start() - 1].isdigit() and text[m.end()].isdigit():
                    continue
            pos = m.end() if kind != "space" else m.start()
            pos = _absorb(text, pos) if kind in ("strong", "enum", "dash") else pos
            if s < pos < e:
                (weak if kind in ("space", "after", "before") else strong).append((pos, _PENALTY[kind]))
        tiers = [self._tier(strong, weights, s), self._tier(weak, weights, s)]
        pieces: list[tuple[int, int]] = []
        stack = [(s, e)]
        while stack:
            a, b = stack.pop()
            w = weights[b - s] - weights[a - s]
            if w <= self.limit:
                pieces.append((a, b))
                continue
            cuts = self._cuts(a, b, w, weights, s, tiers)
            if not cuts:
                pieces.append((a, b))
                continue
            bounds = [a, *cuts, b]
            for x, y in zip(bounds, bounds[1:], strict=False):
                stack.append((x, y))
        pieces.sort()
        return pieces

    @staticmethod
    def _tier(candidates, weights, s):
        candidates.sort()
        return ([c for c, _ in candidates], [weights[c - s] for c, _ in candidates], [p for _, p in candidates])

    def _cuts(self, a, b, w, weights, s, tiers) -> list[int]:
        """Cut points for `k = ceil(w / limit)` chunks of equal weight: for each ideal point, the best punctuation
        within a third of a chunk, else the best space or particle, else a clean character boundary."""
        k = -(-w // self.limit)
        base = weights[a - s]
        tolerance = w / k / 3
        cuts: list[int] = []
        prev = a
        for j in range(1, k):
            target = base + w * j / k
            best = None
            for positions, cand_weights, penalties in tiers:
                best = self._nearest(positions, cand_weights, penalties, target, tolerance, prev, b)
                if best is not None:
                    break
            if best is None:
                best = self._hard_cut(a, b, target, weights, s, prev)
            if best is not None and prev < best < b:
                cuts.append(best)
                prev = best
        return cuts

    @staticmethod
    def _nearest(positions, cand_weights, penalties, target, tolerance, prev, b) -> int | None:
        i = bisect_left(cand_weights, target)
        best, best_score = None, float("inf")
        j = i - 1
        while j >= 0 and target - cand_weights[j] <= tolerance and positions[j] > prev:
            score = (target - cand_weights[j]) * penalties[j]
            if score < best_score:
                best, best_score = positions[j], score
            j -= 1
        j = i
        while j < len(positions) and cand_weights[j] - target <= tolerance and positions[j] < b:
            if positions[j] > prev:
                score = (cand_weights[j] - target) * penalties[j]
                if score < best_score:
                    best, best_score = positions[j], score
            j += 1
        return best

    def _hard_cut(self, a, b, target, weights, s, prev) -> int | None:
        """A character boundary near the target weight that splits no word, number or combining sequence."""
        c = bisect_left(weights, target, a - s, b - s) + s
        for pos in range(c, b):
            if pos > prev and pos > a and self._clean_boundary(pos):
                return pos
        for pos in range(c - 1, max(a, prev), -1):
            if self._clean_boundary(pos):
                return pos
        return None

    def _clean_boundary(self, pos: int) -> bool:
        text = self.text
        left, right = text[pos - 1], text[pos]
        if is_mark(right) or INVISIBLE_RE.match(right) or right in CLOSERS:
            return False
        return not (_is_word_char(left) and _is_word_char(right)) and not (left.isdigit() or right.isdigit())


def split_text(
    text: str,
    *,
    block_index: int = 0,
    kind: str = "paragraph",
    max_cjk_chars: int = 60,
    max_words: int = 40,
) -> list[Sentence]:
    """Sentences of one block's text; the last gets the block's pause (``heading`` for headings, else
    ``paragraph``). Text with nothing speakable gives no sentences."""
    if not text:
        return []
    raw: list[tuple[int, int, str]] = []
    start = 0
    for end, pause in _boundaries(text):
        raw.append((start, end, pause))
        start = end
    raw.append((start, len(text), "sentence"))

    chunker = _Chunker(text, max_cjk_chars, max_words)
    spans: list[list] = []  # [start, end, pause]
    pending: int | None = None  # start of unspeakable text before the first sentence
    for s, e, pause in raw:
        s, e = _strip(text, s, e)
        if s >= e:
            if spans and pause != "sentence":
                spans[-1][2] = pause
            continue
        if not is_speakable(text[s:e]):
            if spans:
                spans[-1][1] = e
            elif pending is None:
                pending = s
            continue
        if pending is not None:
            s, pending = pending, None
        pieces = chunker.cut(s, e) if chunker.needs_cut(s, e) else [(s, e)]
        stripped = [_strip(text, a, b) for a, b in pieces]
        stripped = [(a, b) for a, b in stripped if a < b]
        for i, (a, b) in enumerate(stripped):
            if not is_speakable(text[a:b]) and spans:
                spans[-1][1] = b
                continue
            spans.append([a, b, pause if i == len(stripped) - 1 else "clause"])
    if not spans:
        return []
    spans[-1][2] = "heading" if kind == "heading" else "paragraph"
    return [Sentence(text[a:b], block_index, a, b, pause) for a, b, pause in spans]


def split_sentences(blocks: Iterable, *, max_cjk_chars: int = 60, max_words: int = 40) -> list[Sentence]:
    """Sentences of blocks (anything with ``text``, ``index`` and ``kind``, like :class:`~.extract.Block`)."""
    out: list[Sentence] = []
    for block in blocks:
        out.extend(split_text(block.text, block_index=block.index, kind=block.kind, max_cjk_chars=max_cjk_chars,
                              max_words=max_words))
    return out
