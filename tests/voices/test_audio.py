import io

import numpy as np
import pytest
import soundfile as sf

from voices import audio


def tone(seconds=0.5, rate=16000, freq=440.0, amplitude=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("OGG", "VORBIS")])
def test_read_audio_formats_from_bytes_path_and_file(tmp_path, fmt, subtype):
    x = tone(rate=22050)
    path = tmp_path / f"a.{fmt.lower()}"
    sf.write(path, x, 22050, format=fmt, subtype=subtype)
    with open(path, "rb") as opened:
        sources = [path, str(path), path.read_bytes(), io.BytesIO(path.read_bytes()), opened]
        decoded = [audio.read_audio(source) for source in sources]
    for y, rate in decoded:
        assert rate == 22050 and y.dtype == np.float32 and y.ndim == 1
        assert abs(len(y) - len(x)) < 50
        assert abs(audio.rms_dbfs(y) - audio.rms_dbfs(x)) < 0.5


def test_stereo_is_mixed_to_mono():
    left, right = tone(freq=300), tone(freq=300, amplitude=0.1)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([left, right], axis=1), 16000, format="WAV", subtype="FLOAT")
    y, _ = audio.read_audio(buffer.getvalue())
    np.testing.assert_allclose(y, (left + right) / 2, atol=1e-6)


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"this is not audio at all" * 20, "not a readable audio file"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a readable audio file"),
])
def test_read_audio_rejects_garbage_and_empty(data, message):
    with pytest.raises(audio.AudioFormatError, match=message):
        audio.read_audio(data)


def test_read_audio_rejects_a_wav_without_samples():
    with pytest.raises(audio.AudioFormatError, match="no audio samples"):
        audio.read_audio(audio.wav_bytes(np.zeros(0, np.float32), 16000))


def test_read_audio_limits_duration_and_size():
    data = audio.wav_bytes(np.zeros(16000 * 3, np.float32), 16000)  # 3 s, 96 kB
    with pytest.raises(audio.AudioFormatError, match=r"too long \(3.0 s; at most 2 s\)"):
        audio.read_audio(data, max_seconds=2)
    with pytest.raises(audio.AudioFormatError, match="too big"):
        audio.read_audio(data, max_bytes=10_000)
    assert audio.read_audio(data, max_seconds=None, max_bytes=None)[0].shape == (48000,)


def test_read_audio_rejects_nan():
    with pytest.raises(audio.AudioFormatError, match="invalid samples"):
        audio.read_audio(audio.wav_bytes(np.array([0.0, np.nan, 0.1], np.float32), 16000, subtype="FLOAT"))


def test_resample_pcm16_and_write_wav(tmp_path):
    x = tone(seconds=1.0, rate=44100)
    y = audio.resample(x, 44100, 16000)
    assert y.dtype == np.float32 and abs(len(y) - 16000) <= 1
    assert audio.resample(x, 16000, 16000) is x
    pcm = audio.to_pcm16_bytes(np.array([0.0, 1.0, -1.0, 2.0], np.float32))
    assert np.frombuffer(pcm, "<i2").tolist() == [0, 32767, -32767, 32767]
    audio.write_wav(tmp_path / "out.wav", y, 16000)
    info = sf.info(tmp_path / "out.wav")
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")


def test_levels():
    x = tone(amplitude=1.0)
    assert audio.rms_dbfs(x) == pytest.approx(-3.01, abs=0.05)
    assert audio.rms_dbfs(np.zeros(100, np.float32)) == audio.SILENCE_DBFS
    assert audio.peak(x) == pytest.approx(1.0, abs=1e-3)
    assert audio.clipping_ratio(tone(amplitude=0.5)) == 0.0
    clipped = np.clip(tone(amplitude=4.0), -1, 1)
    assert audio.clipping_ratio(clipped) > 0.5
