"""The PerTh watermark: everything voices.synthesis returns carries it, clean speech does not."""

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.management import call_command

from voices.backends.loading import load_backend
from voices.backends.watermark.base import BaseWatermark, WatermarkDetection
from voices.backends.watermark.perth_watermark import PerthWatermark

pytestmark = pytest.mark.models

# A real human recording (CMU ARCTIC a0007, 4 s, 16 kHz) that ships with pysptk.
ARCTIC = Path(__import__("pysptk").__file__).parent / "example_audio_data" / "arctic_a0007.wav"


@pytest.fixture(scope="module")
def watermark():
    from voices.assets import ModelAssetMissing

    backend = PerthWatermark()
    try:
        backend.load()
    except ModelAssetMissing as exc:
        pytest.skip(f"resemble-perth not installed: {exc}")
    return backend


@pytest.fixture(scope="module")
def engine():
    from voices.assets import ModelAssetMissing

    try:
        engine = load_backend("ENGINE")
        engine.model_file  # noqa: B018
    except ModelAssetMissing as exc:
        pytest.skip(f"Kokoro not installed: {exc}")
    return engine


@pytest.fixture(scope="module")
def human():
    if not ARCTIC.exists():
        pytest.skip("no real speech sample")
    audio, rate = sf.read(ARCTIC, dtype="float32")
    return audio, rate


def test_backend_from_settings():
    backend = load_backend("WATERMARK")
    assert isinstance(backend, PerthWatermark) and isinstance(backend, BaseWatermark)
    assert backend.threshold == 0.5
    assert backend.version.startswith("perth-implicit:resemble-perth-")


def test_synthesis_is_watermarked_and_raw_engine_output_is_not(engine, watermark):
    from voices.synthesis import render_version, synthesize_text

    marked = synthesize_text("你好，欢迎收听。", "zf_xiaoxiao", "zh")
    detection = watermark.detect(marked.audio, marked.sample_rate)
    assert isinstance(detection, WatermarkDetection)
    assert detection.present and detection.confidence > 0.99

    raw = engine.synthesize("你好，欢迎收听。", "zf_xiaoxiao", "zh")  # the engine itself does not watermark
    assert len(raw.audio) == len(marked.audio)
    clean = watermark.detect(raw.audio, raw.sample_rate)
    assert not clean.present and clean.confidence < 0.05

    version = render_version("zf_xiaoxiao")
    assert version.startswith(engine.engine_version) and "perth-implicit" in version


def test_stream_is_watermarked_per_sentence(engine, watermark):
    from voices.synthesis import synthesize_stream

    parts = list(synthesize_stream("Hello there. 你好，世界。", "af_heart"))
    assert [p.text for p in parts] == ["Hello there.", "你好，世界。"]
    assert all(watermark.detect(p.audio, p.sample_rate).present for p in parts)


def test_human_speech(watermark, human):
    audio, rate = human
    clean = watermark.detect(audio, rate)
    assert not clean.present and clean.confidence < 0.05
    marked = watermark.embed(audio, rate)
    assert marked.shape == audio.shape and marked.dtype == np.float32
    snr = 10 * np.log10(np.sum(audio**2) / np.sum((audio - marked) ** 2))
    assert snr > 10  # measured 15.8-16.3 dB: the mark sits under the speech below 2 kHz
    assert watermark.detect(marked, rate).present
    # survives 16-bit PCM and a resampling round trip
    import soxr

    pcm = np.round(marked * 32767).astype(np.float32) / 32767
    assert watermark.detect(soxr.resample(soxr.resample(pcm, rate, 24000), 24000, rate), rate).present


def test_long_audio_in_chunks(human):
    audio, rate = human
    chunked = PerthWatermark(chunk_s=1.5)  # 4 s of speech in three overlapping chunks
    marked = chunked.embed(audio, rate)
    assert marked.shape == audio.shape
    assert chunked.detect(marked, rate).present
    assert not chunked.detect(audio, rate).present


def test_silence_and_tiny_clips(watermark):
    assert watermark.detect(np.zeros(48000, np.float32), 24000) == WatermarkDetection(False, 0.0)
    assert watermark.detect(np.zeros(10, np.float32), 24000).confidence == 0.0
    assert watermark.embed(np.zeros(0, np.float32), 24000).shape == (0,)


def test_detect_watermark_command(engine, tmp_path, capsys, human):
    from voices.synthesis import synthesize_text

    result = synthesize_text("Hello.", "af_heart", "en")
    marked = tmp_path / "marked.wav"
    sf.write(marked, result.audio, result.sample_rate, subtype="PCM_16")
    call_command("detect_watermark", str(marked), "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["present"] is True and payload["confidence"] > 0.9 and payload["threshold"] == 0.5

    call_command("detect_watermark", str(ARCTIC))
    assert capsys.readouterr().out.startswith("absent (confidence 0.0")
