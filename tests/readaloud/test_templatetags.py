"""`{% load readaloud %}{% readaloud_player article_id %}`: the player's container, its URLs and labels."""

import re
from html import unescape

import pytest
from django.template import Context, Template
from django.urls import reverse

from readaloud.models import Rendition
from readaloud.templatetags.readaloud import AI_LABEL

pytestmark = pytest.mark.django_db


def render(article_id, extra=""):
    template = Template("{% load readaloud %}{% readaloud_player article_id" + extra + " %}")
    return template.render(Context({"article_id": article_id}))


def attribute(html, name):
    match = re.search(rf'\s{re.escape(name)}="([^"]*)"', html)
    assert match, f"{name} missing in {html}"
    return unescape(match.group(1))


def make_rendition(article_id, **fields):
    values = {"article_id": str(article_id), "author_id": 1, "title": "T", "language": "zh",
              "voice_ref": "zf_xiaoxiao", "voice_label": "林晓的 AI 声音 · AI voice of Lin Xiao",
              "engine_version": "test", "content_hash": "h" * 64,
              "sentences": [{"index": 0, "text": "一。", "key": "k"}, {"index": 1, "text": "二。", "key": "k2"}]}
    values.update(fields)
    return Rendition.objects.create(**values)


def test_renders_the_urls_of_the_three_transports():
    html = render(42)
    assert attribute(html, "data-article-id") == "42"
    assert attribute(html, "data-ws-path") == "/ws/readaloud/articles/42/"
    assert attribute(html, "data-audio-url") == reverse("readaloud:audio", args=["42"])
    assert attribute(html, "data-audio-url") == "/readaloud/articles/42/audio.mp3"
    assert attribute(html, "data-status-url") == reverse("readaloud:api-rendition", args=["42"])
    assert attribute(html, "data-status-url") == "/readaloud/api/articles/42/rendition/"
    assert "data-readaloud-player" in html


def test_includes_script_and_stylesheet_through_static():
    html = render(7)
    assert re.search(r'<script src="/static/readaloud/player\.js" defer></script>', html)
    assert re.search(r'<link rel="stylesheet" href="/static/readaloud/player\.css">', html)


def test_shows_the_ai_label_and_accessible_controls():
    html = render(7)
    assert AI_LABEL == "AI 合成语音 · AI-generated voice"
    assert AI_LABEL in html
    assert 'aria-label="播放 Play"' in html
    assert 'aria-label="播放进度 Seek"' in html
    assert 'role="status"' in html
    for speed in ("0.75", "1", "1.25", "1.5", "2"):
        assert f'<option value="{speed}"' in html
    # no rendition yet: the voice line is hidden, the status is "none" and nothing is playable
    assert attribute(html, "data-status") == "none"
    assert attribute(html, "data-playable") == "false"
    assert re.search(r'data-role="voice" hidden>', html)


def test_shows_the_voice_label_and_progress_of_the_current_rendition():
    make_rendition(9, status=Rendition.Status.RENDERING, sentences_done=1)
    html = render(9)
    assert "林晓的 AI 声音 · AI voice of Lin Xiao" in html
    assert attribute(html, "data-status") == "rendering"
    assert "正在生成音频 1/2" in html
    assert "data-duration" not in html


def test_a_ready_rendition_gives_duration_and_playable():
    make_rendition(10, status=Rendition.Status.READY, audio_name="renditions/10/x.mp3", duration_seconds=12.5)
    html = render(10)
    assert attribute(html, "data-playable") == "true"
    assert attribute(html, "data-duration") == "12.500"
    assert 'max="12.500"' in html


def test_escapes_everything_it_prints():
    make_rendition('a"><b>', voice_label='<script>alert("x")</script>')
    html = render('a"><b>', ' body_selector="main\\"><i>"')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    assert attribute(html, "data-article-id") == 'a"><b>'
    assert attribute(html, "data-ws-path") == "/ws/readaloud/articles/a%22%3E%3Cb%3E/"
    assert attribute(html, "data-audio-url") == "/readaloud/articles/a%22%3E%3Cb%3E/audio.mp3"
    assert attribute(html, "data-body-selector") == 'main"><i>'


def test_the_article_page_mounts_the_player_on_its_body(client, published_article):
    response = client.get(published_article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-readaloud-player") == 1
    assert attribute(html, "data-ws-path") == f"/ws/readaloud/articles/{published_article.pk}/"
    assert attribute(html, "data-body-selector") == "[data-readaloud-body]"
    assert re.search(r"<div[^>]*\sdata-readaloud-body[\s>]", html)  # the host marks its article body
    assert AI_LABEL in html
