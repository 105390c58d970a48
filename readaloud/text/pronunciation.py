"""Pronunciation annotations: inline pinyin in the article (``重[chóng]新``, ``行[hang2]``) and the site lexicon.

An inline annotation is a pair of square brackets holding pinyin right after the Chinese characters it reads: one
syllable per character, so ``重庆[chóng qìng]`` covers the two characters before the bracket. Tone marks
(``chóng``), tone numbers (``chong2``; 5 or 0 for the neutral tone) and ``ü``/``v``/``u:`` are all accepted;
syllables may be separated by spaces, apostrophes or hyphens, or run together when tones delimit them.
:func:`strip_inline_annotations` removes them from the display text and returns them as :class:`Annotation`
objects. A bracket after a non-Chinese character (``array[i]``, ``[1]``) is not an annotation. A bracket that looks
like pinyin but is not valid (``行[hxng]``) stays in the text as written and is reported, never raised.

Pinyin is stored in one canonical form, tone numbers with ``v`` for ``ü`` and ``5`` for the neutral tone
(``"chong2 qing4"``), the form pypinyin's ``Style.TONE3`` and most G2P front ends read.

The site lexicon is a plain ``{word: pronunciation}`` dict (the caller loads it from the database): Chinese words map
to pinyin, other words to IPA (``/dʒɪf/`` or text with IPA letters) or a respelling (``jif``). :class:`Lexicon`
validates it once and finds its words in a spoken sentence, leftmost-longest, never overlapping annotations that the
article itself wrote.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ._chars import HANZI_RE, is_hanzi

__all__ = [
    "Annotation",
    "Lexicon",
    "PinyinError",
    "annotated_text",
    "looks_like_pinyin",
    "normalize_pinyin",
    "parse_pinyin",
    "strip_inline_annotations",
]

# Every toneless Mandarin syllable that pypinyin's dictionary uses (ü written v), plus ê.
SYLLABLES = frozenset(
    (
        "a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca cai "
        "can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai "
        "chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di "
        "dia dian diao die din ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng "
        "fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha "
        "hai han hang hao he hei hen heng hm hng hong hou hu hua huai huan huang hui hun huo ji jia jian "
        "jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku "
        "kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian liang liao lie lin "
        "ling liu lo long lou lu luan lun luo lv lve m ma mai man mang mao me mei men meng mi mian miao mie "
        "min ming miu mo mou mu n na nai nan nang nao ne nei nen neng ng ni nia nian niang niao nie nin ning "
        "niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping "
        "po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri "
        "rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei "
        "shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta "
        "tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei "
        "wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye "
        "yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao "
        "zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan "
        "zui zun zuo ê"
    ).split()
)
# Common spellings of the ü syllables without the umlaut: lüe/nüe written lue/nue, and jü/qü/xü/yü written with v.
_ALIASES = {"lue": "lve", "nue": "nve", "jv": "ju", "qv": "qu", "xv": "xu", "yv": "yu", "jve": "jue", "qve": "que",
            "xve": "xue", "yve": "yue", "jvan": "juan", "qvan": "quan", "xvan": "xuan", "yvan": "yuan", "jvn": "jun",
            "qvn": "qun", "xvn": "xun", "yvn": "yun"}
_MAX_SYLLABLE = 6
_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0306": 3, "\u0300": 4}
_SEPARATORS = re.compile(r"[\s'’\-·]+")
# Characters pinyin is written with (letters, tone marks, digits for tones, separators).
_PINYIN_LIKE = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f:'’\-·\s0-5]+$")
_TONED = re.compile(r"[\u0300-\u036f0-5\u00c0-\u00ff\u0100-\u01dc\u1e3f\u01f9]")
_INLINE = re.compile(r"\[([^\[\]\n]{1,80})\]")
_IPA_LETTERS = re.compile("[ɐ-ʯˈˌːˑθðŋæ]")


class PinyinError(ValueError):
    """Pinyin that is not a sequence of Mandarin syllables; the message names the offending part."""


class Annotation(NamedTuple):
    """How to read ``length`` characters starting at ``offset`` of a text.

    ``kind`` is ``"pinyin"`` (``pronunciation`` in canonical tone-number form, one syllable per character),
    ``"ipa"`` or ``"respelling"``; ``source`` is ``"inline"`` (written in the article, or a ``<ruby>`` reading) or
    ``"lexicon"``; ``text`` is the annotated text itself. A named tuple, so it serialises as a JSON list.
    """

    offset: int
    length: int
    text: str
    pronunciation: str
    kind: str = "pinyin"
    source: str = "inline"

    @property
    def end(self) -> int:
        return self.offset + self.length

    def shifted(self, offset: int, text: str | None = None) -> "Annotation":
        return self._replace(offset=offset, text=self.text if text is None else text)

    def as_dict(self) -> dict:
        return {"offset": self.offset, "length": self.length, "text": self.text,
                "pronunciation": self.pronunciation, "kind": self.kind, "source": self.source}


def looks_like_pinyin(text: str) -> bool:
    """Whether bracketed text was meant as pinyin: pinyin letters only, and a tone or all lower case.

    ``[A]`` or ``[注1]`` are not; ``[hxng]`` is (and then fails validation, with a warning).
    """
    text = text.strip()
    if not text or not _PINYIN_LIKE.match(text) or not any(c.isalpha() for c in text):
        return False
    return bool(_TONED.search(text)) or text == text.lower()


def _letters(chunk: str) -> list[tuple[str, int]]:
    """Split a chunk (decomposed, lower-cased) into (letter, tone mark) pairs; digits come through as letters."""
    out: list[list] = []
    for ch in chunk:
        if ch == "\u0308" and out and out[-1][0] == "u":  # ü
            out[-1][0] = "v"
        elif ch == "\u0302" and out and out[-1][0] == "e":  # ê
            out[-1][0] = "ê"
        elif ch in _TONE_MARKS and out:
            if out[-1][1]:
                raise PinyinError(f"two tone marks on one letter in {chunk!r}")
            out[-1][1] = _TONE_MARKS[ch]
        elif ch == ":" and out and out[-1][0] == "u":  # lu:3
            out[-1][0] = "v"
        elif "a" <= ch <= "z" or "0" <= ch <= "5" or ch == "ê":
            out.append([ch, 0])
        else:
            raise PinyinError(f"{unicodedata.normalize('NFC', chunk)!r} has a character pinyin does not use: {ch!r}")
    return [(a, b) for a, b in out]


def _syllable(letters: list[tuple[str, int]]) -> tuple[str, int] | None:
    base = "".join(ch for ch, _ in letters)
    base = _ALIASES.get(base, base)
    if base not in SYLLABLES:
        return None
    tones = [t for _, t in letters if t]
    if len(tones) > 1:
        return None
    return base, (tones[0] if tones else 0)


def _parse_chunk(chunk: str) -> list[str]:
    """Fewest syllables covering the chunk (ties: the earliest split, which is the pinyin spelling rule)."""
    letters = _letters(chunk)
    n = len(letters)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        done = best[i]
        if done is None:
            continue
        for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
            if letters[j - 1][0].isdigit():
                break
            found = _syllable(letters[i:j])
            if found is None:
                continue
            base, tone = found
            end = j
            if j < n and letters[j][0].isdigit():
                digit = int(letters[j][0])
                if tone and digit != tone:
                    continue
                tone, end = digit, j + 1
            candidate = [*done, f"{base}{tone if tone in (1, 2, 3, 4) else 5}"]
            if best[end] is None or len(candidate) < len(best[end]):
                best[end] = candidate
    if best[n] is None:
        shown = unicodedata.normalize("NFC", chunk)
        raise PinyinError(f"{shown!r} is not a Mandarin syllable (or syllables)")
    return best[n]


def parse_pinyin(text: str) -> tuple[str, ...]:
    """Parse pinyin into canonical syllables: ``"chóng qìng"`` -> ``("chong2", "qing4")``.

    Raises :class:`PinyinError` naming the part that is not pinyin.
    """
    if not isinstance(text, str) or not text.strip():
        raise PinyinError("empty pinyin")
    decomposed = unicodedata.normalize("NFD", text.strip()).lower()
    syllables: list[str] = []
    for chunk in _SEPARATORS.split(decomposed):
        if chunk:
            syllables.extend(_parse_chunk(chunk))
    if not syllables:
        raise PinyinError(f"{text!r} holds no pinyin syllable")
    return tuple(syllables)


def normalize_pinyin(text: str) -> str:
    """Canonical form of pinyin, syllables separated by spaces: ``"Chóngqìng"`` -> ``"chong2 qing4"``."""
    return " ".join(parse_pinyin(text))


def strip_inline_annotations(text: str) -> tuple[str, list[Annotation], list[str]]:
    """Remove ``汉字[pinyin]`` annotations from ``text``.

    Returns the display text, the annotations (offsets into the display text) and messages for annotations that
    were rejected (those stay in the display text as written).
    """
    if "[" not in text:
        return text, [], []
    pieces: list[str] = []
    out_len = 0
    annotations: list[Annotation] = []
    errors: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        start = m.start()
        if start == 0 or not is_hanzi(text[start - 1]) or not looks_like_pinyin(m.group(1)):
            continue
        # Text before the bracket joins the output first, so the base characters can be read from it.
        pieces.append(text[pos:start])
        out_len += start - pos
        pos = start
        try:
            syllables = parse_pinyin(m.group(1))
        except PinyinError as exc:
            errors.append(f"invalid pinyin annotation {_context(text, start, m.end())!r}: {exc}")
            continue
        n = len(syllables)
        base_start = start - n
        base = text[base_start:start] if base_start >= 0 else ""
        if len(base) != n or not all(is_hanzi(c) for c in base):
            have = _hanzi_run(text, start)
            errors.append(
                f"invalid pinyin annotation {_context(text, start, m.end())!r}: {n} syllable(s) "
                f"{' '.join(syllables)!r} but {have} Chinese character(s) before the bracket"
            )
            continue
        annotations.append(Annotation(out_len - n, n, base, " ".join(syllables), "pinyin", "inline"))
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces), annotations, errors


def _hanzi_run(text: str, end: int) -> int:
    i = end
    while i > 0 and is_hanzi(text[i - 1]):
        i -= 1
    return end - i


def _context(text: str, start: int, end: int) -> str:
    i = start
    while i > 0 and start - i < 4 and is_hanzi(text[i - 1]):
        i -= 1
    return text[i:end]


def phonetic_kind(pronunciation: str) -> str:
    """``"ipa"`` for /slashed/ text or text with IPA letters, else ``"respelling"``."""
    p = pronunciation.strip()
    if len(p) >= 2 and p[0] == p[-1] == "/" or _IPA_LETTERS.search(p):
        return "ipa"
    return "respelling"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _is_word_char(ch: str) -> bool:
    return (ch.isalnum() or ch == "_") and not HANZI_RE.match(ch)


class Lexicon:
    """A site lexicon, validated once: ``Lexicon({"重庆": "chóng qìng", "GIF": "/dʒɪf/"})``.

    Keys are matched in the spoken text (so traditional and full-width keys are folded like the text is); Chinese
    keys must be all Chinese characters with one pinyin syllable each; other keys match whole words, ignoring ASCII
    case. Invalid entries are skipped and described in :attr:`errors`.
    """

    def __init__(self, entries: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
        from .normalize import fold_text  # the spoken text is folded the same way

        self.errors: list[str] = []
        self._entries: dict[str, tuple[str, str]] = {}
        self._lengths: dict[str, list[int]] = {}
        items = entries.items() if isinstance(entries, Mapping) else (entries or ())
        for key, value in items:
            if not isinstance(key, str) or not isinstance(value, str) or not key.strip() or not value.strip():
                self.errors.append(f"lexicon entry {key!r}: {value!r} needs a word and a pronunciation")
                continue
            word = fold_text(key.strip()).translate(_ASCII_LOWER)
            if HANZI_RE.search(word):
                if not all(is_hanzi(c) for c in word):
                    self.errors.append(f"lexicon entry {key!r}: a Chinese word must be Chinese characters only")
                    continue
                try:
                    syllables = parse_pinyin(value)
                except PinyinError as exc:
                    self.errors.append(f"lexicon entry {key!r}: {exc}")
                    continue
                if len(syllables) != len(word):
                    self.errors.append(
                        f"lexicon entry {key!r}: {len(syllables)} pinyin syllable(s) for {len(word)} character(s)"
                    )
                    continue
                entry = (" ".join(syllables), "pinyin")
            else:
                kind = phonetic_kind(value)
                pron = value.strip()
                if kind == "ipa" and len(pron) >= 2 and pron[0] == pron[-1] == "/":
                    pron = pron[1:-1].strip()
                entry = (pron, kind)
            if word in self._entries and word != key:
                continue  # an exact-case key already claimed this folded word
            self._entries[word] = entry
        for word in self._entries:
            self._lengths.setdefault(word[0], []).append(len(word))
        for lengths in self._lengths.values():
            lengths.sort(reverse=True)

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def find(self, text: str, taken: Iterable[Annotation] = ()) -> list[Annotation]:
        """Lexicon annotations for ``text``: leftmost-longest matches that overlap none of ``taken``."""
        if not self._entries or not text:
            return []
        n = len(text)
        blocked = bytearray(n + 1)
        for a in taken:
            for i in range(max(0, a.offset), min(n, a.end)):
                blocked[i] = 1
        low = text.translate(_ASCII_LOWER)
        found: list[Annotation] = []
        i = 0
        lengths_for = self._lengths
        while i < n:
            lengths = lengths_for.get(low[i])
            if lengths is None or blocked[i]:
                i += 1
                continue
            matched = 0
            for length in lengths:
                end = i + length
                if end > n:
                    continue
                word = low[i:end]
                entry = self._entries.get(word)
                if entry is None:
                    continue
                if _is_word_char(word[0]) and i > 0 and _is_word_char(text[i - 1]):
                    continue
                if _is_word_char(word[-1]) and end < n and _is_word_char(text[end]):
                    continue
                if any(blocked[i:end]):
                    continue
                found.append(Annotation(i, length, text[i:end], entry[0], entry[1], "lexicon"))
                matched = length
                break
            i += matched or 1
        return found


def annotated_text(text: str, annotations: Iterable[Annotation]) -> str:
    """``text`` with its annotations written back for a G2P that reads inline markup (``voices.g2p``): pinyin as
    ``重庆[chong2 qing4]``, respellings in place of the word (``nginx`` -> ``engine x``); IPA is left out (the text
    keeps the word), as no markup for it is shared with the voice side."""
    pieces: list[str] = []
    pos = 0
    for a in sorted(annotations, key=lambda a: a.offset):
        if a.offset < pos or a.end > len(text):
            continue
        if a.kind == "pinyin":
            pieces.append(text[pos:a.end])
            pieces.append(f"[{a.pronunciation}]")
        elif a.kind == "respelling":
            pieces.append(text[pos:a.offset])
            pieces.append(a.pronunciation)
        else:
            continue
        pos = a.end
    pieces.append(text[pos:])
    return "".join(pieces)
