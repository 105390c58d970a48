"""Speech fixtures for the voices tests: real speech synthesized here with Kokoro (no recordings, no apt packages).

Kokoro-82M (the installed ONNX model and stock voices from VOICES["MODELS_DIR"]) speaks English through kokoro-onnx's
espeak-ng phonemizer (espeakng-loader ships the espeak data) and Chinese through misaki's G2P. Clips are made once
per session, on first use, and written as 24 kHz WAVs under a session temp folder. When the models are not
installed, the tests that need them are skipped with the ModelAssetMissing message (run models_install).
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from voices import audio as audio_utils
from voices.assets import ModelAssetMissing, model_path

# Short sentences (~2-3 s of speech) keep synthesis and recognition cheap on 2 cores.
EN_TEXT = "The quick brown fox jumps over the lazy dog."
EN_TEXT_2 = "Please call Stella and ask her to bring these things."
ZH_TEXT = "今天天气很好，我们去公园散步吧。"
ZH_TEXT_2 = "我们明天早上八点在图书馆见面。"
EN_DISTRACTORS = ["She sells sea shells by the sea shore.", "I would like a cup of coffee, please.",
                  "The meeting starts at nine tomorrow morning."]
ZH_DISTRACTORS = ["我喜欢吃苹果和香蕉。", "这个问题很难回答。", "明天早上八点开会。"]


@dataclass(frozen=True)
class Clip:
    path: Path
    audio: np.ndarray  # float32 mono
    sample_rate: int
    text: str
    voice: str
    language: str

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate


class KokoroSpeaker:
    """Synthesizes (text, voice) once per session; thread-safe, lazily loaded."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._tts = None
        self._g2p = None
        self._clips: dict[tuple[str, str], Clip] = {}
        self._lock = threading.Lock()

    def _load(self):
        from kokoro_onnx import Kokoro

        model = model_path("kokoro-model")
        voices_dir = model_path("kokoro-voices")
        # kokoro-onnx reads its voices from an .npz; the stock voices are raw float32 [510, 1, 256] tables.
        npz = self.folder / "voices.npz"
        np.savez(npz, **{p.stem: np.fromfile(p, dtype=np.float32).reshape(510, 1, 256)
                         for p in sorted(voices_dir.glob("*.bin"))})
        return Kokoro(str(model), str(npz))

    def _phonemes_zh(self, text: str) -> str:
        if self._g2p is None:
            from misaki import zh

            self._g2p = zh.ZHG2P()
        phonemes, _ = self._g2p(text)
        return phonemes

    def say(self, text: str, voice: str, language: str = "en") -> Clip:
        with self._lock:
            key = (text, voice)
            if key not in self._clips:
                if self._tts is None:
                    self._tts = self._load()
                if language == "zh":
                    samples, rate = self._tts.create(self._phonemes_zh(text), voice=voice, is_phonemes=True)
                else:
                    samples, rate = self._tts.create(text, voice=voice, lang="en-us")
                samples = audio_utils.to_mono(samples)
                path = self.folder / f"{voice}-{len(self._clips)}.wav"
                audio_utils.write_wav(path, samples, rate)
                audio, rate = audio_utils.read_audio(path)  # what a user upload would give (16-bit PCM)
                self._clips[key] = Clip(path, audio, rate, text, voice, language)
            return self._clips[key]


@pytest.fixture(scope="session")
def kokoro(tmp_path_factory):
    """The session's KokoroSpeaker; skips when the Kokoro model files are not installed."""
    try:
        model_path("kokoro-model")
        model_path("kokoro-voices")
    except ModelAssetMissing as exc:
        pytest.skip(f"Kokoro not installed: {exc}")
    return KokoroSpeaker(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="session")
def en_clip(kokoro) -> Clip:
    return kokoro.say(EN_TEXT, "af_heart", "en")


@pytest.fixture(scope="session")
def zh_clip(kokoro) -> Clip:
    return kokoro.say(ZH_TEXT, "zf_xiaoxiao", "zh")



@pytest.fixture(scope="session")
def zh_clip_2(kokoro) -> Clip:
    """Another sentence, another (male) Mandarin voice."""
    return kokoro.say(ZH_TEXT_2, "zm_yunxi", "zh")


@pytest.fixture(scope="session")
def distractors() -> dict[str, list[str]]:
    """Other sentences of the same language, for forced scoring."""
    return {"en": EN_DISTRACTORS, "zh": ZH_DISTRACTORS}


@pytest.fixture(scope="session")
def kokoro_engine():
    """The configured voice engine (Kokoro), loaded; skips when its model files are not installed."""
    import torch

    from voices.assets import ModelAssetMissing
    from voices.backends.loading import load_backend

    torch.set_num_threads(2)
    engine = load_backend("ENGINE")
    try:
        engine.load()
    except (FileNotFoundError, ModelAssetMissing) as exc:
        pytest.skip(f"Kokoro not installed: {exc}")
    return engine
