"""reading_verify with the real models on real speech (Kokoro voices): what it accepts and what it refuses."""

import datetime
import io
import json

import numpy as np
import pytest
import soundfile as sf
from django.core.management import call_command
from speech_fixtures import clipped_wav, copy_of, noise_wav, silence_wav, wav_of, with_silence

from voices import audio as audio_utils
from voices.services.verification import History, Timing, reading_verify, speakers_agree

pytestmark = [pytest.mark.models, pytest.mark.slow]


def failed(verdict):
    return [c.code for c in verdict.checks if c.ok is False]


@pytest.fixture(scope="module")
def zh_verdict(zh_clip, distractors):
    return reading_verify(wav_of(zh_clip), expected_text=zh_clip.text, language="zh", distractors=distractors["zh"])


def test_right_chinese_text_is_accepted(zh_verdict, zh_clip):
    assert zh_verdict.accepted, zh_verdict.reasons
    assert zh_verdict.text.pinyin_error <= 0.1 and zh_verdict.forced_score > -1.5
    assert zh_verdict.audio.sample_rate == zh_clip.sample_rate and len(zh_verdict.audio.sha256) == 64
    assert zh_verdict.speech_seconds > 1.5 and zh_verdict.embedding is not None
    codes = [c["code"] for c in zh_verdict.reasons]
    assert codes == ["no_challenge"]  # liveness needs a challenge: skipped, and said so


def test_right_english_text_is_accepted(en_clip, distractors):
    verdict = reading_verify(with_silence(en_clip), expected_text=en_clip.text, distractors=distractors["en"])
    assert verdict.language == "en" and verdict.accepted, verdict.reasons
    assert verdict.text.unit_error_rate <= 0.1


def test_another_sentence_is_rejected(zh_clip, distractors):
    verdict = reading_verify(wav_of(zh_clip), expected_text="我们明天早上八点在图书馆见面。", language="zh",
                             distractors=distractors["zh"])
    assert not verdict.accepted
    assert {"text_mismatch", "forced_low"} <= set(failed(verdict))
    mismatch = next(c for c in verdict.checks if c.code == "text_mismatch")
    assert "We heard" in mismatch.en and "我们听到" in mismatch.zh


def test_a_near_miss_is_rejected(zh_clip, distractors):
    changed = "今天天鸟很好，我们去山园散鱼吧。"  # 3 of 14 characters changed (气->鸟, 公->山, 步->鱼)
    verdict = reading_verify(wav_of(zh_clip), expected_text=changed, language="zh", distractors=distractors["zh"])
    assert not verdict.accepted, verdict.scores()
    assert "forced_words_differ" in failed(verdict) and verdict.mismatch_evidence > 18


@pytest.mark.parametrize("make,code", [
    (lambda clip: silence_wav(), "no_speech"),
    (lambda clip: noise_wav(), "no_speech"),
    (clipped_wav, "clipped"),
])
def test_silence_noise_and_clipping_are_rejected(zh_clip, distractors, make, code):
    verdict = reading_verify(make(zh_clip), expected_text=zh_clip.text, language="zh", distractors=distractors["zh"])
    assert not verdict.accepted and code in failed(verdict)


def test_replays_are_rejected(zh_clip, zh_verdict, distractors):
    history = History(sha256s=frozenset({zh_verdict.audio.sha256}), fingerprints=(zh_verdict.fingerprint,))
    exact = reading_verify(wav_of(zh_clip), expected_text=zh_clip.text, language="zh",
                           distractors=distractors["zh"], history=history)
    assert failed(exact) == ["replay_exact"]
    near = reading_verify(copy_of(zh_clip), expected_text=zh_clip.text, language="zh",
                          distractors=distractors["zh"], history=History(fingerprints=(zh_verdict.fingerprint,)))
    assert failed(near) == ["replay_near"] and near.fingerprint_distance < 0.33


def test_another_voice_is_rejected(zh_clip_2, zh_verdict, distractors):
    history = History(embeddings=(zh_verdict.embedding,))
    verdict = reading_verify(wav_of(zh_clip_2), expected_text=zh_clip_2.text, language="zh",
                             distractors=distractors["zh"], history=history)
    assert failed(verdict) == ["speaker_mismatch"], verdict.reasons
    assert verdict.speaker_similarity < 0.8
    same, scores = speakers_agree([zh_verdict.embedding, verdict.embedding])
    assert not same and len(scores) == 2


def test_timing_must_fit_between_showing_and_receiving(zh_clip, distractors):
    now = datetime.datetime.now(datetime.UTC)
    data = wav_of(zh_clip)
    seconds = zh_clip.seconds
    too_fast = reading_verify(data, expected_text=zh_clip.text, language="zh", distractors=distractors["zh"],
                              timing=Timing(now - datetime.timedelta(seconds=seconds / 3), now))
    assert failed(too_fast) == ["timing_too_fast"]
    too_late = reading_verify(data, expected_text=zh_clip.text, language="zh", distractors=distractors["zh"],
                              timing=Timing(now - datetime.timedelta(minutes=10), now))
    assert failed(too_late) == ["timing_too_late"]
    live = reading_verify(data, expected_text=zh_clip.text, language="zh", distractors=distractors["zh"],
                          timing=Timing(now - datetime.timedelta(seconds=seconds + 2), now))
    assert live.accepted and live.timing["elapsed"] == pytest.approx(seconds + 2, abs=0.01)


@pytest.mark.parametrize("make,code,words", [
    (lambda: b"this is not audio at all", "format", "not a readable audio file"),
    (lambda: audio_utils.wav_bytes(np.zeros(8000 * 3, np.float32), 8000), "sample_rate", "8000 Hz"),
    (lambda: audio_utils.wav_bytes(np.zeros(16000 * 31, np.float32), 16000), "format", "too long"),
    (lambda: audio_utils.wav_bytes(np.zeros(4000, np.float32), 16000), "too_short", "too short"),
])
def test_format_errors_are_clear(make, code, words):
    verdict = reading_verify(make(), expected_text="今天天气很好。", language="zh")
    assert not verdict.accepted and failed(verdict)[0] == code
    assert words in verdict.reasons[0]["en"] and verdict.reasons[0]["zh"]


def test_too_many_channels():
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((16000 * 2, 3), np.float32), 16000, format="WAV", subtype="PCM_16")
    verdict = reading_verify(buffer.getvalue(), expected_text="今天天气很好。", language="zh")
    assert failed(verdict) == ["channels"]


def test_verify_reading_command(zh_clip, zh_clip_2, en_clip, capsys):
    call_command("verify_reading", "--clip", str(zh_clip.path), zh_clip.text, "--clip", str(zh_clip_2.path),
                 zh_clip_2.text, "--clip", str(zh_clip.path), zh_clip.text, "--json")
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"clips", "same_speaker", "speaker_scores", "accepted"}
    first, second, replay = result["clips"]
    assert {"file", "accepted", "reasons", "transcript", "cer", "pinyin_error", "forced_score",
            "speech_seconds"} <= set(first)
    assert first["accepted"] and second["accepted"] and first["pinyin_error"] == 0.0
    assert "no_challenge" in [r["code"] for r in first["reasons"]]
    assert not replay["accepted"] and "replay_exact" in [r["code"] for r in replay["reasons"]]
    assert result["same_speaker"] is False and result["accepted"] is False  # two different voices
    call_command("verify_reading", "--clip", str(en_clip.path), en_clip.text, "--language", "en")
    assert "ACCEPTED" in capsys.readouterr().out


@pytest.mark.parametrize("concurrency, expected_overlap", [(1, 1), (2, 2)])
def test_verifications_take_turns_at_the_models(zh_clip, en_clip, distractors, settings, concurrency,
                                                expected_overlap):
    """VERIFICATION_CONCURRENCY readings are verified at once per process; the rest wait for a turn."""
    import threading
    import time

    from voices.backends.loading import load_backend

    settings.VOICES = {**settings.VOICES, "VERIFICATION_CONCURRENCY": concurrency}
    asr = load_backend("ASR")
    real_transcribe = asr.transcribe
    inside, overlap, lock = [0], [0], threading.Lock()

    def transcribe_slowly(*args, **kwargs):  # the real recognizer, held long enough for the threads to meet
        with lock:
            inside[0] += 1
            overlap[0] = max(overlap[0], inside[0])
        try:
            time.sleep(0.5)
            return real_transcribe(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    asr.transcribe = transcribe_slowly
    try:
        verdicts = [None, None]

        def verify(slot, clip, language):
            verdicts[slot] = reading_verify(wav_of(clip), expected_text=clip.text, language=language,
                                            distractors=distractors[language])

        threads = [threading.Thread(target=verify, args=(0, zh_clip, "zh")),
                   threading.Thread(target=verify, args=(1, en_clip, "en"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        del asr.transcribe  # back to the class's method
    assert all(v is not None and v.accepted for v in verdicts), [v and v.reasons for v in verdicts]
    assert overlap[0] == expected_overlap
