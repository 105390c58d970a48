"""WebSocket streaming of an article's audio: a JSON header, then one binary MP3 chunk per sentence.

Protocol (client-driven):
  client -> {"type": "play", "from": <sentence index>}   start (or restart) streaming at a sentence
  client -> {"type": "seek", "time": <seconds>}           restart at the sentence playing at that time
  client -> {"type": "next", "count": <n>}                 the client has room for n more chunks
  server -> {"type": "header", ...}                        codec, duration, sentence texts and timings
  server -> {"type": "chunk", "index", "start", "end", "bytes"} followed by one binary frame of that many bytes
  server -> {"type": "progress", "ready", "total"}        while the sentence asked for is still being rendered
  server -> {"type": "end"} | {"type": "error", "code", "message"}
"""

import asyncio
import json
import time
from functools import partial

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from . import streaming
from .app_settings import app_settings

CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 1009
CLOSE_POLICY = 1008
RENDER_POLL_SECONDS = 0.3


# Starts being looked up right now, per (article, person): a crowd that arrives before the first lookup
# has finished (and been cached for STREAM_START_CACHE_SECONDS) waits for that one lookup instead of each queueing its
# own on the single database thread (bench/streaming.py: 500 listeners at once).
_starts_in_flight: dict[tuple, asyncio.Future] = {}


async def shared_stream_start(article_id: str, user) -> streaming.StreamStart:
    start = streaming.recent_stream_start(article_id, user)
    if start is not None:
        return start
    loop = asyncio.get_running_loop()
    key = streaming.listener_key(article_id, user)
    pending = _starts_in_flight.get(key)
    if pending is None or pending.get_loop() is not loop:  # (another loop's: a test's, or a server's before a fork)
        pending = asyncio.ensure_future(database_sync_to_async(streaming.stream_start)(article_id, user))
        _starts_in_flight[key] = pending
        pending.add_done_callback(partial(_forget_start_in_flight, key))
    # shielded: one listener leaving must not cancel the lookup the others wait for
    return await asyncio.shield(pending)


def _forget_start_in_flight(key: tuple, done: asyncio.Future) -> None:
    if _starts_in_flight.get(key) is done:
        del _starts_in_flight[key]


class ArticleAudioConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send):
        """As AsyncConsumer.__call__, without a channel layer: listeners take nothing from it (render progress is read
        from the database), and a layer channel per listener is one more queue and task for each of a crowd of
        connections. With the client's messages as the only source they are awaited directly, not through
        await_many_dispatch's asyncio.wait per message."""
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def connect(self):
        self.article_id = str(self.scope["url_route"]["kwargs"]["article_id"])
        self.stream_task = None
        self.credits = 0
        self.credit_event = asyncio.Event()
        self.message_times = []
        start = await shared_stream_start(self.article_id, self.scope.get("user"))
        if not start.access.allowed:
            await self.close(code=CLOSE_NOT_FOUND if start.access.reason == "not_found" else CLOSE_FORBIDDEN)
            return
        await self.accept()
        self.rendition, self.header, self.clips = start.rendition, start.header, start.clips
        await self.send(text_data=start.header_text or json.dumps(self.header, ensure_ascii=False))

    async def dispatch(self, message):
        """As AsyncConsumer.dispatch, without its close_old_connections() before every message: a trip to the database
        thread per message, which a crowd of listeners queues on. This consumer reaches the database only through
        database_sync_to_async, which closes old connections around each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        """As AsyncWebsocketConsumer's, without its close_old_connections() trip to the database thread (see dispatch)
        and without groups (this consumer joins none)."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code):
        if getattr(self, "stream_task", None):
            self.stream_task.cancel()

    async def receive(self, text_data=None, bytes_data=None):
        if self.flooding():
            await self.send_error("too_many_messages", "Too many messages; slow down.")
            await self.close(code=CLOSE_POLICY)
            return
        if bytes_data is not None:
            await self.send_error("bad_request", "Binary messages are not accepted.")
            return
        if len(text_data.encode()) > app_settings.STREAM_MAX_MESSAGE_BYTES:
            await self.send_error("too_big", "Message too big.")
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text_data)
            kind = message["type"]
        except (ValueError, TypeError, KeyError):
            await self.send_error("bad_request", 'Expected JSON like {"type": "play", "from": 0}.')
            return
        handler = {"play": self.on_play, "seek": self.on_seek, "next": self.on_next}.get(kind)
        if handler is None:
            await self.send_error("bad_request", f"Unknown message type {kind!r}.")
            return
        try:
            await handler(message)
        except (ValueError, TypeError) as exc:
            await self.send_error("bad_request", str(exc))

    def flooding(self) -> bool:
        now = time.monotonic()
        self.message_times = [t for t in self.message_times if now - t < 1.0]
        self.message_times.append(now)
        return len(self.message_times) > app_settings.STREAM_MAX_MESSAGES_PER_SECOND

    async def on_play(self, message):
        start = message.get("from", 0)
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start < max(self.header["total"], 1):
            raise ValueError(f'"from" must be a sentence index between 0 and {self.header["total"] - 1}.')
        await self.restart(start)

    async def on_seek(self, message):
        seconds = message.get("time")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError('"time" must be a number of seconds >= 0.')
        await self.refresh_header()
        index = 0
        for sentence in self.header["sentences"]:
            if sentence["start"] is not None and sentence["start"] <= seconds:
                index = sentence["index"]
        await self.restart(index)

    async def refresh_header(self):
        """Timings of a finished rendition never change; those of one being rendered grow as clips appear."""
        if self.header["status"] != "ready" or self.header["ready"] != self.header["total"]:
            self.header = await database_sync_to_async(streaming.header)(self.rendition)

    async def on_next(self, message):
        count = message.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 64:
            raise ValueError('"count" must be an integer from 1 to 64.')
        self.credits += count
        self.credit_event.set()

    async def restart(self, index: int):
        if self.stream_task:
            self.stream_task.cancel()
        await self.refresh_header()
        self.credits = app_settings.STREAM_WINDOW
        self.credit_event.set()
        self.stream_task = asyncio.create_task(self.stream_from(index))

    async def stream_from(self, index: int):
        sentences = self.rendition.sentences
        position = None
        for sentence in sentences[index:]:
            while self.credits <= 0:
                self.credit_event.clear()
                await self.credit_event.wait()
            clip = await self.wait_for_clip(sentence["key"])
            if clip is None:
                return
            data, duration = clip
            if position is None:
                position = self.sentence_start(sentence["index"])
            await self.send(text_data=json.dumps({
                "type": "chunk", "index": sentence["index"], "start": round(position, 3),
                "end": round(position + duration, 3), "bytes": len(data),
            }))
            await self.send(bytes_data=data)
            if sentence["index"] == index:
                # a crowd pressing play at once gets everyone's first chunk before anyone's second
                await asyncio.sleep(0)
            position += duration
            self.credits -= 1
        await self.send(text_data=json.dumps({"type": "end"}))

    def sentence_start(self, index: int) -> float:
        known = self.header["sentences"][index]["start"]
        return known if known is not None else 0.0

    async def wait_for_clip(self, key: str) -> tuple[bytes, float] | None:
        """The clip's bytes and duration, waiting while the worker renders it (render-while-listening)."""
        while True:
            location = self.clips.get(key) or await database_sync_to_async(streaming.clip_location)(key)
            if location is not None:
                data = streaming.cached_clip(location[0])
                if data is None:
                    data = await sync_to_async(streaming.read_clip, thread_sensitive=False)(location[0])
                if data is not None:
                    return data, location[1]
            state = await database_sync_to_async(streaming.rendition_state)(self.rendition.pk)
            if state["status"] in ("failed", "superseded"):
                await self.send_error("render_" + state["status"], state["error"] or "The audio is being replaced.")
                return None
            await self.send(text_data=json.dumps(
                {"type": "progress", "ready": state["sentences_done"], "total": self.header["total"]}))
            await asyncio.sleep(RENDER_POLL_SECONDS)

    async def send_error(self, code: str, message: str):
        await self.send(text_data=json.dumps({"type": "error", "code": code, "message": message}))
