"""Live progress of the author's voice while it is being made (the page's progress bar).

The cloning worker may run on another machine, and the embedded channel layer is in-memory, so the consumer reads
the voice's progress from the database (a small query every half second) and sends it when it changes.
"""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

POLL_SECONDS = 0.5


def voice_progress(user_id: int) -> dict | None:
    from .selectors import voice_current

    voice = voice_current(user_id)
    if voice is None:
        return None
    return {"type": "voice", "id": voice.pk, "state": voice.state, "progress": voice.progress,
            "message": voice.progress_message, "version": voice.version, "usable": voice.is_usable,
            "applied": voice.is_applied, "error": voice.error}


class VoiceProgressConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4403)
            return
        await self.accept()
        self.watcher = asyncio.create_task(self.watch(user.pk))

    async def disconnect(self, code):
        if getattr(self, "watcher", None):
            self.watcher.cancel()

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=json.dumps({"type": "error", "code": "read_only",
                                              "message": "This socket only sends progress."}))

    async def watch(self, user_id: int):
        last = None
        while True:
            state = await database_sync_to_async(voice_progress)(user_id)
            if state != last:
                await self.send(text_data=json.dumps(state or {"type": "voice", "state": "none"}, ensure_ascii=False))
                last = state
            await asyncio.sleep(POLL_SECONDS)
