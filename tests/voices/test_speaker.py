import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voices.backends.loading import load_backend
from voices.backends.speaker.base import BaseSpeakerEncoder, cosine
from voices.backends.speaker.resemblyzer_encoder import ResemblyzerEncoder


def test_backends_import_no_model_library():
    """torch / faster-whisper / resemblyzer load with the first model use, not with the backend modules."""
    code = ("import sys, voices.backends.asr.whisper, voices.backends.vad.webrtc, "
            "voices.backends.speaker.resemblyzer_encoder, voices.assets, voices.audio; "
            "print(sorted({'torch', 'faster_whisper', 'ctranslate2', 'resemblyzer', 'webrtcvad'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_cosine():
    assert cosine(np.array([1.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert cosine(np.array([1.0, 0.0]), np.array([0.0, 3.0])) == pytest.approx(0.0)
    assert cosine(np.zeros(3), np.ones(3)) == 0.0


@pytest.fixture(scope="module")
def encoder():
    backend = load_backend("SPEAKER_ENCODER")
    assert isinstance(backend, ResemblyzerEncoder) and isinstance(backend, BaseSpeakerEncoder)
    assert ResemblyzerEncoder(torch_threads=1)._encoder is None  # a new instance loads its model on first use only
    return backend


@pytest.mark.models
def test_same_voice_is_closer_than_another_voice(encoder, kokoro):
    same_1 = kokoro.say("The quick brown fox jumps over the lazy dog.", "af_heart", "en")
    same_2 = kokoro.say("Please call Stella and ask her to bring these things.", "af_heart", "en")
    other = kokoro.say("Please call Stella and ask her to bring these things.", "am_michael", "en")
    e1, e2, e3 = (encoder.embed(c.audio, c.sample_rate) for c in (same_1, same_2, other))
    for e in (e1, e2, e3):
        assert e.shape == (256,) and e.dtype == np.float32 and np.linalg.norm(e) == pytest.approx(1.0, abs=1e-5)
    same, different = encoder.similarity(e1, e2), encoder.similarity(e2, e3)
    assert same > 0.8 and different < same - 0.1, (same, different)


@pytest.mark.models
def test_mandarin_voices_and_sample_rate_independence(encoder, zh_clip, zh_clip_2):
    from voices import audio

    a = encoder.embed(zh_clip.audio, zh_clip.sample_rate)
    a48 = encoder.embed(audio.resample(zh_clip.audio, zh_clip.sample_rate, 48000), 48000)
    b = encoder.embed(zh_clip_2.audio, zh_clip_2.sample_rate)  # another speaker (zm_yunxi)
    assert encoder.similarity(a, a48) > 0.97
    assert encoder.similarity(a, b) < encoder.similarity(a, a48) - 0.1
    both = encoder.embed_many([(zh_clip.audio, zh_clip.sample_rate), (zh_clip_2.audio, zh_clip_2.sample_rate)])
    assert np.linalg.norm(both) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.models
def test_silent_or_tiny_clips_are_refused(encoder):
    with pytest.raises(ValueError, match="silent"):
        encoder.embed(np.zeros(16000, np.float32), 16000)
    with pytest.raises(ValueError, match="too short"):
        encoder.embed(np.full(800, 0.1, np.float32), 16000)
