"""The voice engine interface (Django backend pattern: VOICES["ENGINE"] = {"BACKEND": dotted path, "OPTIONS": {}}).

An engine turns text into speech in a voice. Callers hold a `VoiceRef` and never look inside it:

- a stock voice name ("zf_xiaoxiao"), listed by `stock_voices()`;
- a path to a voice artifact file (.npz, see artifact.py), made by `CloningEngine.clone` (or a file-like object
  opened from the private storage, or an already loaded `VoiceArtifact`).

Two families fit behind the same calls:

- style-vector engines (Kokoro): the artifact holds a style table; the text goes through a G2P. Conversion data an
  artifact may carry is applied to any engine's output by voices.synthesis, not by the engine;
- prompt-based zero-shot engines (F5-TTS, CosyVoice 2, IndexTTS 2): the artifact holds reference audio and its
  transcript (`prompt_audio`, `prompt_sample_rate`, `prompt_text`); `clone` picks/cleans the best reading.

Output is float32 mono in [-1, 1] at the engine's `sample_rate`; the engine does not watermark (voices.synthesis
does, for every caller). `synthesize_sentences` yields one result per input sentence, as soon as it is ready, so a
reader can start playing before the article is finished.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Union

import numpy as np

if TYPE_CHECKING:
    from .artifact import VoiceArtifact

VoiceRef = Union[str, os.PathLike, IO[bytes], "VoiceArtifact"]  # noqa: UP007 (a string forward reference)
ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class StockVoice:
    name: str  # the VoiceRef to pass back: "zf_xiaoxiao"
    language: str  # "zh" or "en"
    gender: str  # "female" / "male"
    label: str  # for people: "Xiaoxiao (Mandarin, female)"


@dataclass
class SynthesisResult:
    audio: np.ndarray  # float32, mono, [-1, 1]
    sample_rate: int
    text: str = ""  # the text this audio speaks (one sentence for synthesize_sentences)
    phonemes: str = ""  # what the engine actually read, when it reads phonemes (debugging, tests)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate if self.sample_rate else 0.0


@dataclass
class Reading:
    """One verified recording of the author, the material `clone` learns from."""

    audio: np.ndarray  # float32 mono, at its original rate
    sample_rate: int
    transcript: str  # what was read (the challenge sentence the ASR verified)
    language: str  # "zh" / "en"


@dataclass
class EngineInfo:
    """What an engine can do, for the UI and for services choosing how to call it."""

    name: str
    languages: tuple[str, ...]
    sample_rate: int
    can_clone: bool = False
    options: dict = field(default_factory=dict)


class VoiceNotFound(LookupError):
    """The VoiceRef names no stock voice and no readable artifact for this engine."""


class BaseEngine(ABC):
    """Text -> speech in a voice. Subclasses load their models lazily, once per process, thread-safely."""

    name = "base"
    sample_rate = 24000
    languages: tuple[str, ...] = ("zh", "en", "mixed")

    @property
    @abstractmethod
    def engine_version(self) -> str:
        """Changes whenever the same text and voice would sound different: model name and file hash, G2P and engine
        code revisions. Render caches key on `engine_version` + `voice_version(voice)` (+ the watermark's)."""

    @abstractmethod
    def voice_version(self, voice: VoiceRef) -> str:
        """Changes whenever the voice would sound different: a stock voice's file hash, an artifact's content hash."""

    @abstractmethod
    def stock_voices(self) -> list[StockVoice]:
        """The voices that ship with the engine (and that it can read the languages of)."""

    @abstractmethod
    def synthesize_sentences(
        self, sentences: Iterable[str], voice: VoiceRef, language: str = "auto", speed: float = 1.0
    ) -> Iterator[SynthesisResult]:
        """One result per non-empty sentence, in order, each as soon as it is synthesized. Concatenating the audio
        gives the whole text, pauses between sentences included. `language`: "zh", "en", "mixed" or "auto"."""

    def synthesize(self, text: str, voice: VoiceRef, language: str = "auto", speed: float = 1.0) -> SynthesisResult:
        """The whole text as one result (split into sentences and synthesized one after another)."""
        from ..g2p import split_sentences

        parts = list(self.synthesize_sentences(split_sentences(text), voice, language, speed))
        audio = np.concatenate([p.audio for p in parts]) if parts else np.zeros(0, dtype=np.float32)
        return SynthesisResult(
            audio=audio.astype(np.float32, copy=False),
            sample_rate=self.sample_rate,
            text=text,
            phonemes=" ".join(p.phonemes for p in parts if p.phonemes),
        )

    def info(self) -> EngineInfo:
        return EngineInfo(
            name=self.name,
            languages=self.languages,
            sample_rate=self.sample_rate,
            can_clone=isinstance(self, CloningEngine),
        )


class CloningEngine(ABC):
    """An engine that can make a voice artifact from the author's verified readings. Mixed into an engine class:
    `class KokoroEngine(CloningEngine, BaseEngine)`; services test `isinstance(engine, CloningEngine)`."""

    @abstractmethod
    def clone(
        self,
        readings: list[Reading],
        progress: ProgressCallback | None = None,
        time_budget_s: float | None = None,
    ) -> VoiceArtifact:
        """Build a voice from `readings`, calling `progress(fraction 0..1, message)` as it goes and finishing within
        `time_budget_s` seconds (best result so far when the budget runs out). The caller saves the artifact to the
        private storage (`artifact.save(file)`) and later passes its path or file as the VoiceRef."""
