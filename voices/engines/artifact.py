"""Voice artifacts: what cloning produces and what a VoiceRef path points at.

One .npz file (numpy's zip of arrays, read with allow_pickle=False: no code runs on load). Keys:

    format              "readaloud-voice"                    (str)
    format_version      1                                    (int; a reader refuses versions it does not know)
    engine              engine family it is for: "kokoro", "f5-tts", ...
    language            "zh" / "en" / "mixed"
    base_voice          stock voice it starts from ("" if none)
    meta                JSON object: created, readings used, scores, the cloning method ... (free-form)
    style               optional float32 [510, 1, 256]: Kokoro style table, one row per token count
    prompt_audio        optional float32 mono: reference audio for prompt-based zero-shot engines
    prompt_sample_rate  optional int
    prompt_text         optional str: its transcript
    conversion_kind     optional str naming the post-synthesis conversion ("" if none)
    conversion/<name>   optional arrays of that conversion (e.g. a spectral-envelope mapping)

`content_hash()` covers every field, so it is the artifact's voice version for render caches.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

FORMAT = "readaloud-voice"
FORMAT_VERSION = 1
STYLE_SHAPE = (510, 1, 256)
# A VoiceRef that is a plain name (no dot, no slash) names a stock voice; anything else is an artifact.
STOCK_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_CACHE_SIZE = 32
_cache: OrderedDict[tuple, VoiceArtifact] = OrderedDict()
_cache_lock = threading.Lock()


class ArtifactError(ValueError):
    """Not a voice artifact, or one of a version this code cannot read."""


@dataclass
class VoiceArtifact:
    engine: str
    language: str = ""
    base_voice: str = ""
    style: np.ndarray | None = None
    prompt_audio: np.ndarray | None = None
    prompt_sample_rate: int = 0
    prompt_text: str = ""
    conversion_kind: str = ""
    conversion: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self):
        if self.style is not None:
            self.style = np.asarray(self.style, dtype=np.float32)
            if self.style.shape != STYLE_SHAPE:
                raise ArtifactError(f"style must be {STYLE_SHAPE}, got {self.style.shape}")
        if self.prompt_audio is not None:
            self.prompt_audio = np.asarray(self.prompt_audio, dtype=np.float32).reshape(-1)
            if not self.prompt_sample_rate:
                raise ArtifactError("prompt_audio needs prompt_sample_rate")

    # -- storage ---------------------------------------------------------------------------------------------------
    def _arrays(self) -> dict[str, np.ndarray]:
        arrays = {
            "format": np.array(FORMAT),
            "format_version": np.array(self.format_version, dtype=np.int64),
            "engine": np.array(self.engine),
            "language": np.array(self.language),
            "base_voice": np.array(self.base_voice),
            "meta": np.array(json.dumps(self.meta, sort_keys=True, ensure_ascii=False, default=str)),
            "conversion_kind": np.array(self.conversion_kind),
        }
        if self.style is not None:
            arrays["style"] = self.style
        if self.prompt_audio is not None:
            arrays["prompt_audio"] = self.prompt_audio
            arrays["prompt_sample_rate"] = np.array(self.prompt_sample_rate, dtype=np.int64)
            arrays["prompt_text"] = np.array(self.prompt_text)
        for name, value in self.conversion.items():
            arrays[f"conversion/{name}"] = np.asarray(value)
        return arrays

    def save(self, target: str | os.PathLike | IO[bytes]) -> None:
        """Write to a path (written as given: numpy would append .npz to a bare path) or a binary file object."""
        if isinstance(target, str | os.PathLike):
            with open(target, "wb") as file:
                np.savez(file, **self._arrays())
        else:
            np.savez(target, **self._arrays())

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()

    @classmethod
    def load(cls, source: str | os.PathLike | IO[bytes]) -> VoiceArtifact:
        try:
            with np.load(source, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"Not a voice artifact: {exc}") from exc
        if str(arrays.get("format", "")) != FORMAT:
            raise ArtifactError("Not a readaloud voice artifact (no format field)")
        version = int(arrays["format_version"])
        if version > FORMAT_VERSION:
            raise ArtifactError(f"Voice artifact format {version} is newer than this code ({FORMAT_VERSION})")

        def text(name):
            return str(arrays[name]) if name in arrays else ""

        return cls(
            engine=text("engine"),
            language=text("language"),
            base_voice=text("base_voice"),
            style=arrays.get("style"),
            prompt_audio=arrays.get("prompt_audio"),
            prompt_sample_rate=int(arrays["prompt_sample_rate"]) if "prompt_sample_rate" in arrays else 0,
            prompt_text=text("prompt_text"),
            conversion_kind=text("conversion_kind"),
            conversion={k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("conversion/")},
            meta=json.loads(text("meta") or "{}"),
            format_version=version,
        )

    def content_hash(self) -> str:
        """sha256 over every field (names, dtypes, shapes and bytes), independent of zip timestamps."""
        digest = hashlib.sha256()
        for name, value in sorted(self._arrays().items()):
            value = np.ascontiguousarray(value)
            digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
            digest.update(value.tobytes())
        return digest.hexdigest()


def is_stock_ref(voice) -> bool:
    return isinstance(voice, str) and bool(STOCK_REF.match(voice))


def load_voice_ref(voice) -> VoiceArtifact | None:
    """The artifact a VoiceRef points at (paths cached by path, size and mtime), or None for a stock voice name.
    Raises FileNotFoundError for a missing file and ArtifactError for a file that is not an artifact."""
    if isinstance(voice, VoiceArtifact):
        return voice
    if is_stock_ref(voice):
        return None
    if not isinstance(voice, str | os.PathLike):
        return VoiceArtifact.load(voice)  # a binary file object (e.g. from the voices_private storage)
    path = Path(voice)
    stat = path.stat()  # FileNotFoundError when absent
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    artifact = VoiceArtifact.load(path)
    with _cache_lock:
        _cache[key] = artifact
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return artifact
