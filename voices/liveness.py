"""Was the reading recorded live, just now, and never submitted before?

- Timing: a sentence is revealed at a recorded time (`shown_at`); the audio must fit between that moment and its
  arrival (it cannot be longer than the time elapsed), and must arrive soon after (no time to synthesise it).
- Replay: the SHA-256 of the file catches the same bytes; a spectral fingerprint (Haitsma & Kalker's 32-bit
  sub-fingerprints: the signs of energy differences across 33 log-spaced bands and consecutive frames) catches the
  same audio re-encoded, resampled or re-levelled, which a hash cannot. Two readings of the same sentence by the same
  person differ in about 40 % of the bits; a copy of one recording in under 15 %.
"""

import datetime
import hashlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from . import audio as audio_utils

FINGERPRINT_RATE = 8000
_FRAME = 2048  # 256 ms at 8 kHz
_HOP = 128  # 16 ms
_BANDS = np.geomspace(300.0, 2000.0, 34)
_MIN_FRAMES = 32


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class TimingResult:
    elapsed_seconds: float
    audio_seconds: float
    too_fast: bool  # the audio is longer than the time since the sentence was shown
    too_late: bool  # the audio arrived long after the sentence was shown

    @property
    def ok(self) -> bool:
        return not (self.too_fast or self.too_late)


def check_timing(shown_at: datetime.datetime, received_at: datetime.datetime, audio_seconds: float, *,
                 max_delay_seconds: float, slack_seconds: float) -> TimingResult:
    """The audio must fit in [shown_at, received_at] (plus `slack_seconds` for clocks and buffering), and arrive
    within its own length plus `max_delay_seconds` of the sentence appearing."""
    elapsed = (received_at - shown_at).total_seconds()
    return TimingResult(
        elapsed_seconds=round(elapsed, 3),
        audio_seconds=round(audio_seconds, 3),
        too_fast=audio_seconds > elapsed + slack_seconds,
        too_late=elapsed > audio_seconds + max_delay_seconds,
    )


def fingerprint(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """uint32 sub-fingerprints, one per 16 ms frame (empty for clips shorter than ~0.5 s)."""
    x = audio_utils.resample(audio_utils.to_mono(audio), sample_rate, FINGERPRINT_RATE).astype(np.float64)
    if len(x) < _FRAME + _HOP * _MIN_FRAMES:
        return np.zeros(0, dtype=np.uint32)
    count = 1 + (len(x) - _FRAME) // _HOP
    index = np.arange(_FRAME)[None, :] + _HOP * np.arange(count)[:, None]
    spectrum = np.abs(np.fft.rfft(x[index] * np.hanning(_FRAME), axis=1)) ** 2
    energy = np.log(spectrum @ _band_matrix() + 1e-12)
    diff = energy[:, :-1] - energy[:, 1:]  # across bands: 32 values per frame
    bits = (diff[1:] - diff[:-1]) > 0  # and across time
    weights = (1 << np.arange(32, dtype=np.uint64)).astype(np.uint64)
    return (bits.astype(np.uint64) * weights).sum(axis=1).astype(np.uint32)


@cache
def _band_matrix() -> np.ndarray:
    """[frequency bins, 33 bands]: sums a power spectrum into the fingerprint's bands."""
    band_of = np.digitize(np.fft.rfftfreq(_FRAME, 1 / FINGERPRINT_RATE), _BANDS) - 1
    return (band_of[:, None] == np.arange(len(_BANDS) - 1)[None, :]).astype(np.float64)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.unpackbits(x.view(np.uint8)).reshape(len(x), 32).sum(axis=1)


def fingerprint_distance(a: np.ndarray, b: np.ndarray, max_shift_frames: int = 62) -> float:
    """Lowest bit error rate of the two fingerprints over shifts of up to ±1 s (1.0 when they cannot be compared).

    The overlap must cover at least 70 % of the shorter clip: a copy padded or trimmed by a second still matches."""
    a, b = np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)
    shorter = min(len(a), len(b))
    if shorter < _MIN_FRAMES:
        return 1.0
    best = 1.0
    for shift in range(-max_shift_frames, max_shift_frames + 1):
        x = a[max(shift, 0):]
        y = b[max(-shift, 0):]
        n = min(len(x), len(y))
        if n < 0.7 * shorter:
            continue
        errors = _popcount(np.bitwise_xor(x[:n], y[:n])).sum()
        best = min(best, float(errors) / (32 * n))
    return best


def fingerprint_to_bytes(fp: np.ndarray) -> bytes:
    return np.asarray(fp, dtype="<u4").tobytes()


def fingerprint_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)
