"""Cloning: the author's verified readings -> a voice artifact (a stock voice + a fitted conversion toward the author).

    clone_voice(readings, progress=None, time_budget_s=None, on_voice=None) -> VoiceArtifact

1. First voice (well within a minute for a few readings): the engine reads every verified sentence in a stock voice of
   the author's language and sex (told by the author's F0), and the converter (VOICES["CONVERTER"]) learns from those
   parallel pairs. `on_voice(artifact)` receives it at once, so the page can offer a preview while refinement runs.
2. Refinement, while the budget lasts (VOICES["CONVERTER"]["BUDGET_SECONDS"], default 180 s): the other stock voices
   of the language are tried as the source, each judged by cross-validation on the author's own readings: fit on all
   but one reading, convert the engine's reading of the left-out sentence, compare it with the author's real reading
   (Resemblyzer, the product's speaker encoder), less a penalty when the ASR (VOICES["ASR"]) cannot read the
   converted sentence back (the intelligibility guard, on the character error rate for Chinese, the word error rate
   for English: `guard_error`). The best source is refitted on every reading and handed to
   `on_voice` again. Nothing here looks at audio other than the author's readings.

The artifact's `meta` records what was tried, the scores, and the times (see docs/cloning.md for measurements).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from .conversion import Deadline, ParallelPair, get_converter, world
from .engines.artifact import VoiceArtifact
from .engines.base import ProgressCallback, Reading

if TYPE_CHECKING:
    from .text_match import TextMatch

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_SECONDS = 180.0
FIRST_VOICE_SHARE = 0.35  # of the progress bar
GUARD_ALLOWED_ERROR = 0.15  # ASR error (guard_error: characters zh / words en) tolerated on the left-out reading
GUARD_PENALTY = 0.5  # score lost per unit of error above that
MALE_F0_BELOW = 165.0  # Hz: median F0 under which the author is matched with male stock voices
_FIRST_SOURCE = {("zh", "female"): "zf_xiaoxiao", ("zh", "male"): "zm_yunjian",
                 ("en", "female"): "af_heart", ("en", "male"): "am_michael"}


class CloningError(ValueError):
    """The readings cannot make a voice (none, no speech, no transcript)."""


def budget_seconds() -> float:
    from .app_settings import app_settings

    return float(dict(app_settings.CONVERTER).get("BUDGET_SECONDS", DEFAULT_BUDGET_SECONDS))


def _language(readings: list[Reading]) -> str:
    languages = [r.language for r in readings if r.language]
    language = max(set(languages), key=languages.count) if languages else "zh"
    return "zh" if language == "mixed" else language


def author_median_f0(readings: list[Reading]) -> float:
    pw = world._pyworld()
    voiced = []
    for reading in readings:
        x = world.resample(reading.audio, reading.sample_rate, 16000).astype(np.float64)
        f0, _ = pw.dio(x, 16000, f0_floor=world.F0_FLOOR, f0_ceil=world.F0_CEIL, frame_period=10.0)
        voiced.append(f0[f0 > 0])
    voiced = np.concatenate(voiced) if voiced else np.zeros(0)
    return float(np.median(voiced)) if len(voiced) else 0.0


def author_sex(median_f0: float) -> str:
    """"male" or "female": which stock voices the author is matched with first (no F0 found: "female")."""
    return "male" if 0 < median_f0 < MALE_F0_BELOW else "female"


def candidate_voices(engine, language: str, sex: str) -> list[str]:
    """Stock voices of the language, the author's sex first (the first one the default source)."""
    stock = [v for v in engine.stock_voices() if v.language == language]
    names = [v.name for v in stock]
    first = _FIRST_SOURCE.get((language, sex))
    same = [v.name for v in stock if v.gender == sex]
    other = [v.name for v in stock if v.gender != sex]
    ordered = ([first] if first in names else []) + [n for n in same + other if n != first]
    if not ordered:
        raise CloningError(f"The engine has no stock voice for language {language!r}")
    return ordered


def _style_table(engine, name: str):
    voices_dir = getattr(engine, "voices_dir", None)
    if voices_dir is None:
        return None
    return np.fromfile(voices_dir / f"{name}.bin", dtype=np.float32).reshape(510, 1, 256)


def guard_error(match: TextMatch) -> float:
    """The error the intelligibility guard judges: the worse of the character and the toneless-pinyin error rates for
    Chinese (a listener hears wrong characters, not only wrong syllables: a source voice that reads a sentence with
    homophones, e.g. 实施 read as 事实, has a low pinyin error but a high one here), words for English."""
    return max(float(match.unit_error_rate), float(match.pinyin_error or 0.0))


class _Cloner:
    def __init__(self, readings, engine, converter, language, deadline, scorer, asr=None):
        self.readings = readings
        self.engine = engine
        self.converter = converter
        self.language = language
        self.deadline = deadline
        self.scorer = scorer
        self.asr = asr
        self.details: dict[str, dict] = {}
        self._tts: dict[tuple[str, int], tuple[np.ndarray, int]] = {}
        self._author_embeddings: dict[int, np.ndarray] = {}

    def speak(self, voice: str, index: int) -> tuple[np.ndarray, int]:
        key = (voice, index)
        if key not in self._tts:
            result = self.engine.synthesize(self.readings[index].transcript, voice, self.language)
            self._tts[key] = (result.audio, result.sample_rate)
        return self._tts[key]

    def pairs(self, voice: str, indices) -> list[ParallelPair]:
        out = []
        for i in indices:
            audio, rate = self.speak(voice, i)
            r = self.readings[i]
            out.append(ParallelPair(audio, rate, r.audio, r.sample_rate, r.transcript, r.language))
        return out

    def fit(self, voice: str, indices, progress=None) -> dict[str, np.ndarray]:
        return self.converter.fit(self.pairs(voice, indices), progress=progress, deadline=self.deadline)

    def cross_validate(self, voice: str) -> float:
        """Score of the voice fitted without the last reading, on the last reading: speaker similarity of the
        converted engine reading to the author's real one, less a penalty when the ASR cannot read it back
        (the intelligibility guard)."""
        held = len(self.readings) - 1
        data = self.fit(voice, range(held))
        audio, rate = self.speak(voice, held)
        converted, converted_rate = self.converter.convert(audio, rate, data)
        reading = self.readings[held]
        if held not in self._author_embeddings:
            self._author_embeddings[held] = self.scorer.embed(reading.audio, reading.sample_rate)
        similarity = self.scorer.similarity(self.scorer.embed(converted, converted_rate), self._author_embeddings[held])
        detail = {"similarity": round(similarity, 4)}
        score = similarity
        if self.asr is not None:
            from .text_match import compare

            heard = self.asr.transcribe(converted, converted_rate, reading.language or self.language).text
            match = compare(reading.transcript, heard, reading.language or self.language)
            error = guard_error(match)
            detail["error_rate"] = round(error, 4)
            if match.pinyin_error is not None:
                detail["pinyin_error"] = round(float(match.pinyin_error), 4)
            detail["heard"] = heard
            score -= GUARD_PENALTY * max(0.0, error - GUARD_ALLOWED_ERROR)
        detail["score"] = round(score, 4)
        self.details[voice] = detail
        return score

    def artifact(self, voice: str, data: dict[str, np.ndarray], meta: dict) -> VoiceArtifact:
        return VoiceArtifact(
            engine=getattr(self.engine, "name", ""),
            language=self.language,
            base_voice=voice,
            style=_style_table(self.engine, voice),
            conversion_kind=self.converter.kind,
            conversion=data,
            meta=meta,
        )


def clone_voice(
    readings: list[Reading],
    progress: ProgressCallback | None = None,
    time_budget_s: float | None = None,
    on_voice: Callable[[VoiceArtifact], None] | None = None,
    *,
    engine=None,
    converter=None,
    scorer=None,
    asr=None,
    refine: bool = True,
) -> VoiceArtifact:
    """The best voice found within `time_budget_s` (default: the setting); see the module doc. The first voice is
    always made (a few seconds per reading); the budget bounds the refinement after it."""
    started = time.monotonic()
    readings = [r for r in readings if r.transcript.strip() and len(r.audio) > r.sample_rate // 4]
    if not readings:
        raise CloningError("Cloning needs at least one verified reading with its transcript")
    budget = budget_seconds() if time_budget_s is None else float(time_budget_s)
    deadline = Deadline(budget)
    report = progress or (lambda fraction, message: None)
    if engine is None:
        from .synthesis import get_engine

        engine = get_engine()
    converter = converter or get_converter()
    if scorer is None:
        from .evaluation.embeddings import ResemblyzerEmbedding

        scorer = ResemblyzerEmbedding()
    if asr is None and refine:
        from .backends.loading import load_backend

        asr = load_backend("ASR")
    language = _language(readings)
    report(0.0, "Listening to your readings")
    f0 = author_median_f0(readings)
    candidates = candidate_voices(engine, language, author_sex(f0))
    cloner = _Cloner(readings, engine, converter, language, deadline, scorer, asr)
    meta = {
        "method": converter.kind,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "readings": len(readings),
        "reading_seconds": round(sum(len(r.audio) / r.sample_rate for r in readings), 2),
        "author_median_f0": round(f0, 1),
        "budget_seconds": budget,
    }

    # 1. The first voice.
    source = candidates[0]

    def first_progress(fraction, message):
        report(0.05 + (FIRST_VOICE_SHARE - 0.05) * fraction, message)

    report(0.05, f"Reading your sentences in the stock voice {source}")
    data = cloner.fit(source, range(len(readings)), progress=first_progress)
    first_seconds = time.monotonic() - started
    meta |= {"source_choice": "first", "first_voice_seconds": round(first_seconds, 2)}
    best = cloner.artifact(source, data, dict(meta, seconds=round(first_seconds, 2)))
    if on_voice:
        on_voice(best)
    report(FIRST_VOICE_SHARE, "A first version of your voice is ready")

    # 2. Refinement: choose the source voice by cross-validation on the readings.
    if not refine or len(readings) < 2 or len(candidates) < 2 or deadline.expired():
        report(1.0, "Your voice is ready")
        return best
    scores: dict[str, float] = {}
    # Cost estimates from the first fit (the author's side is cached from now on, so later fits are cheaper).
    per_candidate = first_seconds
    refit = first_seconds * 0.7
    for done, voice in enumerate(candidates):
        if deadline.remaining() < per_candidate + refit:
            break
        t0 = time.monotonic()
        scores[voice] = round(cloner.cross_validate(voice), 4)
        per_candidate = time.monotonic() - t0 if done == 0 else max(per_candidate, time.monotonic() - t0)
        report(FIRST_VOICE_SHARE + (0.9 - FIRST_VOICE_SHARE) * (done + 1) / len(candidates),
               f"Tried {done + 1} of {len(candidates)} source voices")
    if not scores:
        report(1.0, "Your voice is ready")
        return best
    chosen = max(scores, key=scores.get)
    meta |= {"source_scores": scores, "source_details": cloner.details, "source_choice": "cross-validation"}
    if chosen != source and deadline.remaining() > 0:
        data = cloner.fit(chosen, range(len(readings)))
        source = chosen
    meta["refined_seconds"] = round(time.monotonic() - started, 2)
    best = cloner.artifact(source, data, dict(meta, seconds=meta["refined_seconds"]))
    if on_voice:
        on_voice(best)
    report(1.0, "Your voice is ready")
    return best
