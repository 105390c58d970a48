"""Sanitised article HTML -> the blocks a voice reads: headings, paragraphs, list items and quotes.

Built on :class:`html.parser.HTMLParser` (never regular expressions over HTML), so malformed markup (unclosed
``<p>``/``<li>``, stray end tags, unknown elements) degrades gracefully instead of failing.

What is read and what is not:

- Read: ``h1``-``h6`` (``heading``), ``p``/``div``/``figcaption``/``dt``/``dd``/``summary``/``caption``
  (``paragraph``), ``li`` (``list_item``), anything inside ``blockquote`` (``quote``); inline markup (``a``,
  ``strong``, ``em``...) is read as its text. ``<br>`` becomes a line break, which ends a sentence.
- Skipped: ``pre`` (code blocks), images (``alt`` text is for people who cannot see the picture, not part of the
  article's flow), ``script``/``style``/``svg``/``math``/media/forms, elements marked ``hidden`` or
  ``aria-hidden="true"``, footnote references (a ``<sup>`` holding a ``#`` link), and ``rt``/``rp``.
- Inline ``<code>`` is kept when it reads like a word: at most two words, at most 24 characters, only letters,
  digits and ``. _ - + # /`` (``Django``, ``manage.py``, ``C++``); longer or symbol-laden code is dropped.
- Bare URLs (``https://...``, ``www....``) are removed, also inside a paragraph or as a link's text; a link with
  words keeps its words.
- Tables are skipped unless ``read_tables=True``: then each row becomes a paragraph, cells joined by commas.
- ``<ruby>`` keeps the base text; a reading in ``<rt>`` that is valid pinyin becomes an inline annotation
  ``base[pinyin]`` in the block text (see :mod:`.pronunciation`), other readings (zhuyin, kana) are dropped.

Block text is therefore the display text *with* inline annotation markup; :func:`~.pipeline.prepare_article`
strips it. Line wraps in the source collapse to a space, and disappear between two Chinese characters (as browsers
render them).
"""

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from ._chars import CJK_RE, HANZI_CLASS, is_cjk, is_hanzi, scrub_surrogates
from .pronunciation import PinyinError, looks_like_pinyin, parse_pinyin

__all__ = ["BLOCK_KINDS", "Block", "extract_blocks", "remove_urls"]

BLOCK_KINDS = ("heading", "paragraph", "list_item", "quote")


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # one of BLOCK_KINDS
    text: str
    index: int


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that start and end a block of text.
_BLOCK_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "section", "article", "header", "footer", "main",
     "aside", "nav", "figure", "figcaption", "details", "summary", "table", "caption", "thead", "tbody", "tfoot", "tr",
     "hr", "address", "center", "form", "fieldset", "legend", "menu", "body", "html", "pre", "hgroup", "search"}
    | _HEADINGS
)
# Elements whose content is never read.
_SKIP_TAGS = frozenset(
    {"pre", "script", "style", "template", "noscript", "svg", "math", "iframe", "object", "embed", "video", "audio",
     "canvas", "button", "select", "textarea", "input", "head", "title", "map", "picture", "rp", "datalist",
     "option", "dialog"}
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr", "param", "keygen"})
_TABLE_CELLS = frozenset({"td", "th"})
_CLOSES_P = _BLOCK_TAGS - {"body", "html"}
_BLOCKS_BUT_P = _BLOCK_TAGS - {"p"}
_BLOCKS_BUT_HEADINGS = _BLOCK_TAGS - _HEADINGS
_BR = "\x00"  # stands for <br> until whitespace has been collapsed

_URL = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:(?:https?|ftp)://|www\.(?=[A-Za-z0-9-]+\.))[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
)
_URL_TRAILING = ".,;:!?)]}'\""
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_CODE_WORDS = re.compile(r"^[\w.+#/\-]+(?: [\w.+#/\-]+)?$")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】|<\s*>")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[，。！？；：、,.!?;:)）」』】])")
_SPACE_BEFORE_CJK_PUNCT = re.compile(r" +(?=[，。！？；：、）」』】》])")
_SPACES = re.compile(r" {2,}")
_CJK_GAP = re.compile(f"(?<=[{HANZI_CLASS}])[ \t]+(?=[{HANZI_CLASS}])")


def remove_urls(text: str) -> str:
    """Remove bare URLs from plain text, keep what surrounds them (``见 https://x.cn 。`` -> ``见。``)."""
    if "://" not in text and "www." not in text:
        return text

    def cut(m: re.Match) -> str:
        url = m.group()
        kept = ""
        while url and url[-1] in _URL_TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # a balanced parenthesis belongs to the URL (Wikipedia links)
            kept = url[-1] + kept
            url = url[:-1]
        return kept

    out = _URL.sub(cut, text)
    out = _CJK_GAP.sub("", out)
    out = _EMPTY_BRACKETS.sub("", out)
    out = _SPACE_BEFORE_PUNCT.sub("", out)
    return _SPACES.sub(" ", out)


def _collapse(raw: str) -> str:
    """HTML whitespace rules: runs collapse to one space; a line wrap between two CJK characters disappears."""

    def space(m: re.Match) -> str:
        if "\n" in m.group() or "\r" in m.group():
            start, end = m.span()
            before = raw[start - 1] if start else ""
            after = raw[end] if end < len(raw) else ""
            if before and after and is_cjk(before) and is_cjk(after):
                return ""
        return " "

    text = _HTML_SPACE.sub(space, raw)
    if _BR in text:
        text = "\n".join(line.strip(" ") for line in text.split(_BR))
    return text


class _Extractor(HTMLParser):
    def __init__(self, read_tables: bool):
        super().__init__(convert_charrefs=True)
        self.read_tables = read_tables
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, its content is skipped)
        self.open_counts: Counter[str] = Counter()  # how many of each tag are open (deep nesting stays linear)
        self.skipping = 0  # how many open elements skip their content
        self.parts: list[str] = []  # text of the block being read
        self.has_text = False  # whether parts hold more than whitespace
        self.has_cjk = False  # whether parts hold CJK characters (table cells are then joined with "，")
        self.blocks: list[Block] = []
        self.captures: list[tuple[str, list[str]]] = []  # text held back for <code>, <rt>, <sup> (innermost last)
        self.capture_counts: Counter[str] = Counter()
        self.sup_captures: list[int] = []  # ids of the open <sup> captures
        self.footnote_refs: set[int] = set()  # ids of <sup> captures that hold a "#..." link

    # --- open elements ----------------------------------------------------------------------------------------
    def _open_within(self, tag: str, stop: frozenset[str]) -> bool:
        """Whether `tag` is open with none of `stop` opened inside it."""
        if not self.open_counts[tag]:
            return False
        for open_tag, _ in reversed(self.stack):
            if open_tag == tag:
                return True
            if open_tag in stop:
                return False
        return False

    def _push(self, tag: str, skip: bool) -> None:
        self.stack.append((tag, skip))
        self.open_counts[tag] += 1
        self.skipping += skip

    def _close(self, tag: str) -> None:
        """Close the innermost open `tag` and everything opened inside it (no-op if it is not open)."""
        if not self.open_counts[tag]:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                break
        else:
            return
        closing = self.stack[i:]
        for closed, _ in reversed(closing):
            if self.capture_counts[closed]:
                self._end_capture(closed)
        if any(t in _BLOCK_TAGS for t, _ in closing):
            self.flush()
        for closed, skip in closing:
            self.skipping -= skip
            self.open_counts[closed] -= 1
        del self.stack[i:]

    # --- blocks -----------------------------------------------------------------------------------------------
    def _kind(self) -> str:
        counts = self.open_counts
        if any(counts[h] for h in _HEADINGS):
            return "heading"
        if counts["li"]:
            return "list_item"
        if counts["blockquote"]:
            return "quote"
        return "paragraph"

    def flush(self) -> None:
        if not self.parts:
            return
        raw = "".join(self.parts)
        self.parts = []
        self.has_text = self.has_cjk = False
        text = remove_urls(_collapse(raw))
        text = _SPACES.sub(" ", _SPACE_BEFORE_CJK_PUNCT.sub("", text))
        if "\n" in text:
            text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
        text = text.strip()
        if text:
            self.blocks.append(Block(self._kind(), text, len(self.blocks)))

    def _emit(self, text: str) -> None:
        if self.captures:
            self.captures[-1][1].append(text)
        else:
            self.parts.append(text)
            if not self.has_text and text.strip():
                self.has_text = True
            if not self.has_cjk and CJK_RE.search(text):
                self.has_cjk = True

    def _end_capture(self, tag: str) -> None:
        """End the innermost capture of `tag` (and captures opened inside it), emitting what they keep."""
        while self.captures:
            open_tag, pieces = self.captures.pop()
            self.capture_counts[open_tag] -= 1
            if open_tag == "sup":
                self.sup_captures.pop()
            kept = self._captured(open_tag, "".join(pieces), id(pieces))
            if kept:
                self._emit(kept)
            if open_tag == tag:
                return

    def _tail(self, count: int) -> str:
        """The last `count` characters emitted where the next text goes."""
        pieces = self.captures[-1][1] if self.captures else self.parts
        tail = ""
        for piece in reversed(pieces):
            tail = piece + tail
            if len(tail) >= count:
                break
        return tail[-count:]

    def _captured(self, tag: str, text: str, capture_id: int) -> str:
        if tag == "code":
            words = " ".join(text.split())
            return words if len(words) <= 24 and _CODE_WORDS.match(words) else ""
        if tag == "rt":
            reading = " ".join(text.split())
            if not reading or not looks_like_pinyin(reading):
                return ""
            try:
                count = len(parse_pinyin(reading))
            except PinyinError:
                return ""
            before = self._tail(count)
            return f"[{reading}]" if len(before) == count and all(is_hanzi(c) for c in before) else ""
        if tag == "sup" and capture_id in self.footnote_refs:
            self.footnote_refs.discard(capture_id)
            return ""
        return text

    # --- parser callbacks -------------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_startendtag(tag, attrs)
            return
        attributes = dict(attrs)
        # implied end tags, as HTML parsers close them
        if tag in _CLOSES_P and self._open_within("p", _BLOCKS_BUT_P):
            self._close("p")
        if tag in _HEADINGS:
            for h in _HEADINGS:
                if self._open_within(h, _BLOCKS_BUT_HEADINGS):
                    self._close(h)
        if tag == "li" and self._open_within("li", frozenset({"ul", "ol", "menu"})):
            self._close("li")
        if tag in ("dt", "dd"):
            for t in ("dt", "dd"):
                if self._open_within(t, frozenset({"dl"})):
                    self._close(t)
        if tag == "tr" and self._open_within("tr", frozenset({"table"})):
            self._close("tr")
        if tag in _TABLE_CELLS:
            for t in _TABLE_CELLS:
                if self._open_within(t, frozenset({"tr", "table"})):
                    self._close(t)
        if tag in _BLOCK_TAGS:
            self.flush()
        elif tag in _TABLE_CELLS and not self.skipping and not self.captures and self.has_text:
            self._emit("，" if self.has_cjk else ", ")
        hidden = "hidden" in attributes or (attributes.get("aria-hidden") or "").lower() == "true"
        skip = hidden or tag in _SKIP_TAGS or (tag == "table" and not self.read_tables)
        if self.skipping or skip:
            self._push(tag, skip)
            return
        self._push(tag, False)
        if tag in ("code", "sup", "rt"):
            pieces: list[str] = []
            self.captures.append((tag, pieces))
            self.capture_counts[tag] += 1
            if tag == "sup":
                self.sup_captures.append(id(pieces))
        elif tag == "a" and self.sup_captures and (attributes.get("href") or "").startswith("#"):
            self.footnote_refs.add(self.sup_captures[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            if tag == "br":  # </br> is read as <br> by browsers
                self.handle_startendtag(tag, [])
            return
        if self.open_counts[tag]:
            self._close(tag)
        elif tag in ("p", *_HEADINGS):  # </p> without <p>: a block break
            self.flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:  # <p/> and the like: HTML ignores the slash
            self.handle_starttag(tag, attrs)
            return
        if self.skipping:
            return
        if tag == "br":
            self._emit(_BR)
        elif tag == "hr":
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._emit(data.replace(_BR, " "))

    def close(self) -> None:
        super().close()
        while self.captures:
            self._end_capture(self.captures[-1][0])
        self.flush()


def extract_blocks(html: str, *, read_tables: bool = False) -> list[Block]:
    """The readable blocks of an article's HTML, in document order, indexed from 0. Never raises on bad HTML."""
    if not html:
        return []
    parser = _Extractor(read_tables)
    parser.feed(scrub_surrogates(html))
    parser.close()
    return parser.blocks
