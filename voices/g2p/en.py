"""English G2P for Kokoro v1.0: espeak-ng (shipped by espeakng-loader), mapped to misaki's phoneme set.

Kokoro v1.0 was trained on misaki.en phonemes. misaki.en needs spaCy models (not installed, and nothing may be
downloaded), so English goes through espeak-ng and is then mapped to misaki's symbols with the table misaki itself
uses for its espeak fallback (EspeakFallback.E2M: diphthongs as A I O W Y, affricates as ʤ ʧ, flap as T, ...).

espeak reads numbers, decimals, percentages and common abbreviations itself. phonemizer's own punctuation handling
splits "3.5" at the dot, so the text is cut here into clauses at punctuation followed by a space, each clause is
phonemized without punctuation and the marks are put back (they drive Kokoro's pauses and intonation).
espeak-ng keeps process-global state, so every call holds one lock.
"""

import re
import threading

try:  # share kokoro-onnx's lock: its Tokenizer drives the same process-global espeak-ng
    from kokoro_onnx.tokenizer import _espeak_lock as _lock
except ImportError:  # pragma: no cover
    _lock = threading.Lock()
_backends: dict[str, object] = {}

VARIANTS = ("en-us", "en-gb")
# Marks Kokoro's vocabulary has; others are dropped or mapped.
_CLAUSE_MARKS = ".!?,;:…—"
_MAP = {"！": "!", "？": "?", "，": ",", "。": ".", "；": ";", "：": ":", "、": ",", "–": "—", "...": "…"}
_ABBREVIATIONS = {
    "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "vs.", "e.g.", "i.e.", "a.m.", "p.m.", "no.", "fig.", "approx.",
    "jr.", "sr.", "mt.", "inc.", "ltd.", "co.", "u.s.", "u.k.",
}
_WORD = re.compile(r"^(.*?)([.!?,;:…—]*)$")
_QUOTES = "\"“”‘’'()[]{}«»「」『』<>"


def _backend(variant: str):
    backend = _backends.get(variant)
    if backend is None:
        import espeakng_loader
        from phonemizer.backend import EspeakBackend
        from phonemizer.backend.espeak.wrapper import EspeakWrapper

        EspeakWrapper.set_library(espeakng_loader.get_library_path())
        EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
        backend = EspeakBackend(language=variant, preserve_punctuation=False, with_stress=True, tie="^")
        _backends[variant] = backend
    return backend


def _to_misaki(phonemes: str, british: bool) -> str:
    """espeak IPA -> misaki's symbols (the conversion of misaki.espeak.EspeakFallback.__call__, version None)."""
    from misaki.espeak import EspeakFallback

    ps = phonemes.strip()
    if british:  # before E2M, which would turn the e of e^ə into A (misaki's fallback has that ordering slip)
        ps = ps.replace("e^ə", "ɛː").replace("ə^ʊ", "Q")
    for old, new in EspeakFallback.E2M:
        ps = ps.replace(old, new)
    ps = re.sub(r"(\S)\u0329", r"ᵊ\1", ps).replace(chr(809), "")
    if british:
        ps = ps.replace("iə", "ɪə")
    else:
        ps = ps.replace("o^ʊ", "O").replace("ɜːɹ", "ɜɹ").replace("ɜː", "ɜɹ").replace("ɪə", "iə").replace("ː", "")
    ps = ps.replace("o", "ɔ")
    ps = ps.replace("ɾ", "T").replace("ʔ", "t")
    return ps.replace("^", "").replace("ɹɹ", "ɹ")  # espeak's linking r after ɚ (-> əɹ) doubles the ɹ


def clauses(text: str) -> list[tuple[str, str]]:
    """Split English text into (words, trailing punctuation) at marks followed by a space or the end."""
    for old, new in _MAP.items():
        text = text.replace(old, new)
    result, words = [], []
    for token in text.split():
        token = token.strip(_QUOTES) or token
        body, mark = _WORD.match(token).groups()
        if token.lower() in _ABBREVIATIONS or not mark:
            words.append(token)
            continue
        if body:
            words.append(body)
        result.append((" ".join(words), mark))
        words = []
    if words:
        result.append((" ".join(words), ""))
    return result


def en_phonemes(text: str, variant: str = "en-us") -> str:
    """English text -> Kokoro v1.0 phonemes (misaki's set), e.g. "Hello world." -> "həlˈO wˈɜɹld."."""
    if variant not in VARIANTS:
        variant = "en-us"
    parts = []
    pieces = clauses(text)
    with _lock:
        backend = _backend(variant)
        spoken = [backend.phonemize([words], strip=True)[0] if words.strip() else "" for words, _ in pieces]
    for phonemes, (_, mark) in zip(spoken, pieces, strict=True):
        phonemes = _to_misaki(" ".join(phonemes.split()), british=variant == "en-gb")
        mark = mark[0] if mark and mark[0] in _CLAUSE_MARKS else mark[:1]
        parts.append((phonemes + mark).strip())
    return " ".join(p for p in parts if p)
