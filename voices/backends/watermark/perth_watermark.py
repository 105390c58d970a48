"""Resemble AI's PerTh implicit watermark (resemble-perth, MIT; the weights ship inside the package), on CPU.

    VOICES["WATERMARK"] = {"BACKEND": "voices.backends.watermark.perth_watermark.PerthWatermark",
                           "OPTIONS": {"device": "cpu", "threshold": 0.5, "chunk_s": 30.0}}

PerthNet works at 32 kHz on a magnitude spectrogram (below 2 kHz); the package resamples to and from any rate.
Its decoder returns one score in [0, 1] per clip. Measured here (2 CPU cores; `tests/voices/test_watermark.py`
checks the same split):

    clean speech: Kokoro output zh/en (3 clips, 3-6 s)   0.00002 - 0.0022
                  real human speech (CMU Arctic a0007)    0.00001
                  the same, first 1 s / 2 s               <= 0.0011
    watermarked:  the same clips, whole / first 1 s      0.9996 - 1.0
                  after 24k->16k->24k resampling, int16   1.0

so the decision threshold is 0.5, in the middle of a gap of three orders of magnitude. The detector is trained on
speech: on pure tones it scores anything (a 110 Hz sine 0.99, 440 Hz 0.08), on silence nothing (reported as 0.0).

Long audio is processed in chunks (`chunk_s`, default 30 s) so memory stays flat; embedded chunks overlap by
0.25 s and are cross-faded; detection averages the chunk scores weighted by their length.
"""

import contextlib
import io
import logging
import threading

import numpy as np

from .base import BaseWatermark, WatermarkDetection

logger = logging.getLogger(__name__)

_models: dict[str, object] = {}
_lock = threading.Lock()
_OVERLAP_S = 0.25
_MIN_DETECT_S = 0.5


class PerthWatermark(BaseWatermark):
    name = "perth-implicit"

    def __init__(self, device: str = "cpu", threshold: float = 0.5, chunk_s: float = 30.0):
        self.device = device
        self.threshold = float(threshold)
        self.chunk_s = float(chunk_s)

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"{self.name}:resemble-perth-{version('resemble-perth')}"

    def _watermarker(self):
        with _lock:
            model = _models.get(self.device)
            if model is None:
                from perth.perth_net.perth_net_implicit.perth_watermarker import PerthImplicitWatermarker

                from ...assets import model_path

                weights = model_path("perth")  # .../perth/perth_net/pretrained/implicit, checked in place
                with contextlib.redirect_stdout(io.StringIO()):  # it prints "loaded PerthNet ..."
                    model = PerthImplicitWatermarker(
                        run_name=weights.name, models_dir=str(weights.parent), device=self.device
                    )
                model.perth_net.eval()
                _models[self.device] = model
            return model

    def load(self) -> None:
        self._watermarker()

    def _chunks(self, length: int, sample_rate: int, overlap: int) -> list[tuple[int, int]]:
        size = max(int(self.chunk_s * sample_rate), 2 * overlap + sample_rate)
        if length <= size:
            return [(0, length)]
        spans, start = [], 0
        while start < length:
            end = min(start + size, length)
            if length - end < sample_rate:  # do not leave a sliver of less than a second
                end = length
            spans.append((start, end))
            if end == length:
                break
            start = end - overlap
        return spans

    def embed(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        import torch

        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if not len(audio) or not np.any(audio):
            return audio.copy()
        model = self._watermarker()
        overlap = int(_OVERLAP_S * sample_rate)
        out = np.zeros_like(audio)
        previous_end = 0
        with torch.inference_mode():
            for start, end in self._chunks(len(audio), sample_rate, overlap):
                chunk = audio[start:end]
                marked = np.asarray(model.apply_watermark(chunk, sample_rate=sample_rate), np.float32)[: len(chunk)]
                # the iSTFT leaves out the last few milliseconds: keep the original samples there
                marked = np.concatenate([marked, chunk[len(marked) :]])
                fade = min(previous_end - start, len(marked)) if start else 0
                if fade > 0:
                    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
                    out[start : start + fade] = out[start : start + fade] * (1 - ramp) + marked[:fade] * ramp
                out[start + fade : end] = marked[fade:]
                previous_end = end
        return np.clip(out, -1.0, 1.0)

    def score(self, audio: np.ndarray, sample_rate: int) -> float:
        import torch

        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if len(audio) < _MIN_DETECT_S * sample_rate or not np.any(audio):
            return 0.0
        model = self._watermarker()
        total, weight = 0.0, 0
        with torch.inference_mode():
            for start, end in self._chunks(len(audio), sample_rate, 0):
                if end - start < _MIN_DETECT_S * sample_rate:
                    continue
                value = float(np.asarray(model.get_watermark(audio[start:end], sample_rate, round=False)).mean())
                if np.isfinite(value):  # silence: the decoder's masked mean is 0/0
                    total += value * (end - start)
                    weight += end - start
        return total / weight if weight else 0.0

    def detect(self, audio: np.ndarray, sample_rate: int) -> WatermarkDetection:
        confidence = self.score(audio, sample_rate)
        return WatermarkDetection(present=confidence >= self.threshold, confidence=confidence)
