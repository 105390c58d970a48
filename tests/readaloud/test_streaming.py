"""The WebSocket stream through the real ASGI application (origin check, session auth, routing, consumer)."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from hostsite.asgi import application
from readaloud.models import Rendition
from tests.readaloud.rendition_factory import tone_clip, tone_rendition

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = ["清晨的城市还没有完全醒来。", "我沿着河边慢慢地走。", "风从水面吹过来。", "我想起小时候听过的故事。"]


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def communicator(article_id, cookie=None, origin=b"http://testserver"):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/readaloud/articles/{article_id}/", headers=headers)


async def receive_json(comm, timeout=5):
    return json.loads(await comm.receive_from(timeout=timeout))


async def receive_chunk(comm):
    """Skip progress notes; return the chunk description and its binary frame."""
    while True:
        message = await receive_json(comm, timeout=10)
        if message["type"] == "chunk":
            output = await comm.receive_output(timeout=5)
            return message, output["bytes"]
        assert message["type"] == "progress", message


async def test_unknown_article_is_refused():
    comm = communicator("999999")
    connected, code = await comm.connect()
    assert not connected
    assert code == 4404


async def test_foreign_origin_is_refused(published_article):
    comm = communicator(published_article.pk, origin=b"http://evil.example")
    connected, _ = await comm.connect()
    assert not connected


async def test_draft_streams_only_for_its_author(draft_article, writer, reader):
    from channels.db import database_sync_to_async

    await database_sync_to_async(tone_rendition)(draft_article, TEXTS[:1])
    comm = communicator(draft_article.pk, cookie=await database_sync_to_async(session_cookie)(reader))
    connected, code = await comm.connect()
    assert (connected, code) == (False, 4403)
    anonymous = communicator(draft_article.pk)
    assert (await anonymous.connect()) == (False, 4403)
    author = communicator(draft_article.pk, cookie=await database_sync_to_async(session_cookie)(writer))
    connected, _ = await author.connect()
    assert connected
    assert (await receive_json(author))["type"] == "header"
    await author.disconnect()


async def test_header_then_chunks_in_order_with_flow_control(published_article):
    from channels.db import database_sync_to_async

    rendition = await database_sync_to_async(tone_rendition)(published_article, TEXTS)
    comm = communicator(published_article.pk)
    connected, _ = await comm.connect()
    assert connected
    header = await receive_json(comm)
    assert header["type"] == "header"
    assert header["codec"] == "audio/mpeg"
    assert header["ai_generated"] is True
    assert [s["text"] for s in header["sentences"]] == TEXTS
    assert header["rendition"] == str(rendition.uid)
    assert header["ready"] == len(TEXTS)
    assert all(s["end"] > s["start"] for s in header["sentences"])

    await comm.send_to(text_data=json.dumps({"type": "play", "from": 0}))
    chunks = []
    for _ in range(len(TEXTS)):
        chunks.append(await receive_chunk(comm))
    assert [c[0]["index"] for c in chunks] == [0, 1, 2, 3]
    assert all(len(data) == meta["bytes"] and data[:2] == b"\xff\xf3" for meta, data in chunks)
    assert chunks[1][0]["start"] == pytest.approx(chunks[0][0]["end"])
    assert (await receive_json(comm))["type"] == "end"
    await comm.disconnect()


async def test_window_limits_chunks_until_the_client_asks_for_more(published_article, settings):
    from channels.db import database_sync_to_async

    settings.READALOUD = {**settings.READALOUD, "STREAM_WINDOW": 2}
    await database_sync_to_async(tone_rendition)(published_article, TEXTS)
    comm = communicator(published_article.pk)
    await comm.connect()
    await receive_json(comm)
    await comm.send_to(text_data=json.dumps({"type": "play", "from": 0}))
    await receive_chunk(comm)
    await receive_chunk(comm)
    assert await comm.receive_nothing(timeout=0.5)
    await comm.send_to(text_data=json.dumps({"type": "next", "count": 1}))
    meta, _ = await receive_chunk(comm)
    assert meta["index"] == 2
    await comm.disconnect()


async def test_seek_restarts_at_the_sentence_playing_at_that_time(published_article):
    from channels.db import database_sync_to_async

    await database_sync_to_async(tone_rendition)(published_article, TEXTS)
    comm = communicator(published_article.pk)
    await comm.connect()
    header = await receive_json(comm)
    third = header["sentences"][2]
    await comm.send_to(text_data=json.dumps({"type": "seek", "time": (third["start"] + third["end"]) / 2}))
    meta, _ = await receive_chunk(comm)
    assert meta["index"] == 2
    assert meta["start"] == pytest.approx(third["start"])
    await comm.disconnect()


async def test_render_while_listening_streams_each_sentence_once_it_exists(published_article):
    from channels.db import database_sync_to_async

    rendition = await database_sync_to_async(tone_rendition)(published_article, TEXTS, with_clips=1)
    comm = communicator(published_article.pk)
    await comm.connect()
    header = await receive_json(comm)
    assert header["ready"] == 1
    await comm.send_to(text_data=json.dumps({"type": "play", "from": 0}))
    first, _ = await receive_chunk(comm)
    assert first["index"] == 0
    progress = await receive_json(comm)
    assert progress == {"type": "progress", "ready": 0, "total": len(TEXTS)}
    await database_sync_to_async(tone_clip)(rendition.sentences[1]["key"])
    second, data = await receive_chunk(comm)
    assert second["index"] == 1 and len(data) == second["bytes"]
    await comm.disconnect()


async def test_failed_rendition_reports_an_error_instead_of_hanging(published_article):
    from channels.db import database_sync_to_async

    rendition = await database_sync_to_async(tone_rendition)(published_article, TEXTS, with_clips=0)
    await database_sync_to_async(Rendition.objects.filter(pk=rendition.pk).update)(
        status=Rendition.Status.FAILED, error="engine exploded")
    comm = communicator(published_article.pk)
    await comm.connect()
    await receive_json(comm)
    await comm.send_to(text_data=json.dumps({"type": "play", "from": 0}))
    message = await receive_json(comm)
    assert message == {"type": "error", "code": "render_failed", "message": "engine exploded"}
    await comm.disconnect()


@pytest.mark.parametrize("frame, code", [
    ("not json", "bad_request"),
    ('{"no_type": 1}', "bad_request"),
    ('{"type": "dance"}', "bad_request"),
    ('{"type": "play", "from": -1}', "bad_request"),
    ('{"type": "play", "from": "0"}', "bad_request"),
    ('{"type": "seek", "time": "soon"}', "bad_request"),
    ('{"type": "next", "count": 10000}', "bad_request"),
    ("[]", "bad_request"),
])
async def test_malformed_frames_get_a_clear_error_and_the_stream_goes_on(published_article, frame, code):
    from channels.db import database_sync_to_async

    await database_sync_to_async(tone_rendition)(published_article, TEXTS)
    comm = communicator(published_article.pk)
    await comm.connect()
    await receive_json(comm)
    await comm.send_to(text_data=frame)
    error = await receive_json(comm)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await comm.send_to(text_data=json.dumps({"type": "play", "from": 3}))
    meta, _ = await receive_chunk(comm)
    assert meta["index"] == 3
    await comm.disconnect()


async def test_binary_oversize_and_floods_are_refused(published_article):
    from channels.db import database_sync_to_async

    await database_sync_to_async(tone_rendition)(published_article, TEXTS)
    comm = communicator(published_article.pk)
    await comm.connect()
    await receive_json(comm)
    await comm.send_to(bytes_data=b"\x00" * 10)
    assert (await receive_json(comm))["code"] == "bad_request"
    await comm.send_to(text_data=json.dumps({"type": "next", "pad": "x" * 10_000}))
    assert (await receive_json(comm))["code"] == "too_big"
    assert (await comm.receive_output(timeout=2))["type"] == "websocket.close"

    flood = communicator(published_article.pk)
    await flood.connect()
    await receive_json(flood)
    for _ in range(40):
        await flood.send_to(text_data='{"type": "next", "count": 1}')
    messages = []
    while True:
        output = await flood.receive_output(timeout=2)
        messages.append(output)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 1008
    assert any('"too_many_messages"' in m.get("text", "") for m in messages)


async def test_a_ready_rendition_streams_from_the_process_cache(published_article):
    from channels.db import database_sync_to_async

    from readaloud.services.rendering import rendition_build
    from readaloud.streaming import _ready_manifests

    rendition = await database_sync_to_async(
        lambda: rendition_build(tone_rendition(published_article, TEXTS).pk))()
    assert rendition.status == Rendition.Status.READY
    for _listener in range(2):  # the second listener is served from the cached manifest and clip bytes
        comm = communicator(published_article.pk)
        await comm.connect()
        header = await receive_json(comm)
        assert header["status"] == "ready" and header["duration"] == rendition.duration_seconds
        await comm.send_to(text_data=json.dumps({"type": "play", "from": 1}))
        meta, data = await receive_chunk(comm)
        assert meta["index"] == 1 and meta["start"] == rendition.sentences[1]["start"] and len(data) == meta["bytes"]
        await comm.disconnect()
    assert _ready_manifests.get(rendition.uid) is not None


def test_lru_is_bounded_by_weight():
    from readaloud.streaming import _LRU

    cache = _LRU(10, weigh=len)
    cache.put("a", b"12345")
    cache.put("b", b"12345")
    assert cache.get("a") == b"12345"  # now the most recently used
    cache.put("c", b"123")
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None and cache.total <= 10


async def test_a_crowd_of_anonymous_listeners_costs_one_database_start(published_article, settings, monkeypatch):
    """Permission and rendition are looked up once per person and process for STREAM_START_CACHE_SECONDS: a crowd
    arriving at one article does not queue on the database thread. After that, a change (unpublishing) applies."""
    from channels.db import database_sync_to_async

    from readaloud import streaming
    from readaloud.services.rendering import rendition_build

    await database_sync_to_async(lambda: rendition_build(tone_rendition(published_article, TEXTS).pk))()
    starts = []
    real_start = streaming.stream_start
    monkeypatch.setattr(streaming, "stream_start", lambda *args: starts.append(args) or real_start(*args))

    async def listen():
        comm = communicator(published_article.pk)
        connected, code = await comm.connect()
        if connected:
            assert (await receive_json(comm))["status"] == "ready"
            await comm.send_to(text_data=json.dumps({"type": "play", "from": 0}))
            meta, data = await receive_chunk(comm)
            assert meta["index"] == 0 and len(data) == meta["bytes"]
            await comm.disconnect()
        return connected, code

    settings.READALOUD = {**settings.READALOUD, "STREAM_START_CACHE_SECONDS": 60}
    for _listener in range(3):
        assert (await listen())[0]
    assert len(starts) == 1

    # a crowd arriving at once, before any start is cached, shares the first one's lookup
    streaming.forget_recent_starts()
    assert all(connected for connected, _code in await asyncio.gather(*(listen() for _ in range(12))))
    assert len(starts) == 2

    published_article.status = "draft"
    await database_sync_to_async(published_article.save)()
    assert (await listen())[0]  # still within the cache time: the start is reused
    settings.READALOUD = {**settings.READALOUD, "STREAM_START_CACHE_SECONDS": 0}
    assert await listen() == (False, 4403)  # looked up again: a draft is its author's only
    assert len(starts) == 3
