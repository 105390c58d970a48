"""The speaker-encoder interface: a fixed-size, L2-normalised voice embedding, compared by cosine similarity."""

from abc import ABC, abstractmethod

import numpy as np


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(np.dot(a, b) / norm) if norm > 0 else 0.0


class BaseSpeakerEncoder(ABC):
    """Backends take float32 mono audio at any sample rate."""

    @abstractmethod
    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """The speaker embedding of one clip, L2-normalised (float32, 1-D)."""

    def embed_many(self, clips: list[tuple[np.ndarray, int]]) -> np.ndarray:
        """One voice from several clips: the L2-normalised mean of their embeddings."""
        mean = np.mean([self.embed(audio, sr) for audio, sr in clips], axis=0)
        return (mean / np.linalg.norm(mean)).astype(np.float32)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        """Cosine similarity of two embeddings."""
        return cosine(a, b)
