"""Build a planned rendition: synthesize each sentence (or take it from the clip cache), then publish the file.

Crash-safe by construction: clips are stored under their content key before they are recorded, so a worker killed
mid-render leaves only finished clips behind and the next attempt resumes from them without duplicates; the
rendition's file is written under a fresh name and the row is marked READY in one transaction afterwards.

Up to READALOUD["RENDER_THREADS"] sentences are synthesized at once. The threads only compute audio (engine,
loudness, MP3); every database and storage call stays on the calling thread, in sentence order.
"""

import datetime
import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from voices.synthesis import synthesize_text

from ..app_settings import app_settings
from ..audio_encoding import EncodedClip, encode_mp3, id3_label, normalize_loudness, with_pause
from ..models import Rendition, SentenceClip
from ..storage import audio_storage, clip_name
from .voice_choice import resolve_voice

logger = logging.getLogger(__name__)

PRODUCER = "readaloud"


def cached_clip(sentence: dict) -> SentenceClip | None:
    existing = SentenceClip.objects.filter(key=sentence["key"]).first()
    if existing and audio_storage().exists(existing.audio_name):
        return existing
    return None


def clip_audio(sentence: dict, voice) -> EncodedClip:
    """The encoded audio of a planned sentence in a resolved voice: computation only, safe in any thread."""
    speech = synthesize_text(sentence["spoken"], voice=voice, language=sentence["language"])
    audio = normalize_loudness(speech.audio, speech.sample_rate)
    return encode_mp3(with_pause(audio, speech.sample_rate, sentence["pause_ms"]), speech.sample_rate)


def sentence_clip(sentence: dict, voice_ref: str) -> SentenceClip:
    """The cached clip of a planned sentence, synthesized now if it does not exist yet."""
    return cached_clip(sentence) or clip_store(sentence, voice_ref, clip_audio(sentence, resolve_voice(voice_ref)))


def clip_store(sentence: dict, voice_ref: str, encoded: EncodedClip) -> SentenceClip:
    """Store a synthesized clip and record it under its key. Two renderings may synthesize the same sentence at once
    (two articles sharing it): each writes its own file, the first row wins and the other file is removed."""
    storage = audio_storage()
    stored_name = storage.save(clip_name(sentence["key"]), ContentFile(encoded.data))  # a taken name gets a suffix
    fields = {"audio_name": stored_name, "voice_ref": voice_ref, "duration_seconds": encoded.duration_seconds,
              "sample_rate": encoded.sample_rate, "byte_size": len(encoded.data)}
    try:
        clip, created = SentenceClip.objects.get_or_create(key=sentence["key"], defaults=fields)
    except IntegrityError:
        clip, created = SentenceClip.objects.get(key=sentence["key"]), False
    if created:
        return clip
    if clip.audio_name != stored_name and storage.exists(clip.audio_name):
        storage.delete(stored_name)
        return clip
    # the recorded file was gone (erased, or its worker was killed between file and row): ours replaces it
    SentenceClip.objects.filter(pk=clip.pk).update(**fields)
    clip.refresh_from_db()
    return clip


def rendition_build(rendition_id: int, progress: Callable[[int, int], None] | None = None) -> Rendition:
    rendition = Rendition.objects.get(pk=rendition_id)
    if not rendition_claim(rendition):
        return Rendition.objects.get(pk=rendition_id)  # built, superseded, or being built by a live worker
    manifest, clips, position = [], [], 0.0
    total = len(rendition.sentences)
    threads = max(1, int(app_settings.RENDER_THREADS))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="readaloud-render") as pool:
        clips_in_order = _clips_in_order(rendition, pool, ahead=threads)
        for done, (sentence, clip) in enumerate(clips_in_order, start=1):
            if not Rendition.objects.filter(pk=rendition.pk, is_current=True).exists():
                clips_in_order.close()  # cancels what was not started yet; the pool waits for the rest
                Rendition.objects.filter(pk=rendition.pk).update(status=Rendition.Status.SUPERSEDED)
                return Rendition.objects.get(pk=rendition.pk)
            clips.append(clip)
            manifest.append({**sentence, "start": round(position, 3),
                             "end": round(position + clip.duration_seconds, 3)})
            position += clip.duration_seconds
            Rendition.objects.filter(pk=rendition.pk).update(sentences_done=done, heartbeat_at=timezone.now())
            if progress:
                progress(done, total)
    return rendition_publish(rendition, manifest, clips, position)


def rendition_claim(rendition: Rendition) -> bool:
    """Take the rendition for this worker: one build at a time. A queued or failed rendition can be taken; one being
    rendered only when its worker has shown no sign of life for RENDER_STALE_SECONDS (killed)."""
    now = timezone.now()
    stale_before = now - datetime.timedelta(seconds=app_settings.RENDER_STALE_SECONDS)
    claimable = (Q(status__in=[Rendition.Status.QUEUED, Rendition.Status.FAILED])
                 | Q(status=Rendition.Status.RENDERING, heartbeat_at__lt=stale_before)
                 | Q(status=Rendition.Status.RENDERING, heartbeat_at__isnull=True))
    claimed = Rendition.objects.filter(claimable, pk=rendition.pk, is_current=True).update(
        status=Rendition.Status.RENDERING, attempts=F("attempts") + 1, heartbeat_at=now, error="",
    )
    return bool(claimed)


def _clips_in_order(rendition: Rendition, pool: ThreadPoolExecutor, ahead: int) -> Iterator[tuple[dict, SentenceClip]]:
    """(sentence, clip) in sentence order; up to `ahead` missing clips are being synthesized in the pool meanwhile."""
    voice, synthesized = None, 0
    pending: deque[tuple[dict, SentenceClip | None, Future | None]] = deque()
    sentences = iter(rendition.sentences)
    try:
        while True:
            # The first missing sentence alone, at full speed: someone may be waiting to hear it (render-while-
            # listening); then `ahead` at once, for throughput.
            limit = ahead if synthesized else 1
            while sum(future is not None for _, _, future in pending) < limit:
                sentence = next(sentences, None)
                if sentence is None:
                    break
                clip = cached_clip(sentence)
                if clip is None and voice is None:
                    voice = resolve_voice(rendition.voice_ref)
                pending.append((sentence, clip, None if clip else pool.submit(clip_audio, sentence, voice)))
            if not pending:
                return
            sentence, clip, future = pending.popleft()
            if clip is None:
                clip = clip_store(sentence, rendition.voice_ref, future.result())
                synthesized += 1
            yield sentence, clip
    finally:
        for _, _, future in pending:
            if future is not None:
                future.cancel()


def rendition_publish(rendition: Rendition, manifest: list, clips: list[SentenceClip], duration: float) -> Rendition:
    storage = audio_storage()
    parts = [id3_label(title=rendition.title, voice_label=rendition.voice_label, producer=PRODUCER,
                       content_id=str(rendition.uid), language=rendition.language)]
    for clip in clips:
        with storage.open(clip.audio_name, "rb") as handle:
            parts.append(handle.read())
    data = b"".join(parts)
    name = storage.save(f"renditions/{rendition.article_id}/{rendition.uid}.mp3", ContentFile(data))
    with transaction.atomic():
        updated = Rendition.objects.filter(pk=rendition.pk, is_current=True).update(
            status=Rendition.Status.READY, audio_name=name, audio_bytes=len(data), sentences=manifest,
            duration_seconds=round(duration, 3), finished_at=timezone.now(), heartbeat_at=timezone.now(),
        )
    if not updated:  # superseded while we were assembling: the file is not served, so remove it
        storage.delete(name)
        Rendition.objects.filter(pk=rendition.pk).update(status=Rendition.Status.SUPERSEDED)
    rendition.refresh_from_db()
    logger.info("rendition %s of article %s: %s, %.1f s", rendition.pk, rendition.article_id, rendition.status,
                duration)
    return rendition
