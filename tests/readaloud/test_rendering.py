"""Rendering with the real pipeline: text -> Kokoro -> watermark -> loudness -> MP3 -> labelled file.

Short articles keep these fast; the throughput on long ones is measured in bench/render.py.
"""

import io
import signal
import subprocess
import sys
import time

import av
import numpy as np
import pytest
from mutagen.id3 import ID3

from articles.models import Article
from articles.services import article_save
from readaloud.models import Rendition, SentenceClip
from readaloud.services.planning import rendition_plan
from readaloud.services.recovery import renditions_recover
from readaloud.services.rendering import rendition_build
from readaloud.storage import audio_storage
from tests.live_processes import REPO, run_worker_batch, subprocess_env

BODY = "春天来了。\n\n河边的柳树发芽了。\n\n孩子们在草地上奔跑。"


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        return np.concatenate(frames).astype(np.float32), stream.rate


@pytest.mark.django_db(transaction=True)
def test_publishing_queues_a_render_that_the_worker_completes(writer):
    article = article_save(article=Article(author=writer, title="春天", body=BODY, language="zh"), publish=True)

    result = run_worker_batch()

    assert result.returncode == 0, result.stderr[-3000:]
    rendition = Rendition.objects.filter(article_id=str(article.pk), is_current=True).first()
    assert rendition is not None, f"worker output:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert rendition.status == Rendition.Status.READY, rendition.error
    texts = [s["text"] for s in rendition.sentences]
    assert texts[1:] == ["春天来了。", "河边的柳树发芽了。", "孩子们在草地上奔跑。"]
    assert "人工智能" in texts[0]  # the audible AI label comes first
    ends = [s["end"] for s in rendition.sentences]
    assert ends == sorted(ends) and rendition.duration_seconds == pytest.approx(ends[-1], abs=0.01)

    with audio_storage().open(rendition.audio_name, "rb") as handle:
        data = handle.read()
    tag = ID3(io.BytesIO(data))
    assert tag.getall("TXXX:AIGC")[0].text == ["AI-generated"]
    audio, rate = decode_mp3(data)
    assert abs(len(audio) / rate - rendition.duration_seconds) < 0.2
    assert np.sqrt(np.mean(audio**2)) > 0.01


@pytest.mark.django_db
def test_editing_one_paragraph_renders_only_its_sentences(writer):
    article = article_save(article=Article(author=writer, title="春天", body=BODY, language="zh"), publish=True)
    first = rendition_build(rendition_plan(article.pk).pk)
    assert first.status == Rendition.Status.READY
    clips_before = set(SentenceClip.objects.values_list("key", flat=True))

    article.body = BODY.replace("河边的柳树发芽了。", "河边的桃花也开了。")
    article_save(article=article)
    second = rendition_build(rendition_plan(article.pk).pk)

    new_clips = set(SentenceClip.objects.values_list("key", flat=True)) - clips_before
    assert second.status == Rendition.Status.READY and second.pk != first.pk
    assert new_clips == {second.sentences[2]["key"]}
    assert Rendition.objects.get(pk=first.pk).is_current is False
    assert rendition_plan(article.pk).pk == second.pk  # nothing changed since: no new rendition


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_is_resumed_without_duplicates(writer, settings):
    body = "\n\n".join(["第一段话很短。", "第二段话也很短。", "第三段话还是很短。", "第四段话最后一句。", "第五段。"])
    article = article_save(article=Article(author=writer, title="断点", body=body, language="zh"))
    rendition = rendition_plan(article.pk)
    worker = subprocess.Popen([sys.executable, "manage.py", "render_article", str(article.pk)], cwd=REPO,
                              env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while SentenceClip.objects.count() < 2 and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed = Rendition.objects.get(pk=rendition.pk)
    assert killed.status == Rendition.Status.RENDERING
    assert 2 <= SentenceClip.objects.count() < len(killed.sentences)
    assert not audio_storage().exists(f"renditions/{article.pk}/{killed.uid}.mp3")

    settings.READALOUD = {**settings.READALOUD, "RENDER_STALE_SECONDS": 0}
    assert renditions_recover() == [rendition.pk]
    result = run_worker_batch()

    assert result.returncode == 0, result.stderr[-3000:]
    resumed = Rendition.objects.get(pk=rendition.pk)
    assert resumed.status == Rendition.Status.READY and resumed.attempts == 2
    keys = [s["key"] for s in resumed.sentences]
    assert SentenceClip.objects.count() == len(set(keys))
    assert Rendition.objects.filter(article_id=str(article.pk), is_current=True).count() == 1
