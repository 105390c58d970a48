"""The conversion stage: any engine's output converted toward the author's voice (see docs/cloning.md).

    get_converter()                          the converter VOICES["CONVERTER"] names (fits new voices)
    converter_for(kind)                      the converter that applies data of `kind` (an artifact's conversion_kind)
    apply(audio, sample_rate, artifact)      -> (audio, sample_rate): the engine's audio in the artifact's voice;
                                             unchanged when the artifact carries no conversion
    revision(artifact)                       "" or "world-knn:v1:r1": part of a render cache key (changes when the
                                             same artifact would convert differently)

Fitting uses the setting; applying uses the kind stored in the artifact, so a voice made last month still plays after
the setting changes. A converter of another project registers its kind in VOICES["CONVERTER"]["KINDS"].
"""

from __future__ import annotations

import threading

import numpy as np
from django.utils.module_loading import import_string

from .base import BaseConverter, ConversionError, Deadline, ParallelPair

__all__ = [
    "BaseConverter",
    "ConversionError",
    "Deadline",
    "KNOWN_KINDS",
    "ParallelPair",
    "apply",
    "converter_for",
    "get_converter",
    "revision",
]

KNOWN_KINDS = {"world-knn": "voices.conversion.knn.KnnWorldConverter"}
_instances: dict[str, BaseConverter] = {}
_lock = threading.Lock()


def get_converter() -> BaseConverter:
    """The converter for new voices: VOICES["CONVERTER"] = {"BACKEND": dotted path, "OPTIONS": {...}}."""
    from ..backends.loading import load_backend

    return load_backend("CONVERTER")


def converter_for(kind: str) -> BaseConverter:
    """A converter able to apply data of `kind`: the configured one when it is of that kind (with its options),
    else the built-in class registered for the kind (default options: options only matter when fitting)."""
    configured = get_converter()
    if configured.kind == kind:
        return configured
    from ..app_settings import app_settings

    kinds = {**KNOWN_KINDS, **(dict(app_settings.CONVERTER).get("KINDS") or {})}
    if kind not in kinds:
        raise ConversionError(f"Unknown conversion kind {kind!r}; known: {', '.join(sorted(kinds))}")
    with _lock:
        if kind not in _instances:
            _instances[kind] = import_string(kinds[kind])()
        return _instances[kind]


def apply(audio: np.ndarray, sample_rate: int, artifact) -> tuple[np.ndarray, int]:
    """The engine's output for `artifact`'s base voice, converted toward the author (float32 mono, its rate).

    `artifact` is a voices.engines.artifact.VoiceArtifact; one without conversion data returns the audio as is."""
    kind = getattr(artifact, "conversion_kind", "")
    if not kind:
        return np.asarray(audio, dtype=np.float32), sample_rate
    return converter_for(kind).convert(audio, sample_rate, artifact.conversion)


def revision(artifact) -> str:
    """Identifies the code applying `artifact`'s conversion (its data is covered by the artifact's content hash)."""
    kind = getattr(artifact, "conversion_kind", "")
    if not kind:
        return ""
    converter = converter_for(kind)
    return f"{kind}:v{converter.version}:r{getattr(converter, 'revision', 1)}"
