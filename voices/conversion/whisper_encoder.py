"""Whisper-base's audio encoder in torch, read from the CTranslate2 `model.bin` the ASR already uses.

CTranslate2 only returns the encoder's last layer; speaker identity lives mostly in the middle layers (the last ones
are trained to forget it), so the evaluation and the conversion read the weights themselves and run the six encoder
layers in torch. No download, no second copy of the weights: `model.bin` (format version 6, float16 variables) is
parsed in place, the decoder skipped.

    encoder = load_whisper_encoder(model_dir)       # cached per path
    layers = encoder.hidden_states(audio16k)        # list of [frames, 512] arrays, one per layer (0 = input embed)
"""

from __future__ import annotations

import re
import struct
import threading
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
_cache: dict[str, WhisperEncoder] = {}
_lock = threading.Lock()


def read_ctranslate2_variables(path: str | Path, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """The variables of a CTranslate2 model file whose names start with `prefix` (as float32 arrays)."""
    out = {}
    with open(path, "rb") as file:

        def unpack(fmt):
            return struct.unpack("<" + fmt, file.read(struct.calcsize(fmt)))

        def string():
            (length,) = unpack("H")
            return file.read(length)[:-1].decode()

        (version,) = unpack("I")
        if version < 5:
            raise ValueError(f"Unsupported CTranslate2 model version {version}")
        string()  # spec name
        unpack("I")  # spec revision
        (count,) = unpack("I")
        for _ in range(count):
            name = string()
            (rank,) = unpack("B")
            shape = unpack("I" * rank)
            (dtype,) = unpack("B")
            (nbytes,) = unpack("I")
            if name.startswith(prefix):
                if dtype not in _DTYPES:
                    raise ValueError(f"Unsupported CTranslate2 dtype {dtype} for {name}")
                data = np.frombuffer(file.read(nbytes), dtype=_DTYPES[dtype]).reshape(shape)
                out[name[len(prefix) :]] = data.astype(np.float32) if data.dtype == np.float16 else data
            else:
                file.seek(nbytes, 1)
    return out


class WhisperEncoder:
    """The Whisper encoder (pre-LayerNorm transformer) as plain torch ops over the CTranslate2 weights."""

    def __init__(self, model_dir: str | Path):
        import torch

        self.model_dir = Path(model_dir)
        variables = read_ctranslate2_variables(self.model_dir / "model.bin")
        self.w = {name: torch.from_numpy(np.array(value)) for name, value in variables.items()}
        self.num_heads = int(variables.get("num_heads", 8))
        self.num_layers = len({name.split("/")[0] for name in variables if re.match(r"layer_\d+/", name)})
        from faster_whisper.feature_extractor import FeatureExtractor

        self.features = FeatureExtractor()

    def log_mel(self, audio16k: np.ndarray) -> np.ndarray:
        return self.features(np.asarray(audio16k, dtype=np.float32), padding=0)  # [80, frames]

    def hidden_states(self, audio16k: np.ndarray, max_layer: int | None = None) -> list[np.ndarray]:
        """One [frames (20 ms), 512] array per layer: index 0 after the convolutions, i after layer i (the last one
        after the final LayerNorm). Audio longer than 30 s is cut (one Whisper window)."""
        import torch
        import torch.nn.functional as F

        w = self.w
        mel = self.log_mel(audio16k)[:, :3000]
        if mel.shape[1] % 2:
            mel = mel[:, :-1]
        max_layer = self.num_layers if max_layer is None else min(max_layer, self.num_layers)
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(mel))[None]
            x = F.gelu(F.conv1d(x, w["conv1/weight"], w["conv1/bias"], padding=1))
            x = F.gelu(F.conv1d(x, w["conv2/weight"], w["conv2/bias"], stride=2, padding=1))
            x = x[0].T  # [frames, 512]
            x = x + w["position_encodings/encodings"][: x.shape[0]]
            states = [x]
            for i in range(max_layer):
                x = self._layer(x, f"layer_{i}/")
                if i == self.num_layers - 1:
                    x = F.layer_norm(x, (x.shape[-1],), w["layer_norm/gamma"], w["layer_norm/beta"])
                states.append(x)
        return [s.numpy() for s in states]

    def _layer(self, x, p: str):
        import torch.nn.functional as F

        w = self.w
        d = x.shape[-1]
        h = F.layer_norm(x, (d,), w[p + "self_attention/layer_norm/gamma"], w[p + "self_attention/layer_norm/beta"])
        qkv = F.linear(h, w[p + "self_attention/linear_0/weight"], w[p + "self_attention/linear_0/bias"])
        q, k, v = (t.reshape(t.shape[0], self.num_heads, -1).transpose(0, 1) for t in qkv.split(d, dim=-1))
        attn = F.scaled_dot_product_attention(q[None], k[None], v[None])[0]
        attn = attn.transpose(0, 1).reshape(x.shape[0], d)
        x = x + F.linear(attn, w[p + "self_attention/linear_1/weight"], w[p + "self_attention/linear_1/bias"])
        h = F.layer_norm(x, (d,), w[p + "ffn/layer_norm/gamma"], w[p + "ffn/layer_norm/beta"])
        h = F.linear(F.gelu(F.linear(h, w[p + "ffn/linear_0/weight"], w[p + "ffn/linear_0/bias"])),
                     w[p + "ffn/linear_1/weight"], w[p + "ffn/linear_1/bias"])
        return x + h


def load_whisper_encoder(model_dir: str | Path) -> WhisperEncoder:
    key = str(Path(model_dir).resolve())
    with _lock:
        if key not in _cache:
            _cache[key] = WhisperEncoder(model_dir)
        return _cache[key]
