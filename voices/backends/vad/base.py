"""The voice-activity-detection interface: how much of a recording is speech, where, and how it sounds (levels)."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class VadResult:
    speech_seconds: float
    total_seconds: float
    speech_ratio: float  # speech_seconds / total_seconds
    speech_segments: list[tuple[float, float]] = field(default_factory=list)  # (start, end) seconds
    trimmed: tuple[float, float] | None = None  # first speech start .. last speech end; None when no speech
    level_dbfs: float = -120.0  # RMS level of the speech (of everything when there is no speech)
    peak: float = 0.0  # largest absolute sample (1.0 = full scale)
    clipping_ratio: float = 0.0  # fraction of samples at full scale
    snr_db: float | None = None  # speech power over the pauses' median power (dB); None when there is no speech

    @property
    def has_speech(self) -> bool:
        return self.speech_seconds > 0

    def as_dict(self) -> dict:
        return {
            "speech_seconds": self.speech_seconds, "total_seconds": self.total_seconds,
            "speech_ratio": self.speech_ratio, "speech_segments": [list(s) for s in self.speech_segments],
            "trimmed": list(self.trimmed) if self.trimmed else None, "level_dbfs": self.level_dbfs,
            "peak": self.peak, "clipping_ratio": self.clipping_ratio, "snr_db": self.snr_db,
        }


class BaseVAD(ABC):
    """Backends take float32 mono audio at any sample rate; they resample internally as they need."""

    @abstractmethod
    def analyze(self, audio: np.ndarray, sample_rate: int) -> VadResult: ...
