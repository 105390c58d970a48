"""Is this recording the author reading the sentence shown, live, in their own voice? `reading_verify` decides.

One function, used by the web flow, the API, `manage.py verify_reading` and bench/verification.py alike. It takes the
uploaded bytes and what the caller knows (the expected sentence, distractor sentences from the same articles, when
the sentence was shown, what was accepted before) and runs every check, in this order:

1. format: soundfile parses it; size, duration, sample rate and channels within limits (settings);
2. sound (VAD backend): speech present, enough of it, speech ratio, level, clipping, signal-to-noise, and a pace that
   is plausible for the sentence's length; leading and trailing silence is trimmed for what follows;
3. words (ASR backend): the transcript against the sentence after normalisation (voices.text_match: CER, and toneless
   pinyin for Chinese), then forced scoring of the sentence, of the transcript and of the distractors. Three scores
   decide: the sentence must be plausible (mean token log-prob), beat every distractor by a margin, and not be
   clearly worse than what the ASR heard. The last is `mismatch_evidence`: (transcript score - sentence score) times
   the sentence's length, about the log-likelihood ratio in nats by which the audio prefers what was heard. Honest
   readings whose transcript has homophone errors stay below 12; a sentence with 3-4 characters or words changed
   scores 26 or more (measured on real speech by bench/verification.py);
4. liveness: fresh challenge timing (the audio fits between showing and receiving), and no replay (the same SHA-256
   as a reading already accepted ends the verification at once; a spectral fingerprint close to one already accepted
   is a re-encoded copy);
5. speaker (speaker-encoder backend): similar enough to the author's readings accepted before.

The verdict lists every check with its reason in words (English and Chinese); the reading is accepted when none
failed. Checks that need a challenge are reported as skipped when there is none (the command line).
"""

import datetime
import io
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import soundfile as sf

from .. import audio as audio_utils
from .. import liveness
from ..app_settings import app_settings
from ..backends.loading import load_backend
from ..text_match import TextMatch, compare, detect_language, to_simplified, unit_count
from .reasons import UNITS, Check, failed, passed, skipped

ANALYSIS_RATE = 16000
TRIM_PADDING_SECONDS = 0.3


@dataclass(frozen=True)
class Thresholds:
    """Every number the decision uses. Override any of them with VOICES["VERIFICATION"] = {"name": value}."""

    min_speech_seconds: float = 0.6
    min_speech_ratio: float = 0.15
    min_level_dbfs: float = -45.0  # RMS of the speech; quiet real readings measured -39
    max_clipping_ratio: float = 0.002
    min_snr_db: float = 6.0  # real readings measured 10.6 dB and up
    zh_units_per_second: tuple[float, float] = (1.5, 9.0)  # Chinese characters per second of speech
    en_units_per_second: tuple[float, float] = (0.8, 5.5)  # English words per second of speech
    max_text_error: float = 0.35  # toneless-pinyin (zh) or word (en) error rate; honest readings measured <= 0.27
    min_forced_score: float = -2.0  # mean token log-prob of the sentence; honest >= -1.22, other sentences <= -2.63
    min_distractor_margin: float = 1.0  # sentence score minus the best distractor's; honest >= 2.36
    max_mismatch_evidence: float = 18.0  # see the module doc; honest <= 11.9, near-misses >= 26
    max_fingerprint_distance: float = 0.33  # bit error rate; copies <= 0.29, different recordings >= 0.44 (bench)
    min_speaker_similarity: float = 0.80  # cosine; same speaker >= 0.83, different <= 0.78 (bench on real speech)
    distractors: int = 3  # how many distractor sentences are scored at most (each costs ~0.1 s)

    @classmethod
    def from_settings(cls) -> "Thresholds":
        overrides = dict(app_settings.VERIFICATION or {})
        unknown = set(overrides) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f'Unknown VOICES["VERIFICATION"] keys: {sorted(unknown)}')
        return cls(**overrides)


@dataclass(frozen=True)
class AudioLimits:
    max_bytes: int
    max_seconds: float
    min_seconds: float
    min_sample_rate: int
    max_sample_rate: int
    max_channels: int

    @classmethod
    def from_settings(cls) -> "AudioLimits":
        return cls(max_bytes=app_settings.READING_MAX_BYTES, max_seconds=app_settings.READING_MAX_SECONDS,
                   min_seconds=app_settings.READING_MIN_SECONDS,
                   min_sample_rate=app_settings.READING_MIN_SAMPLE_RATE,
                   max_sample_rate=app_settings.READING_MAX_SAMPLE_RATE,
                   max_channels=app_settings.READING_MAX_CHANNELS)


@dataclass(frozen=True)
class AudioInfo:
    sha256: str
    size_bytes: int
    sample_rate: int
    channels: int
    duration_seconds: float
    audio_format: str


@dataclass(frozen=True)
class Timing:
    """When the sentence was shown to the reader, and when the recording arrived (server clock)."""

    shown_at: datetime.datetime
    received_at: datetime.datetime


@dataclass(frozen=True)
class History:
    """What was accepted before: a reading must not repeat one, and must sound like the same person."""

    sha256s: frozenset = frozenset()
    fingerprints: tuple = ()  # np.ndarray uint32 each
    embeddings: tuple = ()  # speaker embeddings of the enrollment's accepted readings


@dataclass
class Verdict:
    accepted: bool
    checks: list[Check]
    expected_text: str
    language: str
    transcript: str = ""
    text: TextMatch | None = None
    forced_score: float | None = None
    transcript_score: float | None = None
    distractor_scores: list[float] = field(default_factory=list)
    mismatch_evidence: float | None = None
    audio: AudioInfo | None = None
    vad: dict | None = None
    speaker_similarity: float | None = None
    fingerprint_distance: float | None = None
    timing: dict | None = None
    seconds: dict = field(default_factory=dict)  # processing time per stage
    # Kept for storage (not serialised in scores()):
    embedding: np.ndarray | None = field(default=None, repr=False)
    fingerprint: np.ndarray | None = field(default=None, repr=False)

    @property
    def reasons(self) -> list[dict]:
        """The checks that failed or were skipped, in words (English and Chinese)."""
        return [c.as_dict() for c in self.checks if c.ok is not True]

    @property
    def speech_seconds(self) -> float | None:
        return None if self.vad is None else self.vad["speech_seconds"]

    def scores(self) -> dict:
        """Every measured value, JSON-ready (stored with each attempt)."""
        return {
            "language": self.language,
            "text": self.text.as_dict() if self.text else None,
            "forced_score": self.forced_score,
            "transcript_score": self.transcript_score,
            "distractor_scores": self.distractor_scores,
            "mismatch_evidence": self.mismatch_evidence,
            "audio": asdict(self.audio) if self.audio else None,
            "vad": self.vad,
            "speaker_similarity": self.speaker_similarity,
            "fingerprint_distance": self.fingerprint_distance,
            "timing": self.timing,
            "seconds": self.seconds,
            "checks": [{"code": c.code, "ok": c.ok} for c in self.checks],
        }


# --- the stages -----------------------------------------------------------------------------------------------------


def inspect_audio(data: bytes, limits: AudioLimits) -> tuple[AudioInfo, np.ndarray, int]:
    """Parse and measure the upload; raises AudioFormatError with a reason a user can act on."""
    if len(data) > limits.max_bytes:
        raise audio_utils.AudioFormatError(
            f"the file is too big ({len(data) / 1e6:.1f} MB; at most {limits.max_bytes / 1e6:.1f} MB)")
    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, EOFError) as exc:
        reason = getattr(exc, "error_string", None) or str(exc)
        raise audio_utils.AudioFormatError(f"not a readable audio file (WAV expected): {reason}") from None
    samples, rate = audio_utils.read_audio(data, max_seconds=limits.max_seconds, max_bytes=limits.max_bytes)
    return AudioInfo(sha256=liveness.sha256_of(data), size_bytes=len(data), sample_rate=int(info.samplerate),
                     channels=int(info.channels), duration_seconds=round(len(samples) / rate, 3),
                     audio_format=f"{info.format} {info.subtype}"), samples, rate


def _format_checks(info: AudioInfo, limits: AudioLimits) -> list[Check]:
    checks = []
    if not limits.min_sample_rate <= info.sample_rate <= limits.max_sample_rate:
        checks.append(failed("sample_rate", rate=info.sample_rate, low=limits.min_sample_rate,
                             high=limits.max_sample_rate))
    if info.channels > limits.max_channels:
        checks.append(failed("channels", channels=info.channels, limit=limits.max_channels))
    if info.duration_seconds < limits.min_seconds:
        checks.append(failed("too_short", seconds=info.duration_seconds))
    return checks


def _sound_checks(vad, units: int, language: str, t: Thresholds) -> list[Check]:
    if not vad.has_speech:
        return [failed("no_speech")]
    if vad.speech_seconds < t.min_speech_seconds:
        return [failed("too_little_speech", speech=vad.speech_seconds)]
    checks = []
    if vad.speech_ratio < t.min_speech_ratio:
        checks.append(failed("mostly_silence", ratio=vad.speech_ratio))
    if vad.level_dbfs < t.min_level_dbfs:
        checks.append(failed("too_quiet", level=vad.level_dbfs))
    if vad.clipping_ratio > t.max_clipping_ratio:
        checks.append(failed("clipped", ratio=vad.clipping_ratio))
    if vad.snr_db is not None and vad.snr_db < t.min_snr_db:
        checks.append(failed("noisy", snr=vad.snr_db))
    low, high = t.en_units_per_second if language == "en" else t.zh_units_per_second
    rate = units / vad.speech_seconds
    unit, unit_zh = UNITS[language]
    if rate > high:
        checks.append(failed("too_fast", rate=rate, unit=unit, unit_zh=unit_zh))
    elif rate < low:
        checks.append(failed("too_slow", rate=rate, unit=unit, unit_zh=unit_zh))
    return checks


def _trim(samples: np.ndarray, rate: int, vad) -> np.ndarray:
    start, end = vad.trimmed
    first = max(0, int((start - TRIM_PADDING_SECONDS) * rate))
    last = min(len(samples), int((end + TRIM_PADDING_SECONDS) * rate))
    return samples[first:last]


def scoring_text(text: str, language: str) -> str:
    """The sentence as the ASR would write it: simplified script for Chinese, sentence case for ALL-CAPS English."""
    text = " ".join(text.split())
    if language != "en":
        return to_simplified(text)
    return text[:1] + text[1:].lower() if text.isupper() else text


def _word_checks(match: TextMatch, forced: float, heard: float | None, distractor_scores: list[float],
                 t: Thresholds) -> tuple[list[Check], float | None]:
    unit, _ = UNITS[match.language]
    checks = []
    if match.error > t.max_text_error:
        checks.append(failed("text_mismatch", heard=match.heard or "…", errors=match.errors, units=match.units,
                             unit=unit))
    else:
        checks.append(passed("text_match", heard=match.heard))
    if forced < t.min_forced_score:
        checks.append(failed("forced_low", score=forced))
    if distractor_scores:
        if forced - max(distractor_scores) < t.min_distractor_margin:
            checks.append(failed("forced_distractor"))
    else:
        checks.append(skipped("no_distractors"))
    evidence = None
    if heard is not None:
        evidence = round(max(0.0, heard - forced) * match.units, 2)
        if evidence > t.max_mismatch_evidence:
            checks.append(failed("forced_words_differ"))
    return checks, evidence


def _replay_checks(fingerprint: np.ndarray, history: History, t: Thresholds) -> tuple[list[Check], float | None]:
    distance = min((liveness.fingerprint_distance(fingerprint, other) for other in history.fingerprints),
                   default=None)
    if distance is not None and distance <= t.max_fingerprint_distance:
        return [failed("replay_near")], round(distance, 4)
    return [], None if distance is None else round(distance, 4)


def _speaker_check(embedding: np.ndarray | None, history: History, t: Thresholds) -> tuple[list[Check], float | None]:
    if embedding is None or not history.embeddings:
        return [], None
    similarity = round(centroid_similarity(embedding, list(history.embeddings)), 4)
    if similarity < t.min_speaker_similarity:
        return [failed("speaker_mismatch", similarity=similarity)], similarity
    return [], similarity


def centroid_similarity(embedding: np.ndarray, others: list[np.ndarray]) -> float:
    """Cosine similarity of one embedding with the (normalised) mean of others."""
    centroid = np.mean(np.asarray(others, dtype=np.float64), axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    vector = np.asarray(embedding, dtype=np.float64)
    return float(np.dot(vector, centroid) / (np.linalg.norm(vector) or 1.0))


def speakers_agree(embeddings: list[np.ndarray], thresholds: Thresholds | None = None) -> tuple[bool, list[float]]:
    """Do all these readings sound like one person? Each is compared with the mean of the others."""
    t = thresholds or Thresholds.from_settings()
    if len(embeddings) < 2:
        return True, []
    scores = [round(centroid_similarity(e, embeddings[:i] + embeddings[i + 1:]), 4) for i, e in enumerate(embeddings)]
    return min(scores) >= t.min_speaker_similarity, scores


def _timing_check(timing: Timing | None, audio_seconds: float) -> tuple[list[Check], dict | None]:
    if timing is None:
        return [skipped("no_challenge")], None
    result = liveness.check_timing(timing.shown_at, timing.received_at, audio_seconds,
                                   max_delay_seconds=app_settings.READING_MAX_DELAY_SECONDS,
                                   slack_seconds=app_settings.READING_TIMING_SLACK_SECONDS)
    values = {"elapsed": result.elapsed_seconds, "audio": result.audio_seconds}
    if result.too_fast:
        return [failed("timing_too_fast", **values)], values
    if result.too_late:
        return [failed("timing_too_late", **values)], values
    return [], values


# --- the service ----------------------------------------------------------------------------------------------------


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


@contextmanager
def model_turn():
    """Wait for one of VOICES["VERIFICATION_CONCURRENCY"] turns at the speech models (per process)."""
    global _slots
    size = max(1, int(app_settings.VERIFICATION_CONCURRENCY))
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        semaphore = _slots[1]
    with semaphore:
        yield


def reading_verify(data: bytes, *, expected_text: str, language: str = "auto", distractors=(),
                   timing: Timing | None = None, history: History | None = None,
                   thresholds: Thresholds | None = None) -> Verdict:
    """Verify one reading (the bytes of an audio file) of `expected_text`. See the module doc for the checks.
    The model stages take turns with other verifications in this process (model_turn)."""
    with model_turn():
        return _reading_verify(data, expected_text=expected_text, language=language, distractors=distractors,
                               timing=timing, history=history, thresholds=thresholds)


def _reading_verify(data: bytes, *, expected_text: str, language: str, distractors, timing: Timing | None,
                    history: History | None, thresholds: Thresholds | None) -> Verdict:
    t = thresholds or Thresholds.from_settings()
    history = history or History()
    limits = AudioLimits.from_settings()
    language = detect_language(expected_text) if language in (None, "", "auto") else language
    asr_language = "en" if language == "en" else "zh"
    verdict = Verdict(accepted=False, checks=[], expected_text=expected_text, language=language)
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        verdict.seconds[stage] = round(now - clock, 3)
        clock = now

    try:
        info, samples, rate = inspect_audio(data, limits)
    except audio_utils.AudioFormatError as exc:
        verdict.checks.append(failed("format", error=str(exc)))
        return verdict
    verdict.audio = info
    verdict.checks += _format_checks(info, limits)
    if info.sha256 in history.sha256s:  # the very same file again: nothing more to learn from it
        verdict.checks.append(failed("replay_exact"))
    timing_checks, verdict.timing = _timing_check(timing, info.duration_seconds)
    if any(c.ok is False for c in verdict.checks):
        verdict.checks += timing_checks
        return verdict
    lap("read")

    vad = load_backend("VAD").analyze(samples, rate)
    verdict.vad = vad.as_dict()
    units = max(1, unit_count(expected_text, language))
    verdict.checks += _sound_checks(vad, units, language, t)
    lap("vad")
    if not vad.has_speech or vad.speech_seconds < t.min_speech_seconds:
        verdict.checks += timing_checks
        return verdict

    speech = audio_utils.resample(_trim(samples, rate, vad), rate, ANALYSIS_RATE)
    asr = load_backend("ASR")
    heard = asr.transcribe(speech, ANALYSIS_RATE, asr_language).text.strip()
    verdict.transcript = heard
    verdict.text = compare(expected_text, heard, language)
    lap("asr")

    foils = [scoring_text(d, language) for d in distractors if d and d.strip() != expected_text.strip()]
    foils = foils[: t.distractors]
    candidates = [scoring_text(expected_text, language)] + ([heard] if heard else []) + foils
    scores = asr.score_text(speech, ANALYSIS_RATE, asr_language, candidates)
    verdict.forced_score = round(scores[0], 4)
    verdict.transcript_score = round(scores[1], 4) if heard else None
    verdict.distractor_scores = [round(s, 4) for s in scores[2 if heard else 1:]]
    word_checks, verdict.mismatch_evidence = _word_checks(verdict.text, scores[0], verdict.transcript_score,
                                                          verdict.distractor_scores, t)
    verdict.checks += word_checks
    lap("scoring")

    verdict.fingerprint = liveness.fingerprint(speech, ANALYSIS_RATE)
    replay_checks, verdict.fingerprint_distance = _replay_checks(verdict.fingerprint, history, t)
    verdict.checks += timing_checks + replay_checks
    lap("liveness")

    try:
        verdict.embedding = load_backend("SPEAKER_ENCODER").embed(speech, ANALYSIS_RATE)
    except ValueError:
        verdict.embedding = None
    speaker_checks, verdict.speaker_similarity = _speaker_check(verdict.embedding, history, t)
    verdict.checks += speaker_checks
    lap("speaker")

    verdict.accepted = not any(c.ok is False for c in verdict.checks)
    return verdict
