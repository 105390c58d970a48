"""The conversion stage's interface: learn from parallel pairs (the engine reading the author's sentences, the
author reading them), then convert any of the engine's output toward the author.

A converter is chosen by VOICES["CONVERTER"] = {"BACKEND": dotted path, "OPTIONS": {...}} for the voices it fits;
a fitted voice names its converter's `kind` in the artifact (`conversion_kind`) and keeps the arrays `fit` returned
(`conversion/<name>`), so that applying it never depends on the setting of the day (see voices.conversion.apply).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ProgressCallback = Callable[[float, str], None]


class ConversionError(ValueError):
    """The conversion data is missing, of another kind, or of a version this code does not know."""


@dataclass
class ParallelPair:
    """One sentence spoken twice: by the engine (`source`) and by the author (`target`)."""

    source: np.ndarray  # float32 mono
    source_rate: int
    target: np.ndarray  # float32 mono
    target_rate: int
    text: str = ""
    language: str = ""


class Deadline:
    """Wall-clock budget shared by the steps of a fit: `remaining()`, `expired()`."""

    def __init__(self, seconds: float | None):
        self.start = time.monotonic()
        self.seconds = seconds

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return float("inf") if self.seconds is None else self.seconds - self.elapsed()

    def expired(self) -> bool:
        return self.remaining() <= 0


class BaseConverter(ABC):
    """Subclasses are stateless apart from their options: everything learned goes into the arrays `fit` returns."""

    kind = "base"  # stored in the artifact as conversion_kind
    version = 1  # stored as conversion/version; bump when old data can no longer be applied
    revision = 1  # bump when the same data converts to different audio (render caches key on it)

    @abstractmethod
    def fit(
        self,
        pairs: list[ParallelPair],
        progress: ProgressCallback | None = None,
        deadline: Deadline | None = None,
    ) -> dict[str, np.ndarray]:
        """Learn the mapping from the pairs; return the arrays to store (numbers only: loaded with allow_pickle off).
        Call `progress(fraction, message)` along the way and stop refining when `deadline` expires."""

    @abstractmethod
    def convert(self, audio: np.ndarray, sample_rate: int, data: dict[str, np.ndarray]) -> tuple[np.ndarray, int]:
        """The engine's audio converted toward the author: (float32 mono audio, its sample rate)."""

    def check(self, data: dict[str, np.ndarray]) -> None:
        version = int(np.asarray(data.get("version", -1)))
        if version != self.version:
            raise ConversionError(f"{self.kind} data version {version}; this code applies version {self.version}")
