"""The watermark backend interface: mark every synthesized voice, and tell marked audio from other audio.

voices.synthesis embeds the mark in everything an engine says; `manage.py detect_watermark FILE` checks a file.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WatermarkDetection:
    present: bool
    confidence: float  # the detector's score in [0, 1]; `present` is score >= the backend's threshold


class BaseWatermark(ABC):
    name = "base"

    @property
    def version(self) -> str:
        """Changes when embedding would change the audio (render caches include it)."""
        return self.name

    @abstractmethod
    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Watermarked copy of float32 mono `audio`, same length and rate."""

    @abstractmethod
    def detect(self, audio: np.ndarray, sample_rate: int) -> WatermarkDetection:
        """Whether `audio` (float32 mono, any rate) carries this backend's watermark."""
