"""One ASGI server process (daphne) serves both HTTP and WebSocket for the real application."""

import asyncio
import json
import urllib.request

import pytest
import websockets

from articles.models import Article
from articles.services import article_save
from tests.live_processes import free_port, start_daphne, stop
from tests.readaloud.rendition_factory import tone_rendition


@pytest.fixture
def daphne_server(transactional_db):
    port = free_port()
    process = start_daphne(port)
    yield f"127.0.0.1:{port}"
    stop(process)


def test_http_and_websocket_on_one_server(daphne_server, django_user_model):
    author = django_user_model.objects.create_user("asgi-author", password="pw-asgi-123")
    article = article_save(article=Article(author=author, title="ASGI", body="第一句。第二句。", language="zh"),
                           publish=True)
    tone_rendition(article, ["第一句。", "第二句。"])

    with urllib.request.urlopen(f"http://{daphne_server}/healthz", timeout=10) as response:
        assert json.loads(response.read())["database"] == "ok"

    async def listen():
        async with websockets.connect(f"ws://{daphne_server}/ws/readaloud/articles/{article.pk}/",
                                      origin=f"http://{daphne_server}") as ws:
            header = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(json.dumps({"type": "play", "from": 0}))
            chunk = json.loads(await asyncio.wait_for(ws.recv(), 10))
            data = await asyncio.wait_for(ws.recv(), 10)
            return header, chunk, data

    header, chunk, data = asyncio.run(listen())
    assert header["type"] == "header" and header["total"] == 2
    assert chunk["type"] == "chunk" and chunk["index"] == 0
    assert isinstance(data, bytes) and len(data) == chunk["bytes"]
