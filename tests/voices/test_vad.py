import numpy as np
import pytest

from voices import audio
from voices.backends.loading import load_backend
from voices.backends.vad.base import VadResult
from voices.backends.vad.webrtc import WebRtcVAD, smooth


@pytest.fixture(scope="module")
def vad():
    return load_backend("VAD")


def padded(clip, before=0.6, after=0.6):
    rate = clip.sample_rate
    silence = np.zeros
    return np.concatenate([silence(int(before * rate), np.float32), clip.audio, silence(int(after * rate), np.float32)])


def test_default_backend_is_webrtc(vad):
    assert isinstance(vad, WebRtcVAD) and vad.aggressiveness == 2 and vad.frame_ms == 30


def test_silence_has_no_speech(vad):
    result = vad.analyze(np.zeros(48000, np.float32), 48000)
    assert isinstance(result, VadResult)
    assert result.speech_seconds == 0 and result.speech_ratio == 0 and result.trimmed is None and not result.has_speech
    assert result.level_dbfs == audio.SILENCE_DBFS and result.peak == 0 and result.snr_db is None
    assert result.total_seconds == pytest.approx(1.0)


@pytest.mark.parametrize("amplitude", [0.01, 0.1, 0.3])
def test_white_noise_is_mostly_not_speech(vad, amplitude):
    noise = np.random.default_rng(1).normal(0, amplitude, 16000 * 2).astype(np.float32)
    assert vad.analyze(noise, 16000).speech_ratio < 0.1


def test_empty_and_tiny_inputs(vad):
    assert vad.analyze(np.zeros(0, np.float32), 16000).total_seconds == 0
    assert vad.analyze(np.zeros(100, np.float32), 16000).speech_seconds == 0


def test_smoothing_bridges_short_pauses_and_drops_blips():
    flags = np.array([0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0], dtype=bool)
    out = smooth(flags, hangover=3, min_speech=2)
    assert out.tolist() == [False] + [True] * 10 + [False] * 8


def test_bad_options():
    with pytest.raises(ValueError):
        WebRtcVAD(aggressiveness=4)
    with pytest.raises(ValueError):
        WebRtcVAD(frame_ms=25)


@pytest.mark.models
@pytest.mark.parametrize("rate", [24000, 44100, 48000, 16000])
def test_speech_is_found_and_trimmed_at_any_rate(vad, en_clip, rate):
    x = audio.resample(padded(en_clip), en_clip.sample_rate, rate)
    result = vad.analyze(x, rate)
    speech = en_clip.seconds
    assert result.total_seconds == pytest.approx(speech + 1.2, abs=0.01)
    assert speech * 0.75 < result.speech_seconds <= speech + 0.1
    assert len(result.speech_segments) == 1  # short pauses between words are bridged
    start, end = result.trimmed
    assert 0.5 <= start <= 0.9 and 0.6 + speech - 0.4 <= end <= 0.6 + speech + 0.1
    assert result.snr_db > 30 and -30 < result.level_dbfs < -6 and result.clipping_ratio == 0


@pytest.mark.models
def test_noisy_speech_and_clipping(vad, zh_clip):
    x = padded(zh_clip)
    rng = np.random.default_rng(2)
    noisy = x + rng.normal(0, 0.01, len(x)).astype(np.float32)
    result = vad.analyze(noisy, zh_clip.sample_rate)
    assert result.speech_ratio > 0.5 and 8 < result.snr_db < 35

    clipped = np.clip(x * 10, -1, 1)
    result = vad.analyze(clipped, zh_clip.sample_rate)
    assert result.clipping_ratio > 0.01 and result.peak == pytest.approx(1.0)
    assert vad.analyze(x, zh_clip.sample_rate).clipping_ratio == 0
