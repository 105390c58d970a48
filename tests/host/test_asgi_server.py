"""One ASGI server process (daphne) serves both HTTP and WebSocket for the real application."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets

from articles.models import Article
from articles.services import article_save
from tests.readaloud.rendition_factory import tone_rendition

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def daphne_server(transactional_db):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hostsite.settings_test", "PYTHONPATH": str(REPO / "platform")}
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "hostsite.asgi:application"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stdout.read().decode())
            time.sleep(0.2)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


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
