"""Measures of a cloned reading against the author's real one: F0 and intelligibility (ASR)."""

from __future__ import annotations

import numpy as np

from ..conversion import world


def f0_stats(audio: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(mean, std) of log F0 over voiced frames, Harvest (robust on real and converted speech alike)."""
    return world.log_f0_stats(world.analyze(audio, sample_rate, accurate_f0=True).f0)


def f0_error(clone: tuple[np.ndarray, int], reference: tuple[np.ndarray, int]) -> dict:
    """How far the clone's pitch is from the author's held-out reading (different timing, so no frame pairing):
    the difference of their mean log F0 in semitones, and the ratio of their log-F0 spreads (1 = same range)."""
    (cm, cs), (rm, rs) = f0_stats(*clone), f0_stats(*reference)
    return {
        "f0_mean_semitones": round(float(12.0 * (cm - rm) / np.log(2.0)), 3),
        "f0_mean_hz": [round(float(np.exp(cm)), 1), round(float(np.exp(rm)), 1)],
        "f0_spread_ratio": round(float(cs / rs), 3) if rs else None,
    }


def intelligibility(asr, audio: np.ndarray, sample_rate: int, text: str, language: str) -> dict:
    """What the ASR hears, and its error rate against `text`: CER for Chinese (and toneless pinyin), WER for English."""
    from ..text_match import compare

    heard = asr.transcribe(audio, sample_rate, language).text
    match = compare(text, heard, language)
    out = {"heard": heard, "error_rate": round(float(match.unit_error_rate), 4)}
    if match.pinyin_error is not None:
        out["pinyin_error_rate"] = round(float(match.pinyin_error), 4)
    return out


def verify_reading(audio: np.ndarray, sample_rate: int, text: str, language: str) -> dict | None:
    """The enrollment verifier's verdict on a clone reading `text` (format, sound and words; no history, no
    challenge): accepted or not, with the reasons. None when the verifier is not available in this build."""
    try:
        from ..audio import wav_bytes
        from ..services.verification import reading_verify
    except ImportError:
        return None
    verdict = reading_verify(wav_bytes(audio, sample_rate), expected_text=text, language=language)
    failed = [c.code for c in verdict.checks if c.ok is False]
    return {"accepted": not failed, "failed": failed}
