import unicodedata

import jiwer
import numpy as np
import pytest

from voices import audio
from voices.assets import ModelAssetMissing
from voices.backends.asr.base import BaseASR, Transcript, base_language
from voices.backends.asr.whisper import FasterWhisperASR, normalize_candidate
from voices.backends.loading import load_backend


def normalized(text: str, language: str) -> str:
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text.lower())
    return "".join(text.split()) if language == "zh" else " ".join(text.split())


def cer(reference: str, hypothesis: str, language: str) -> float:
    return jiwer.cer(normalized(reference, language), normalized(hypothesis, language))


@pytest.fixture(scope="module")
def asr():
    backend = load_backend("ASR")
    try:
        assert backend.model is not None  # loads it
    except ModelAssetMissing as exc:
        pytest.skip(f"Whisper not installed: {exc}")
    return backend


def test_backend_shape_and_laziness(settings):
    settings.VOICES = {**settings.VOICES, "ASR": {"BACKEND": "voices.backends.asr.whisper.FasterWhisperASR",
                                                  "OPTIONS": {"beam_size": 2}}}
    backend = load_backend("ASR")
    assert isinstance(backend, FasterWhisperASR) and isinstance(backend, BaseASR)
    assert backend.beam_size == 2 and backend._model is None  # nothing loaded until first use
    assert load_backend("ASR") is backend
    assert base_language("zh-hans") == "zh" and base_language("EN_us") == "en"
    assert normalize_candidate("你好，世界！ ") == "你好,世界!"


@pytest.mark.models
def test_transcribes_english(asr, en_clip):
    transcript = asr.transcribe(en_clip.audio, en_clip.sample_rate, "en")
    assert isinstance(transcript, Transcript) and transcript.language == "en"
    assert cer(en_clip.text, transcript.text, "en") <= 0.05, transcript.text
    assert transcript.duration == pytest.approx(en_clip.seconds, abs=0.01)
    assert -1.0 < transcript.avg_logprob <= 0
    segment = transcript.segments[0]
    assert 0 <= segment.start < segment.end <= en_clip.seconds + 0.5


@pytest.mark.models
def test_transcribes_chinese_in_simplified_characters(asr, zh_clip, zh_clip_2):
    transcript = asr.transcribe(zh_clip.audio, zh_clip.sample_rate, "zh-hans")
    assert transcript.language == "zh"
    assert cer(zh_clip.text, transcript.text, "zh") <= 0.15, transcript.text
    other = zh_clip_2
    at_48k = audio.resample(other.audio, other.sample_rate, 48000)
    transcript = asr.transcribe(at_48k, 48000, "zh")
    assert cer(other.text, transcript.text, "zh") <= 0.15, transcript.text


@pytest.mark.models
def test_word_times(zh_clip):
    asr = FasterWhisperASR(word_timestamps=True)
    try:
        transcript = asr.transcribe(zh_clip.audio, zh_clip.sample_rate, "zh")
    except ModelAssetMissing as exc:
        pytest.skip(f"Whisper not installed: {exc}")
    words = transcript.words
    assert len(words) >= 5
    starts = [w.start for w in words]
    assert starts == sorted(starts) and words[-1].end <= zh_clip.seconds + 0.3
    assert "".join(w.text for w in words).startswith("今天")


@pytest.mark.models
def test_silence_gives_little_or_nothing(asr):
    assert asr.transcribe(np.zeros(100, np.float32), 16000, "en").text == ""


@pytest.mark.models
@pytest.mark.parametrize("language", ["en", "zh"])
def test_forced_score_ranks_the_right_sentence_first(asr, en_clip, zh_clip, distractors, language):
    clip = en_clip if language == "en" else zh_clip
    distractors = distractors[language]
    scores = asr.score_text(clip.audio, clip.sample_rate, language, [*distractors, clip.text])
    right, others = scores[-1], scores[:-1]
    assert right > -1.5, scores  # measured on real clips: right -0.14..-2.13, others <= -3.76
    assert max(others) < right - 1.5, scores
    assert asr.best_text(clip.audio, clip.sample_rate, language, [clip.text, *distractors])[0] == 0
    assert asr.score_text(clip.audio, clip.sample_rate, language, ["", "   "]) == [-np.inf, -np.inf]
    assert asr.score_text(clip.audio, clip.sample_rate, language, []) == []


@pytest.mark.models
def test_score_text_refuses_more_than_one_window(asr):
    with pytest.raises(ValueError, match="up to 30 s"):
        asr.score_text(np.zeros(16000 * 31, np.float32), 16000, "en", ["hello"])


def test_lazy_load_happens_once_across_threads(monkeypatch):
    import threading
    import time

    calls = []

    def slow_load(self):
        calls.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(FasterWhisperASR, "_load", slow_load)
    backend = FasterWhisperASR()
    models = []
    threads = [threading.Thread(target=lambda: models.append(backend.model)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len({id(m) for m in models}) == 1
