"""Kokoro-82M v1.0 (int8 ONNX) on onnxruntime, with our G2P and our voice files.

    VOICES["ENGINE"] = {"BACKEND": "voices.engines.kokoro.KokoroEngine", "OPTIONS": {
        "intra_op_num_threads": 2,   # onnxruntime threads per inference
        "inter_op_num_threads": 1,
        "allow_spinning": False,     # onnxruntime's busy-waiting threads: off, the cores are shared with the web
                                     # server, the ASR and other workers
        "model_dir": None,           # folder of kokoro-v1.0.int8.onnx and voices/<name>.bin (default MODELS_DIR/kokoro)
        "sentence_pause": 0.3,       # seconds of silence after a sentence (and after a batch ending in . ! ?)
        "clause_pause": 0.1,         # ... after a batch ending in , ; :
    }}

The model has a context of 512 tokens (510 phonemes plus a pad at each end): a sentence longer than that is split
at punctuation (then at spaces), each piece is synthesized on its own, trimmed of the model's edge silence and joined
with the pause its last mark calls for. The style vector of an inference is row `len(tokens)` of the voice's
[510, 1, 256] table (as kokoro.js does). The session is created lazily, once per process per (model, threads): an
inference running beside others in the same process uses a session with its share of intra_op_num_threads (_infer).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .artifact import STYLE_SHAPE, ArtifactError, VoiceArtifact, load_voice_ref
from .base import BaseEngine, StockVoice, SynthesisResult, VoiceNotFound, VoiceRef

logger = logging.getLogger(__name__)

ENGINE_REVISION = "1"  # bump when this module's output changes for the same model, voice and text
MODEL_NAME = "kokoro-82m-v1.0-int8"
SAMPLE_RATE = 24000
MAX_TOKENS = 510
SPEED_RANGE = (0.5, 2.0)
STOCK_NAME = re.compile(r"^[a-z]{2}_[a-z0-9]+$")
_UNSPOKEN = frozenset(';:,.!?—…"()“” ')  # vocabulary symbols that are not sounds

# Voices whose language our G2P reads, by the first letter of the name (Kokoro's convention).
_LANGUAGE_OF_PREFIX = {"a": ("en", "American English"), "b": ("en", "British English"), "z": ("zh", "Mandarin")}

_sessions: dict[tuple, object] = {}
_sessions_lock = threading.Lock()
_inferences_running = 0
_inferences_lock = threading.Lock()


@contextmanager
def _inference_slot():
    """Counts the inferences of this process running at once; yields how many there are with this one."""
    global _inferences_running
    with _inferences_lock:
        _inferences_running += 1
        running = _inferences_running
    try:
        yield running
    finally:
        with _inferences_lock:
            _inferences_running -= 1


_hashes: dict[tuple, str] = {}
_tables: dict[tuple, np.ndarray] = {}
_cache_lock = threading.Lock()


def model_path(name: str) -> Path:
    """Where a model asset is: "kokoro-model" (the ONNX file) or "kokoro-voices" (the folder of <name>.bin).
    Raises voices.assets.ModelAssetMissing (naming the command to run) when it is not installed."""
    from ..assets import model_path as asset_path

    return Path(asset_path(name))


@dataclass(frozen=True)
class _Voice:
    table: np.ndarray  # [510, 1, 256] float32
    english: str  # "en-us" / "en-gb": accent of English text
    version: str
    artifact: VoiceArtifact | None = None


def _file_key(path: Path) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _sha256(path: Path) -> str:
    key = _file_key(path)
    with _cache_lock:
        if key in _hashes:
            return _hashes[key]
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    with _cache_lock:
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


class KokoroEngine(BaseEngine):
    name = "kokoro"
    sample_rate = SAMPLE_RATE
    languages = ("zh", "en", "mixed")

    def __init__(
        self,
        model_dir: str | os.PathLike | None = None,
        intra_op_num_threads: int = 2,
        inter_op_num_threads: int = 1,
        sentence_pause: float = 0.3,
        clause_pause: float = 0.1,
        allow_spinning: bool = False,
    ):
        self.model_dir = Path(model_dir) if model_dir else None
        self.intra_op_num_threads = int(intra_op_num_threads)
        self.inter_op_num_threads = int(inter_op_num_threads)
        self.sentence_pause = float(sentence_pause)
        self.clause_pause = float(clause_pause)
        self.allow_spinning = bool(allow_spinning)
        self._paths: dict[str, Path] = {}

    # -- assets ----------------------------------------------------------------------------------------------------
    def _asset(self, name: str, relative: str) -> Path:
        if self.model_dir:
            return self.model_dir / relative
        from ..app_settings import app_settings

        key = f"{name}|{app_settings.MODELS_DIR}"  # resolved once per setting: model_path stats every voice file
        if key not in self._paths:
            self._paths[key] = model_path(name)
        return self._paths[key]

    @property
    def model_file(self) -> Path:
        return self._asset("kokoro-model", "kokoro-v1.0.int8.onnx")

    @property
    def voices_dir(self) -> Path:
        return self._asset("kokoro-voices", "voices")

    def _session(self, intra_op_num_threads: int | None = None):
        path = self.model_file
        intra = intra_op_num_threads or self.intra_op_num_threads
        key = (str(path), intra, self.inter_op_num_threads, self.allow_spinning)
        with _sessions_lock:
            session = _sessions.get(key)
            if session is None:
                import onnxruntime as ort

                if not path.is_file():
                    raise FileNotFoundError(f"Kokoro model not found at {path}; run `manage.py models_install`")
                options = ort.SessionOptions()
                options.intra_op_num_threads = intra
                options.inter_op_num_threads = self.inter_op_num_threads
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                spinning = "1" if self.allow_spinning else "0"
                options.add_session_config_entry("session.intra_op.allow_spinning", spinning)
                options.add_session_config_entry("session.inter_op.allow_spinning", spinning)
                session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
                _sessions[key] = session
            return session

    @staticmethod
    def _vocab() -> dict[str, int]:
        from kokoro_onnx.config import DEFAULT_VOCAB

        return DEFAULT_VOCAB

    def load(self) -> None:
        """Load the model now (otherwise the first synthesis does)."""
        self._session()

    # -- versions --------------------------------------------------------------------------------------------------
    @property
    def engine_version(self) -> str:
        from ..g2p import G2P_VERSION

        return (
            f"{MODEL_NAME}:{_sha256(self.model_file)[:16]}:g2p{G2P_VERSION}:r{ENGINE_REVISION}"
            f":pause{self.sentence_pause:g}/{self.clause_pause:g}"
        )

    def voice_version(self, voice: VoiceRef) -> str:
        return self._voice(voice).version

    # -- voices ----------------------------------------------------------------------------------------------------
    def stock_voices(self) -> list[StockVoice]:
        voices = []
        for path in sorted(self.voices_dir.glob("*.bin")):
            name = path.stem
            if not STOCK_NAME.match(name) or name[0] not in _LANGUAGE_OF_PREFIX:
                continue  # Japanese, Hindi, ... voices: no G2P for their languages here
            language, language_label = _LANGUAGE_OF_PREFIX[name[0]]
            gender = "female" if name[1] == "f" else "male"
            label = f"{name[3:].replace('_', ' ').title()} ({language_label}, {gender})"
            voices.append(StockVoice(name=name, language=language, gender=gender, label=label))
        return voices

    def _stock_table(self, name: str) -> tuple[np.ndarray, str]:
        path = self.voices_dir / f"{name}.bin"
        if not path.is_file():
            raise VoiceNotFound(f"No stock voice {name!r} in {self.voices_dir}")
        key = _file_key(path)
        with _cache_lock:
            table = _tables.get(key)
        if table is None:
            table = np.fromfile(path, dtype=np.float32)
            if table.size != np.prod(STYLE_SHAPE):
                raise VoiceNotFound(f"{path} is not a [510, 1, 256] float32 style table")
            table = table.reshape(STYLE_SHAPE)
            with _cache_lock:
                _tables[key] = table
        return table, f"stock:{name}:{_sha256(path)[:16]}"

    def _voice(self, voice: VoiceRef) -> _Voice:
        if isinstance(voice, str) and STOCK_NAME.match(voice):
            table, version = self._stock_table(voice)
            return _Voice(table, "en-gb" if voice.startswith("b") else "en-us", version)
        try:
            artifact = load_voice_ref(voice)
        except (ArtifactError, OSError) as exc:
            raise VoiceNotFound(f"No stock voice and no voice artifact {voice!r}: {exc}") from exc
        if artifact is None:
            raise VoiceNotFound(f"No stock voice {voice!r}")
        if artifact.engine != self.name or artifact.style is None:
            raise VoiceNotFound(f"The voice artifact is for engine {artifact.engine!r}, not a Kokoro style table")
        # An artifact's conversion data (conversion_kind) is not applied here: voices.synthesis applies it to any
        # engine's output (voices.conversion.apply).
        english = "en-gb" if artifact.base_voice.startswith("b") else "en-us"
        return _Voice(artifact.style, english, f"artifact:{artifact.content_hash()[:16]}", artifact)

    # -- synthesis -------------------------------------------------------------------------------------------------
    def _infer(self, tokens: list[int], table: np.ndarray, speed: float) -> np.ndarray:
        style = table[min(len(tokens), MAX_TOKENS - 1)]  # [1, 256]
        inputs = {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": np.asarray(style, dtype=np.float32),
            "speed": np.array([speed], dtype=np.float32),
        }
        with _inference_slot() as alongside:
            # Alone, an inference gets intra_op_num_threads; beside others (a rendering synthesizing sentences at
            # once, a preview during a render) each gets its share. Concurrent runs of one session share its thread
            # pool and wait on each other: on 2 cores two 1-thread inferences measured RTF 0.26-0.27 against
            # 0.31-0.37 for one 2-thread inference at a time and 0.28 for two sharing a 2-thread session. The
            # second session costs ~150 MB of memory (the first ~320 MB).
            session = self._session(max(1, self.intra_op_num_threads // alongside))
            return np.asarray(session.run(None, inputs)[0], dtype=np.float32).reshape(-1)

    def _speak(self, phonemes: str, table: np.ndarray, speed: float) -> np.ndarray:
        from kokoro_onnx.chunker import pause_after, split_phonemes
        from kokoro_onnx.trim import trim

        vocab = self._vocab()
        known = "".join(p for p in phonemes if p in vocab)
        parts = []
        batches = split_phonemes(known, MAX_TOKENS)
        for index, batch in enumerate(batches):
            if _UNSPOKEN.issuperset(batch):
                continue
            tokens = [vocab[p] for p in batch]
            audio, _ = trim(self._infer(tokens, table, speed))
            parts.append(audio)
            if index < len(batches) - 1:
                pause = pause_after(batch, self.sentence_pause, self.clause_pause)
                parts.append(np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def synthesize_sentences(
        self, sentences: Iterable[str], voice: VoiceRef, language: str = "auto", speed: float = 1.0
    ) -> Iterator[SynthesisResult]:
        from ..g2p import phonemize

        if not SPEED_RANGE[0] <= speed <= SPEED_RANGE[1]:
            raise ValueError(f"speed must be within {SPEED_RANGE}, got {speed}")
        resolved = self._voice(voice)
        sentences = [s.strip() for s in sentences if s and s.strip()]
        pause = np.zeros(int(self.sentence_pause * SAMPLE_RATE), dtype=np.float32)
        for index, sentence in enumerate(sentences):
            phonemes = phonemize(sentence, language, english=resolved.english)
            if _UNSPOKEN.issuperset(phonemes):
                continue
            audio = self._speak(phonemes, resolved.table, speed)
            if index < len(sentences) - 1:
                audio = np.concatenate([audio, pause])
            yield SynthesisResult(
                audio=np.clip(audio, -1.0, 1.0), sample_rate=SAMPLE_RATE, text=sentence, phonemes=phonemes
            )
