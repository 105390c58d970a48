"""Hardening of the read-aloud side: a 100,000-character mixed Chinese/English article through planning and its page,
and two publishes of one article at once (one current rendition, no duplicate, no leaked exception)."""

import threading
import time

import pytest
from django.db import connections

from articles.models import Article
from articles.services import article_save
from readaloud.adapter import get_article_adapter
from readaloud.models import Rendition
from readaloud.services.planning import rendition_plan
from readaloud.text.pipeline import prepare_article

ZH = ("2025年3月5日，我们在重庆发布了readaloud 1.2.3版本，性能提升了35.5%，下载量达到1,234,567次。"
      "用户可以拨打400-800-8888咨询，营业时间10:30-22:00。")
EN = "In 1999, the U.S. economy grew 4.8%. Mr. Smith paid $5.99 for coffee on March 5th. It was great!"
MIXED = "我们用Django和WebSocket做了一个朗读插件，it streams audio as soon as the first sentence is ready。效果不错！"


def long_body(min_chars: int = 100_000) -> str:
    paragraphs, size, i = [], 0, 0
    while size < min_chars:
        paragraph = (ZH, EN, MIXED)[i % 3] + f"（第{i}段）"
        if i % 40 == 0:
            paragraphs.append(f"## 第{i // 40 + 1}章 Chapter {i // 40 + 1}")
        paragraphs.append(paragraph)
        size += len(paragraph)
        i += 1
    return "\n\n".join(paragraphs)


@pytest.mark.django_db
def test_a_hundred_thousand_character_article_is_planned_and_its_page_renders(client, writer):
    body = long_body()
    assert len(body) >= 100_000
    article = article_save(article=Article(author=writer, title="十万字 A hundred thousand characters", body=body,
                                           language=Article.Language.MIXED), publish=True)

    started = time.perf_counter()
    rendition = rendition_plan(str(article.pk))
    planning_seconds = time.perf_counter() - started

    assert planning_seconds < 30, planning_seconds  # ~3 s here; generous for a shared 2-core machine
    sentences = rendition.sentences
    assert len(sentences) > 2000 and rendition.status == Rendition.Status.QUEUED
    assert [s["index"] for s in sentences] == list(range(len(sentences)))
    assert sentences[0]["block"] == -1  # the audible AI label first
    # Every sentence's offsets point at its own text in its block, in reading order, without overlaps.
    info = get_article_adapter().get_article(str(article.pk))
    blocks = prepare_article(info.html, info.language).blocks
    previous = (-1, -1)
    for s in sentences[1:]:
        assert 0 <= s["char_start"] < s["char_end"] <= len(blocks[s["block"]].text), s
        assert blocks[s["block"]].text[s["char_start"]:s["char_end"]] == s["text"]
        assert (s["block"], s["char_start"]) > previous
        previous = (s["block"], s["char_end"] - 1)
        assert s["spoken"].strip() and s["language"] in ("zh", "en") and len(s["key"]) == 64
    assert {s["language"] for s in sentences} == {"zh", "en"}
    last_paragraph = body.rsplit("\n\n", 1)[1]
    spoken_text = "".join(s["text"] for s in sentences)
    assert "第0段" in spoken_text and last_paragraph[-8:] in spoken_text  # nothing cut off at either end
    # Planning again without a change keeps the rendition (no re-render of 100,000 characters).
    assert rendition_plan(str(article.pk)).pk == rendition.pk

    started = time.perf_counter()
    page = client.get(article.get_absolute_url())
    page_seconds = time.perf_counter() - started
    assert page.status_code == 200 and page_seconds < 30, page_seconds
    html = page.content.decode()
    assert 'id="readaloud-player"' in html and "Mr. Smith paid $5.99" in html
    assert last_paragraph.split("（")[-1].rstrip("）") in html  # the end of the article is on the page
    status = client.get(f"/readaloud/api/articles/{article.pk}/rendition/")
    assert status.status_code == 200 and status.json()["status"] == "queued"


def run_at_once(target, count=2):
    """Call target(i) from `count` threads released together; returns (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(i):
        try:
            barrier.wait(10)
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 (the test asserts there are none)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_publishes_of_one_article_at_once_yield_one_current_rendition(writer):
    from django_tasks_db.models import DBTaskResult

    draft = article_save(article=Article(author=writer, title="同时发布", body="春天来了。\n\n河边的柳树发芽了。",
                                         language="zh"))

    def publish(_):
        article = Article.objects.get(pk=draft.pk)  # each request has its own copy
        return article_save(article=article, publish=True).pk

    results, errors = run_at_once(publish)
    assert not errors, errors
    assert results == [draft.pk, draft.pk]
    assert Article.objects.get(pk=draft.pk).is_published
    # Each publish queued a render (on commit); each render task starts by planning, at the same time.
    renders = DBTaskResult.objects.filter(task_path="readaloud.tasks.render_article")
    assert renders.count() == 2 and {r.args_kwargs["args"][0] for r in renders} == {str(draft.pk)}

    results, errors = run_at_once(lambda _: rendition_plan(str(draft.pk)).pk)
    assert not errors, errors
    current = Rendition.objects.filter(article_id=str(draft.pk), is_current=True)
    assert current.count() == 1 and results == [current.get().pk] * 2
    assert Rendition.objects.filter(article_id=str(draft.pk)).count() == 1  # no duplicate, nothing superseded


@pytest.mark.django_db(transaction=True)
def test_an_edit_planned_twice_at_once_supersedes_the_old_rendition_once(writer):
    article = article_save(article=Article(author=writer, title="改稿", body="第一版的句子。", language="zh"),
                           publish=True)
    first = rendition_plan(str(article.pk))
    article.body = "第二版的句子。\n\n多了一段。"
    article_save(article=article)

    results, errors = run_at_once(lambda _: rendition_plan(str(article.pk)).pk, count=3)
    assert not errors, errors
    renditions = Rendition.objects.filter(article_id=str(article.pk))
    current = renditions.get(is_current=True)
    assert results == [current.pk] * 3 and current.pk != first.pk
    assert renditions.count() == 2  # the first one and exactly one new one
    first.refresh_from_db()
    assert not first.is_current and first.status == Rendition.Status.SUPERSEDED


def build_twice_at_once(rendition):
    """Two threads build the rendition; each waits for the other after its first sentence, so that both are past
    the "already READY?" check before either publishes (a claim that stops the second build makes that wait end
    after 5 s instead)."""
    from readaloud.services.rendering import rendition_build

    both_building = threading.Barrier(2)

    def progress(done, total):
        if done == 1:
            try:
                both_building.wait(5)
            except threading.BrokenBarrierError:
                pass

    return run_at_once(lambda _: rendition_build(rendition.pk, progress=progress).status)


@pytest.mark.django_db(transaction=True)
def test_two_workers_building_one_rendition_at_once_leave_one_ready_rendition(published_article):
    """Two render tasks of the same article (two publishes, READALOUD_WORKERS > 1) can build one rendition at once.
    Clips come from the cache here (tone clips: no speech model), as they do for the slower of two real builds."""
    from readaloud.models import SentenceClip
    from readaloud.storage import audio_storage
    from tests.readaloud.rendition_factory import tone_rendition

    rendition = tone_rendition(published_article, ["第一句话。", "第二句话。", "第三句话。"])
    results, errors = build_twice_at_once(rendition)
    assert not errors, errors
    # one build claims the rendition; the other leaves it to that one (and sees it rendering, or already ready)
    assert Rendition.Status.READY in results
    assert set(results) <= {Rendition.Status.READY, Rendition.Status.RENDERING}, results
    rendition.refresh_from_db()
    assert rendition.attempts == 1
    assert rendition.is_current and rendition.status == Rendition.Status.READY
    assert audio_storage().exists(rendition.audio_name)
    assert SentenceClip.objects.count() == 3  # one clip per sentence key, never a duplicate


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_leave_no_orphan_rendition_file(published_article):
    from readaloud.storage import audio_storage
    from tests.readaloud.rendition_factory import tone_rendition

    rendition = tone_rendition(published_article, ["第一句话。", "第二句话。"])
    _, errors = build_twice_at_once(rendition)
    assert not errors, errors
    rendition.refresh_from_db()
    _, files = audio_storage().listdir(f"renditions/{published_article.pk}")
    assert [f"renditions/{published_article.pk}/{name}" for name in files] == [rendition.audio_name]


@pytest.mark.django_db
def test_the_same_clip_stored_by_two_renderings_keeps_one_file():
    """Two articles sharing a sentence can synthesize its clip at once: the first row wins, the second file goes."""
    import numpy as np

    from readaloud.audio_encoding import encode_mp3
    from readaloud.models import SentenceClip
    from readaloud.services.rendering import clip_store
    from readaloud.storage import audio_storage

    tone = (0.1 * np.sin(2 * np.pi * 440 * np.arange(24000) / 24000)).astype(np.float32)
    sentence = {"key": "ab" + "0" * 62}
    first = clip_store(sentence, "zf_xiaoxiao", encode_mp3(tone, 24000))
    second = clip_store(sentence, "zf_xiaoxiao", encode_mp3(tone[:12000], 24000))
    assert second.pk == first.pk and second.audio_name == first.audio_name
    assert SentenceClip.objects.count() == 1
    _, files = audio_storage().listdir("clips/ab")
    assert [f"clips/ab/{name}" for name in files] == [first.audio_name]

    audio_storage().delete(first.audio_name)  # erased (or never written): the next rendering's file replaces it
    third = clip_store(sentence, "zf_xiaoxiao", encode_mp3(tone[:12000], 24000))
    assert third.pk == first.pk and audio_storage().exists(third.audio_name)
    assert third.duration_seconds < first.duration_seconds
