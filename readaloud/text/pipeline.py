"""Article HTML -> the sentences a voice says, each with its display text, spoken form, language, pronunciation
annotations, the pause after it, and offsets into its block for highlighting.

    article = prepare_article(html, "zh", lexicon={"重庆": "chóng qìng"})
    for s in article.sentences:
        s.display_text, s.spoken_text, s.language, s.annotations, s.pause_after_ms, s.offsets, s.key

Steps: :func:`~.extract.extract_blocks` (HTML -> blocks) -> :func:`~.pronunciation.strip_inline_annotations`
(``重[chóng]`` -> display text + annotations) -> :func:`~.sentences.split_text` (sentences with offsets into the
block's display text) -> language by script per sentence (:func:`~.normalize.detect_language`, the article's
language when a sentence has neither Chinese nor Latin words) -> :func:`~.normalize.normalize_with_map` (spoken
form; annotations follow their characters) -> site lexicon (:class:`~.pronunciation.Lexicon`, never over the
article's own annotations).

Nothing here raises on content: bad annotations, bad lexicon entries and sentences that could not be normalized are
reported in ``warnings``. Pure Python, no Django.
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ._chars import is_speakable, scrub_surrogates
from .extract import Block, extract_blocks
from .normalize import detect_language, fold_text, normalize_language, normalize_with_map
from .pronunciation import Annotation, Lexicon, annotated_text, strip_inline_annotations
from .sentences import split_text

__all__ = [
    "DEFAULT_PAUSES_MS",
    "PreparedArticle",
    "PreparedSentence",
    "TextWarning",
    "prepare_article",
    "sentence_key",
]

# Silence after a sentence, by the pause hint of :mod:`.sentences`.
DEFAULT_PAUSES_MS: dict[str, int] = {"clause": 250, "sentence": 450, "paragraph": 750, "heading": 900}
KEY_VERSION = 1


@dataclass(frozen=True, slots=True)
class TextWarning:
    """Something in the article that was not used as written. ``code``: ``invalid_annotation``,
    ``invalid_lexicon_entry``, ``annotation_lost`` (its characters were rewritten, e.g. digits), ``normalize_failed``
    or ``truncated``."""

    code: str
    message: str
    block_index: int | None = None

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "block_index": self.block_index}


@dataclass(frozen=True, slots=True)
class PreparedSentence:
    index: int  # position in the article, from 0
    block_index: int  # index into PreparedArticle.blocks
    display_text: str  # == blocks[block_index].text[offsets[0]:offsets[1]]
    spoken_text: str  # what the TTS says
    language: str  # "zh" or "en"
    annotations: tuple[Annotation, ...]  # offsets into spoken_text
    pause_after_ms: int
    offsets: tuple[int, int]  # (start, end) into the block's display text
    pause: str  # "clause" | "sentence" | "paragraph" | "heading"
    key: str  # sentence_key(spoken_text, annotations, language): the render cache key

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        return self.offsets[1]

    @property
    def tts_text(self) -> str:
        """The spoken text with pinyin annotations as inline markup (``重庆[chong2 qing4]``) and respellings
        substituted: what a G2P that reads ``voices.g2p`` markup should be given."""
        return annotated_text(self.spoken_text, self.annotations)

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "block_index": self.block_index,
            "display_text": self.display_text,
            "spoken_text": self.spoken_text,
            "language": self.language,
            "annotations": [a.as_dict() for a in self.annotations],
            "tts_text": self.tts_text,
            "pause_after_ms": self.pause_after_ms,
            "offsets": list(self.offsets),
            "pause": self.pause,
            "key": self.key,
        }


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    sentences: list[PreparedSentence]
    warnings: list[TextWarning]
    # Display blocks (inline annotation markup removed), indexed as extracted; sentence offsets index into their text.
    blocks: list[Block] = field(default_factory=list)
    language: str = "zh"  # the article's language, normalized ("zh" or "en")

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "blocks": [{"index": b.index, "kind": b.kind, "text": b.text} for b in self.blocks],
            "sentences": [s.as_dict() for s in self.sentences],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def sentence_key(spoken_text: str, annotations: Iterable[Annotation] = (), language: str | None = None) -> str:
    """SHA-256 (hex) of what a voice needs to render a sentence: the spoken text (NFC), its annotations' offsets,
    lengths, kinds and pronunciations, and the language when given. Independent of the sentence's position, its
    display text and its pause, so editing one paragraph changes only that paragraph's keys."""
    payload = {
        "v": KEY_VERSION,
        "text": unicodedata.normalize("NFC", spoken_text),
        "annotations": [[a.offset, a.length, a.kind, a.pronunciation]
                        for a in sorted(annotations, key=lambda a: (a.offset, a.length))],
    }
    if language is not None:
        payload["language"] = language
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def prepare_article(
    html: str,
    language: str,
    lexicon: Mapping[str, str] | Lexicon | None = None,
    max_chars: int = 60,
    *,
    max_words: int = 40,
    title: str | None = None,
    read_tables: bool = False,
    pauses_ms: Mapping[str, int] | None = None,
    max_input_chars: int = 2_000_000,
) -> PreparedArticle:
    """Prepare an article's HTML for reading aloud.

    ``language``: the article's language (``"zh"``, ``"zh-Hans"``, ``"en-US"``, ``"mixed"``...); each sentence's
    own language is detected by script and falls back to this. ``lexicon``: the site lexicon ``{word:
    pronunciation}`` (or a prebuilt :class:`Lexicon`, to validate it once for many articles). ``max_chars`` /
    ``max_words``: sentences longer than this many Chinese characters / English words are cut into balanced
    chunks. ``title``: read first, as a heading (block 0). ``read_tables``: read table rows (skipped by default).
    ``max_input_chars``: longer HTML is cut there (reported as ``truncated``).
    """
    default_language = normalize_language(language)
    pauses = {**DEFAULT_PAUSES_MS, **(pauses_ms or {})}
    warnings: list[TextWarning] = []
    html = scrub_surrogates(html or "")
    if len(html) > max_input_chars:
        warnings.append(TextWarning("truncated", f"article cut at {max_input_chars} of {len(html)} characters"))
        html = html[:max_input_chars]

    raw_blocks = extract_blocks(html, read_tables=read_tables)
    if title and title.strip():
        heading = Block("heading", " ".join(scrub_surrogates(title).split()), 0)
        raw_blocks = [heading, *(Block(b.kind, b.text, b.index + 1) for b in raw_blocks)]

    lex: Lexicon | None
    if isinstance(lexicon, Lexicon):
        lex = lexicon
    else:
        lex = Lexicon(lexicon) if lexicon else None
    if lex is not None:
        warnings.extend(TextWarning("invalid_lexicon_entry", message) for message in lex.errors)
    if lex is not None and not lex:
        lex = None

    blocks: list[Block] = []
    sentences: list[PreparedSentence] = []
    for raw in raw_blocks:
        text, annotations, errors = strip_inline_annotations(raw.text)
        warnings.extend(TextWarning("invalid_annotation", message, raw.index) for message in errors)
        block = Block(raw.kind, text, raw.index)
        blocks.append(block)
        pending = sorted(annotations, key=lambda a: a.offset)
        next_annotation = 0
        for piece in split_text(text, block_index=block.index, kind=block.kind, max_cjk_chars=max_chars,
                                max_words=max_words):
            own: list[Annotation] = []
            while next_annotation < len(pending) and pending[next_annotation].offset < piece.end:
                annotation = pending[next_annotation]
                next_annotation += 1
                if annotation.offset >= piece.start and annotation.end <= piece.end:
                    own.append(annotation.shifted(annotation.offset - piece.start))
                else:
                    warnings.append(TextWarning(
                        "annotation_lost",
                        f"annotation {annotation.text}[{annotation.pronunciation}] spans two sentences",
                        block.index,
                    ))
            sentence_language = detect_language(piece.text, default=default_language)
            try:
                spoken, kept = _speak(piece.text, sentence_language, own, block.index, warnings)
            except Exception as exc:  # a bug must not stop the article: read the text as written
                warnings.append(TextWarning("normalize_failed", f"could not normalize {piece.text[:40]!r}: {exc!r}",
                                            block.index))
                spoken, kept = " ".join(fold_text(piece.text).split()), []
            if not is_speakable(spoken):
                continue
            if lex is not None:
                kept = sorted([*kept, *lex.find(spoken, kept)], key=lambda a: a.offset)
            annotations_tuple = tuple(kept)
            sentences.append(PreparedSentence(
                index=len(sentences),
                block_index=block.index,
                display_text=piece.text,
                spoken_text=spoken,
                language=sentence_language,
                annotations=annotations_tuple,
                pause_after_ms=int(pauses.get(piece.pause, pauses["sentence"])),
                offsets=(piece.start, piece.end),
                pause=piece.pause,
                key=sentence_key(spoken, annotations_tuple, sentence_language),
            ))
    return PreparedArticle(sentences, warnings, blocks, default_language)


def _speak(display: str, language: str, annotations: list[Annotation], block_index: int,
           warnings: list[TextWarning]) -> tuple[str, list[Annotation]]:
    normalized = normalize_with_map(display, language)
    spoken = normalized.text
    kept: list[Annotation] = []
    for annotation in annotations:
        offset = normalized.map_span(annotation.offset, annotation.length)
        if offset is None:
            warnings.append(TextWarning(
                "annotation_lost",
                f"annotation {annotation.text}[{annotation.pronunciation}] is on text the spoken form rewrites",
                block_index,
            ))
            continue
        kept.append(annotation.shifted(offset, spoken[offset:offset + annotation.length]))
    return spoken, kept
