"""What the WebSocket streamer reads and starts: synchronous, database-facing helpers (called via
database_sync_to_async). Only small facts cross the channel layer; audio bytes are read from storage here."""

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from .adapter import get_article_adapter
from .app_settings import app_settings
from .models import Rendition, SentenceClip
from .storage import audio_storage


@dataclass(frozen=True)
class StreamAccess:
    allowed: bool
    reason: str = ""  # "not_found" or "forbidden"


def stream_access(article_id: str, user) -> StreamAccess:
    verdict = get_article_adapter().listen_permission(user, article_id)
    return StreamAccess(verdict == "ok", "" if verdict == "ok" else verdict)


@dataclass
class StreamStart:
    access: StreamAccess
    rendition: Rendition | None = None
    header: dict = field(default_factory=dict)
    clips: dict = field(default_factory=dict)  # key -> (storage name, duration), complete for a ready rendition
    header_text: str = ""  # the header as JSON, serialized once per ready rendition


class _LRU:
    """A small thread-safe LRU map bounded by a total weight (entries or bytes)."""

    def __init__(self, capacity: int, weigh=lambda value: 1):
        self.capacity, self.weigh, self.total = capacity, weigh, 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
            return None

    def put(self, key, value):
        weight = self.weigh(value)
        if weight > self.capacity:
            return
        with self.lock:
            if key in self.items:
                self.total -= self.weigh(self.items.pop(key))
            self.items[key] = value
            self.total += weight
            while self.total > self.capacity:
                _, old = self.items.popitem(last=False)
                self.total -= self.weigh(old)


class _Expiring(_LRU):
    """An _LRU whose entries are forgotten `seconds` after they were put."""

    def __init__(self, capacity: int, seconds: float):
        super().__init__(capacity)
        self.seconds = seconds

    def get(self, key):
        entry = super().get(key) if self.seconds > 0 else None
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key, value):
        if self.seconds > 0:
            super().put(key, (time.monotonic() + self.seconds, value))

    def clear(self):
        with self.lock:
            self.items.clear()
            self.total = 0


# A ready rendition never changes (an edit or a new voice makes a new one), so its header and clip map are cached
# per process; so are the bytes of recently streamed clips: many listeners of one article cost one read.
_ready_manifests = _LRU(256)
_clip_bytes = _LRU(64 * 1024 * 1024, weigh=len)
# Who may hear which ready rendition, for a few seconds (STREAM_START_CACHE_SECONDS): a crowd arriving at one
# article costs one permission check and one rendition lookup per person and process, not one each. An unpublished
# article or a suspended voice reaches new listeners that much later.
_recent_starts = _Expiring(4096, 0)


def listener_key(article_id: str, user) -> tuple:
    return article_id, (user.pk if user is not None and user.is_authenticated else None)


def recent_stream_start(article_id: str, user) -> StreamStart | None:
    """A listener's start from the last few seconds, without the database (safe on the event loop)."""
    _recent_starts.seconds = app_settings.STREAM_START_CACHE_SECONDS
    return _recent_starts.get(listener_key(article_id, user))


def forget_recent_starts() -> None:
    _recent_starts.clear()


def stream_start(article_id: str, user) -> StreamStart:
    """Everything a new listener needs, in one trip to the database thread."""
    access = stream_access(article_id, user)
    if not access.allowed:
        return StreamStart(access)
    rendition = rendition_for_listening(article_id)
    if rendition.status == Rendition.Status.READY:
        cached = _ready_manifests.get(rendition.uid)
        if cached is None:
            keys = [s["key"] for s in rendition.sentences]
            clips = {key: (name, duration) for key, name, duration in
                     SentenceClip.objects.filter(key__in=keys).values_list("key", "audio_name", "duration_seconds")}
            ready_header = header(rendition)
            cached = (ready_header, clips, json.dumps(ready_header, ensure_ascii=False))
            if len(clips) == len(set(keys)):
                _ready_manifests.put(rendition.uid, cached)
        start = StreamStart(access, rendition, *cached)
        if len(start.clips) == len({s["key"] for s in rendition.sentences}):
            _recent_starts.seconds = app_settings.STREAM_START_CACHE_SECONDS
            _recent_starts.put(listener_key(article_id, user), start)
        return start
    return StreamStart(access, rendition, header(rendition), {})


def rendition_for_listening(article_id: str) -> Rendition:
    """The current rendition, planned and queued now if the article has none (render-while-listening), and taken
    over if its worker went silent."""
    rendition = Rendition.objects.filter(article_id=article_id, is_current=True).first()
    if rendition is None:
        from .services.planning import rendition_plan

        rendition = rendition_plan(article_id)
    if needs_a_worker(rendition):
        from .tasks import build_rendition

        Rendition.objects.filter(pk=rendition.pk).update(status=Rendition.Status.QUEUED, heartbeat_at=timezone.now())
        rendition.status = Rendition.Status.QUEUED
        transaction.on_commit(partial(build_rendition.enqueue, rendition.pk))
    return rendition


def needs_a_worker(rendition: Rendition) -> bool:
    if rendition.status in (Rendition.Status.READY, Rendition.Status.SUPERSEDED, Rendition.Status.FAILED):
        return False
    if rendition.heartbeat_at is None:
        return True
    return (timezone.now() - rendition.heartbeat_at).total_seconds() > app_settings.RENDER_STALE_SECONDS


def header(rendition: Rendition) -> dict:
    clips = clip_durations([s["key"] for s in rendition.sentences])
    position, sentences = 0.0, []
    for sentence in rendition.sentences:
        duration = clips.get(sentence["key"])
        start = sentence.get("start", position if duration is not None else None)
        end = sentence.get("end", position + duration if duration is not None else None)
        sentences.append({"index": sentence["index"], "text": sentence["text"], "block": sentence["block"],
                          "char_start": sentence["char_start"], "char_end": sentence["char_end"],
                          "start": start, "end": end})
        if duration is not None and start is not None:
            position = start + duration
    return {
        "type": "header",
        "rendition": str(rendition.uid),
        "status": rendition.status,
        "codec": rendition.codec,
        "duration": rendition.duration_seconds,
        "voice_label": rendition.voice_label,
        "ai_generated": True,
        "sentences": sentences,
        "total": len(sentences),
        "ready": sum(1 for s in sentences if s["end"] is not None),
    }


def clip_durations(keys: list[str]) -> dict[str, float]:
    return dict(SentenceClip.objects.filter(key__in=keys).values_list("key", "duration_seconds"))


def clip_location(key: str) -> tuple[str, float] | None:
    """(storage name, duration) of a sentence's clip, or None while it is not rendered."""
    return SentenceClip.objects.filter(key=key).values_list("audio_name", "duration_seconds").first()


def cached_clip(name: str) -> bytes | None:
    return _clip_bytes.get(name)


def read_clip(name: str) -> bytes | None:
    """The clip's bytes: plain storage I/O, run off the database thread."""
    try:
        with audio_storage().open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    _clip_bytes.put(name, data)
    return data


def rendition_state(rendition_id: int) -> dict:
    rendition = Rendition.objects.filter(pk=rendition_id).values("status", "sentences_done", "error").first()
    return rendition or {"status": Rendition.Status.SUPERSEDED, "sentences_done": 0, "error": ""}
