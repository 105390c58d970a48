"""The speech-recognition interface: transcribe a clip, and score candidate texts against it (forced scoring)."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Word:
    start: float  # seconds from the start of the clip
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float = 0.0
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    avg_logprob: float = 0.0  # mean token log-probability of the decoded text (segments weighted by length)
    duration: float = 0.0  # seconds of audio

    @property
    def words(self) -> list[Word]:
        return [word for segment in self.segments for word in segment.words]


def base_language(language: str) -> str:
    """The base language code Whisper takes: zh-hans -> zh, zh_CN -> zh, EN -> en."""
    return language.replace("_", "-").split("-")[0].strip().lower()


class BaseASR(ABC):
    """Backends take float32 mono audio at any sample rate and a fixed language code ("zh", "en", ...)."""

    @abstractmethod
    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> Transcript: ...

    @abstractmethod
    def score_text(self, audio: np.ndarray, sample_rate: int, language: str, texts: list[str]) -> list[float]:
        """Mean token log-probability of each candidate text given the audio (higher: more likely what was said)."""

    def best_text(self, audio: np.ndarray, sample_rate: int, language: str, texts: list[str]) -> tuple[int, float]:
        """Index and score of the candidate the audio most likely says."""
        scores = self.score_text(audio, sample_rate, language, texts)
        best = int(np.argmax(scores))
        return best, scores[best]
