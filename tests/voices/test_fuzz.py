"""Fuzzing the two parsers that take bytes from the outside: reading uploads and WebSocket text frames.

(a) voices.audio.read_audio / the verification's inspect_audio, and the readings API, with arbitrary bytes and with
    WAV headers whose fields are arbitrary: always AudioFormatError (a reason in words) or a 4xx / a recorded
    rejection, never another exception or a 500.
(b) readaloud's ArticleAudioConsumer through the real ASGI application, with arbitrary text frames: always an error
    JSON or a valid protocol message, and the connection still answers afterwards (or was closed on purpose).
Example counts stay modest so the file runs in well under a minute.
"""

import json
import struct

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from speech_fixtures import publish_all

from voices import audio as audio_utils
from voices.services.verification import AudioLimits, inspect_audio

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def wav_header(channels, rate, bits, fmt, data_len, payload, riff_len=None):
    block = max(1, channels * bits // 8)
    fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk + b"data" + struct.pack("<I", data_len)
    body += payload
    return b"RIFF" + struct.pack("<I", (len(body) if riff_len is None else riff_len) & 0xFFFFFFFF) + body


wav_like = st.builds(
    wav_header,
    channels=st.integers(0, 70000).map(lambda n: n & 0xFFFF),
    rate=st.one_of(st.sampled_from([0, 1, 8000, 16000, 44100, 48000, 96000, 384000]), st.integers(0, 2**32 - 1)),
    bits=st.sampled_from([0, 1, 8, 12, 16, 24, 32, 64, 65535]),
    fmt=st.sampled_from([0, 1, 2, 3, 6, 7, 0xFFFE, 0x1234]),
    data_len=st.one_of(st.integers(0, 64), st.just(2**32 - 1), st.integers(0, 2**32 - 1)),
    payload=st.binary(max_size=512),
    riff_len=st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
upload_bytes = st.one_of(st.binary(max_size=2048), wav_like, st.binary(max_size=64).map(lambda b: b"RIFF" + b))


@FUZZ
@given(data=upload_bytes)
def test_audio_parser_fails_only_with_a_reason(data):
    limits = AudioLimits(max_bytes=1_000_000, max_seconds=30.0, min_seconds=1.0, min_sample_rate=16000,
                         max_sample_rate=96000, max_channels=2)
    for parse in (lambda: audio_utils.read_audio(data, max_seconds=30.0, max_bytes=1_000_000),
                  lambda: inspect_audio(data, limits)):
        try:
            parse()
        except audio_utils.AudioFormatError as exc:
            assert str(exc)  # a reason in words


@pytest.fixture
def shown_sentence(client, author, password, settings):
    """An author with an open challenge and a sentence shown: uploads reach the audio parser."""
    settings.VOICES = {**settings.VOICES, "RATE_LIMIT_PER_HOUR": 100_000, "RATE_LIMIT_PER_DAY": 100_000,
                       "LOCKOUT_AFTER_REJECTIONS": 100_000}
    publish_all(author)
    client.login(username=author.username, password=password)
    assert client.post("/voices/api/consent/", {"language": "zh", "accept": True},
                       content_type="application/json").status_code == 201
    challenge = client.post("/voices/api/challenges/").json()
    shown = client.post(f"/voices/api/challenges/{challenge['id']}/sentences/0/show/").json()
    return client, challenge["id"], shown["shown_token"]


@pytest.mark.django_db
@FUZZ
@given(data=upload_bytes, name=st.text(max_size=40), content_type=st.sampled_from(
    ["audio/wav", "application/octet-stream", "text/plain", "audio/x-wav; codecs=1"]))
def test_readings_api_answers_bad_uploads_with_a_clear_error(shown_sentence, data, name, content_type):
    client, challenge_id, token = shown_sentence
    upload = SimpleUploadedFile(name.replace("\x00", "") or "x.wav", data, content_type=content_type)
    response = client.post("/voices/api/readings/", {"challenge": challenge_id, "index": 0, "shown_token": token,
                                                     "audio": upload})
    assert response.status_code < 500
    body = response.json()
    if response.status_code == 201:  # examined: a rejection recorded with its reasons
        attempt = body["attempt"]
        assert attempt["decision"] == "rejected" and attempt["reasons"]
        assert any(r["ok"] is False and r["en"] and r["zh"] for r in attempt["reasons"])
    else:
        assert 400 <= response.status_code < 500 and body


@pytest.mark.django_db
@FUZZ
@given(fields=st.dictionaries(st.sampled_from(["challenge", "index", "shown_token", "audio", "x"]),
                              st.one_of(st.text(max_size=50), st.integers(), st.binary(max_size=50)), max_size=5))
def test_readings_api_rejects_malformed_forms(shown_sentence, fields):
    client = shown_sentence[0]
    form = {k: (SimpleUploadedFile("a.wav", v) if isinstance(v, bytes) else str(v).replace("\x00", ""))
            for k, v in fields.items()}
    response = client.post("/voices/api/readings/", form)
    assert response.status_code < 500


# --- (b) WebSocket frames --------------------------------------------------------------------------------------------

TEXTS = ["清晨的城市还没有完全醒来。", "我沿着河边慢慢地走。"]
VALID_TYPES = {"header", "chunk", "progress", "end", "error"}

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                         max_size=3), max_leaves=8)
messages = st.fixed_dictionaries({"type": st.sampled_from(["play", "seek", "next", "x", ""])},
                                 optional={"from": json_values, "time": json_values, "count": json_values})
frames = st.one_of(
    st.text(max_size=300),
    messages.map(json.dumps),
    json_values.map(json.dumps),
    st.text(min_size=4097, max_size=5000),  # over STREAM_MAX_MESSAGE_BYTES: closed on purpose
    st.sampled_from(['{"type": "play", "from": 1e309}', '{"type": "seek", "time": NaN}', '{"type":', "\ud7ff" * 9,
                     '{"type": "next", "count": 64}', '{"type": ["play"]}', "null", "[]", '"play"']),
)


@pytest.fixture
def streamed_article(author):
    from articles.models import Article
    from articles.services import article_save
    from tests.readaloud.rendition_factory import tone_rendition

    article = article_save(article=Article(author=author, title="朗读", body="\n\n".join(TEXTS), language="zh"),
                           publish=True)
    tone_rendition(article, TEXTS)
    return article


async def exchange(article_id, frame: str) -> list:
    comm = WebsocketCommunicator(_application(), f"/ws/readaloud/articles/{article_id}/", headers=[
        (b"origin", b"http://testserver"), (b"host", b"testserver")])
    connected, _ = await comm.connect()
    assert connected
    assert json.loads(await comm.receive_from(timeout=5))["type"] == "header"
    await comm.send_input({"type": "websocket.receive", "text": frame})  # also the empty frame
    received, closed = [], False
    for _ in range(50):
        if await comm.receive_nothing(timeout=0.15):
            break
        output = await comm.receive_output(timeout=1)
        if output["type"] == "websocket.close":
            closed = True
            break
        if output.get("text") is not None:
            message = json.loads(output["text"])
            assert message.get("type") in VALID_TYPES, message
            received.append(message)
    if not closed:  # still alive: it answers a bad message with an error
        await comm.send_to(text_data='{"type": "next", "count": 0}')
        while True:  # skip what a started stream still sends; the error must come
            output = await comm.receive_output(timeout=5)
            if output.get("text") is not None and json.loads(output["text"])["type"] == "error":
                message = json.loads(output["text"])
                break
        assert message["code"] == "bad_request", message
        await comm.disconnect()
    else:
        assert len(frame.encode()) > 4096 and received and received[-1]["code"] == "too_big"
    return received


def _application():
    from hostsite.asgi import application

    return application


@pytest.mark.django_db(transaction=True)  # the consumer reaches the database from its own threads
@FUZZ
@given(frame=frames)
def test_websocket_parser_never_crashes(streamed_article, frame):
    received = async_to_sync(exchange)(streamed_article.pk, frame)
    for message in received:
        if message["type"] == "error":
            assert message["code"] and message["message"]
