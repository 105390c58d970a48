"""Renditions built from short tone clips, for tests of storage and streaming that need no speech model.

The speech pipeline itself is tested end to end elsewhere (test_rendering.py); these keep transport tests fast.
"""

import hashlib

import numpy as np
from django.core.files.base import ContentFile
from django.utils import timezone

from readaloud.audio_encoding import encode_mp3
from readaloud.models import Rendition, SentenceClip
from readaloud.storage import audio_storage, clip_name

SAMPLE_RATE = 24_000


def tone_clip(key: str, seconds: float = 1.0, hz: float = 220.0) -> SentenceClip:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    encoded = encode_mp3((0.2 * np.sin(2 * np.pi * hz * t)).astype(np.float32), SAMPLE_RATE)
    name = audio_storage().save(clip_name(key), ContentFile(encoded.data))
    return SentenceClip.objects.create(key=key, audio_name=name, duration_seconds=encoded.duration_seconds,
                                       sample_rate=SAMPLE_RATE, byte_size=len(encoded.data))


def planned_rendition(article, texts, *, status=Rendition.Status.QUEUED) -> Rendition:
    sentences = []
    for index, text in enumerate(texts):
        key = hashlib.sha256(f"{article.pk}|{text}".encode()).hexdigest()
        sentences.append({"index": index, "text": text, "spoken": text, "language": "zh", "block": index,
                          "char_start": 0, "char_end": len(text), "pause_ms": 300, "annotations": [], "key": key})
    return Rendition.objects.create(
        article_id=str(article.pk), author_id=article.author_id, title=article.title, language="zh",
        voice_ref="zf_xiaoxiao", voice_label="系统 AI 语音", engine_version="test-tones", content_hash="t" * 64,
        sentences=sentences, status=status, heartbeat_at=timezone.now(),  # as if a worker were rendering it
    )


def tone_rendition(article, texts, *, with_clips=None) -> Rendition:
    """A planned rendition whose first `with_clips` sentences (all by default) already have clips."""
    rendition = planned_rendition(article, texts)
    count = len(texts) if with_clips is None else with_clips
    for i, sentence in enumerate(rendition.sentences[:count]):
        tone_clip(sentence["key"], hz=200 + 40 * i)
    return rendition
