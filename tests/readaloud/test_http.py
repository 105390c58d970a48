"""HTTP fallback: the finished file with Range support, the status API and the podcast feed."""

import pytest
from django.utils import timezone
from mutagen.id3 import ID3

from readaloud.http_range import parse_range
from readaloud.models import Rendition
from readaloud.services.rendering import rendition_build
from tests.readaloud.rendition_factory import tone_rendition

pytestmark = pytest.mark.django_db

TEXTS = ["第一句话。", "第二句话。", "第三句话。"]


@pytest.mark.parametrize("header, expected", [
    (None, None),
    ("", None),
    ("bytes=0-99", (0, 99)),
    ("bytes=100-", (100, 999)),
    ("bytes=-100", (900, 999)),
    ("bytes=990-5000", (990, 999)),
    ("bytes=1000-", False),
    ("bytes=50-10", False),
    ("bytes=-0", False),
    ("bytes=0-1,5-6", None),
    ("items=0-1", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.fixture
def ready_rendition(published_article):
    rendition = tone_rendition(published_article, TEXTS)
    return rendition_build(rendition.pk)


def test_build_from_cached_clips_publishes_a_labelled_file(ready_rendition):
    assert ready_rendition.status == Rendition.Status.READY
    assert [s["index"] for s in ready_rendition.sentences] == [0, 1, 2]
    starts = [s["start"] for s in ready_rendition.sentences]
    assert starts == sorted(starts) and starts[0] == 0
    assert ready_rendition.duration_seconds == pytest.approx(ready_rendition.sentences[-1]["end"], abs=0.01)
    from readaloud.storage import audio_storage

    with audio_storage().open(ready_rendition.audio_name, "rb") as handle:
        tag = ID3(handle)
    assert tag.getall("TXXX:AIGC")[0].text == ["AI-generated"]
    assert tag.getall("TXXX:AIGC-ContentID")[0].text == [str(ready_rendition.uid)]
    assert tag.getall("TENC")[0].text == ["readaloud"]


def test_audio_file_supports_ranges(client, ready_rendition, published_article):
    url = f"/readaloud/articles/{published_article.pk}/audio.mp3"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/mpeg"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["X-AI-Generated"] == "true"
    body = b"".join(whole.streaming_content)
    assert len(body) == ready_rendition.audio_bytes == int(whole["Content-Length"])

    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert b"".join(part.streaming_content) == body[10:20]

    beyond = client.get(url, headers={"Range": f"bytes={len(body)}-"})
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(body)}"


def test_unfinished_rendition_is_never_served(client, published_article):
    tone_rendition(published_article, TEXTS, with_clips=1)
    response = client.get(f"/readaloud/articles/{published_article.pk}/audio.mp3")
    assert response.status_code == 404


def test_draft_audio_only_for_its_author(client, draft_article, writer, reader):
    rendition_build(tone_rendition(draft_article, TEXTS).pk)
    url = f"/readaloud/articles/{draft_article.pk}/audio.mp3"
    assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 404
    client.force_login(writer)
    assert client.get(url).status_code == 200


def test_status_api(client, published_article, writer, reader):
    url = f"/readaloud/api/articles/{published_article.pk}/rendition/"
    rendition = tone_rendition(published_article, TEXTS, with_clips=1)
    Rendition.objects.filter(pk=rendition.pk).update(status=Rendition.Status.RENDERING, sentences_done=1)
    body = client.get(url).json()
    assert body["status"] == "rendering"
    assert (body["sentences_done"], body["sentences_total"]) == (1, 3)
    assert body["playable"] is False and "audio_url" not in body

    assert client.post(url).status_code == 403
    client.force_login(reader)
    assert client.post(url).status_code == 403
    client.force_login(writer)
    assert client.post(url).status_code == 202
    assert client.get("/readaloud/api/articles/424242/rendition/").status_code == 404


def test_status_api_links_the_file_when_ready(client, ready_rendition, published_article):
    body = client.get(f"/readaloud/api/articles/{published_article.pk}/rendition/").json()
    assert body["status"] == "ready" and body["playable"] is True
    assert body["audio_url"].endswith(f"/readaloud/articles/{published_article.pk}/audio.mp3")
    assert body["ai_generated"] is True


def test_podcast_feed_lists_articles_with_audio(client, ready_rendition, published_article, writer):
    response = client.get(f"/readaloud/authors/{writer.pk}/podcast.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert published_article.title in xml
    assert f'<enclosure length="{ready_rendition.audio_bytes}" type="audio/mpeg"' in xml
    assert f"/readaloud/articles/{published_article.pk}/audio.mp3" in xml
    assert client.get("/readaloud/authors/98765/podcast.xml").status_code == 404


def test_superseded_rendition_keeps_serving_until_the_new_one_is_ready(client, ready_rendition, published_article):
    Rendition.objects.filter(pk=ready_rendition.pk).update(is_current=False, finished_at=timezone.now())
    tone_rendition(published_article, ["改过的第一句。"], with_clips=0)
    response = client.get(f"/readaloud/articles/{published_article.pk}/audio.mp3")
    assert response.status_code == 200
    assert int(response["Content-Length"]) == ready_rendition.audio_bytes
