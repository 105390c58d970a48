"""Fixtures of the enrollment tests: an author with published articles, and readings of their sentences.

Speech comes from the `kokoro` session fixture of tests/voices/conftest.py (Kokoro stock voices): a challenge
sentence is synthesised when a test needs it, so every reading is real speech of exactly the words shown.
Test modules import the helpers (`from speech_fixtures import publish_all, say`) and declare their own fixtures.
"""

import datetime

import numpy as np
from django.utils import timezone

from articles.models import Article
from voices import audio as audio_utils

# Plain sentences of 8-30 characters, no digits or links: every one of them is drawn as a challenge sentence.
ARTICLES_ZH = [
    ("清晨的河边", "清晨的城市还没有完全醒来。我沿着河边慢慢地走。风从水面吹过来，带着一点凉意。"
                 "\n\n卖早点的阿姨已经支起了小摊。她笑着问我要不要一碗热豆浆。"),
    ("朗读的习惯", "我每天晚上都会读一段文章给自己听。读出声音的时候，句子里的毛病会自己跳出来。"
                 "\n\n慢下来以后，你会听见标点的呼吸。好的文字也是写给耳朵的。"),
]
ARTICLES_EN = [
    ("Reading aloud", "I read every draft aloud before I publish it. Long sentences run out of breath in the middle. "
                      "A clumsy phrase makes the tongue stumble twice.\n\nListeners notice things that readers skim."),
]
ZH_VOICE = "zf_xiaoxiao"
OTHER_ZH_VOICE = "zm_yunxi"
EN_VOICE = "af_heart"


def publish(user, articles, language):
    now = timezone.now()
    return [Article.objects.create(author=user, title=title, body=body, language=language,
                                   status=Article.Status.PUBLISHED,
                                   published_at=now - datetime.timedelta(days=i + 1))
            for i, (title, body) in enumerate(articles)]


def publish_all(user):
    """Two Chinese articles and one English article, published by `user` (13 readable sentences)."""
    publish(user, ARTICLES_ZH, "zh")
    publish(user, ARTICLES_EN, "en")
    return user


def wav_of(clip) -> bytes:
    """The bytes of a WAV file of a Kokoro clip (as the browser uploads it: 16-bit PCM, the voice's own rate)."""
    return clip.path.read_bytes()


def say(kokoro, text: str, language: str, voice: str | None = None):
    voice = voice or (EN_VOICE if language == "en" else ZH_VOICE)
    return kokoro.say(text, voice, language)


def with_silence(clip, before: float = 0.4, after: float = 0.4) -> bytes:
    """The clip with a little silence around it, as a person pressing record then stop would give."""
    rate = clip.sample_rate
    x = np.concatenate([np.zeros(int(before * rate), np.float32), clip.audio, np.zeros(int(after * rate), np.float32)])
    return audio_utils.wav_bytes(x, rate)


def silence_wav(seconds: float = 3.0, rate: int = 48000) -> bytes:
    rng = np.random.default_rng(0)
    return audio_utils.wav_bytes((rng.normal(0, 1e-4, int(seconds * rate))).astype(np.float32), rate)


def noise_wav(seconds: float = 3.0, rate: int = 48000, level: float = 0.1) -> bytes:
    rng = np.random.default_rng(1)
    return audio_utils.wav_bytes((rng.normal(0, level, int(seconds * rate))).astype(np.float32), rate)


def clipped_wav(clip, gain: float = 30.0) -> bytes:
    return audio_utils.wav_bytes(np.clip(clip.audio * gain, -1.0, 1.0), clip.sample_rate)


def copy_of(clip) -> bytes:
    """The same audio re-encoded: resampled to 44.1 kHz, a little quieter, with faint noise (not byte-identical)."""
    x = audio_utils.resample(clip.audio * 0.7, clip.sample_rate, 44100)
    x = x + np.random.default_rng(2).normal(0, 1e-3, len(x)).astype(np.float32)
    return audio_utils.wav_bytes(x, 44100)
