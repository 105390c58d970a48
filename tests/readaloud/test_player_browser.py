"""The reader's player in a real browser: headless Chromium (Debian's, driven by Playwright) against a live ASGI server
(daphne, HTTP + WebSocket) in its own process, sharing the test database and files (READALOUD_TEST_VAR_DIR).

The fast tests stream renditions built here from synthetic tone clips (no speech model). The end-to-end test uses the
real pipeline: publish an article, open its page, press play; a `db_worker` process renders it while the page listens.
Firefox (Debian's firefox-esr, when installed) is driven over WebDriver BiDi, which it speaks natively: its
MediaSource takes MP3 only inside MP4, so it runs the player's other path.
"""

import asyncio
import contextlib
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.models import Article
from articles.services import article_save
from readaloud.audio_encoding import encode_mp3, id3_label
from readaloud.models import Rendition, SentenceClip
from readaloud.storage import audio_storage, clip_name
from tests.firefox_bidi import FIREFOX, FIREFOX_MISSING, FirefoxPage
from tests.live_processes import free_port, start_daphne, stop, subprocess_env

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--autoplay-policy=no-user-gesture-required"]
SAMPLE_RATE = 24_000
PLAYER = "[data-readaloud-player]"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed (tools/ensure_browsers.sh)"),
]

# The article as the page shows it, and how the text pipeline splits it: (block, text) per sentence. Blocks are the
# page's block elements in order: the paragraph, the heading, the second paragraph, the list's two items.
BODY = (
    "清晨的城市还没有完全醒来。我沿着河边慢慢地走。\n\n"
    "## 风从水面吹过来\n\n"
    "风带着一点凉意，我想起了 **小时候** 听过的故事。Then I walked home.\n\n"
    "- 第一件事是读书。\n"
    "- 第二件事是写字。\n"
)
SENTENCES = [
    (0, "清晨的城市还没有完全醒来。"),
    (0, "我沿着河边慢慢地走。"),
    (1, "风从水面吹过来"),
    (2, "风带着一点凉意，我想起了 小时候 听过的故事。"),
    (2, "Then I walked home."),
    (3, "第一件事是读书。"),
    (4, "第二件事是写字。"),
]
BLOCK_TEXTS = ["清晨的城市还没有完全醒来。我沿着河边慢慢地走。", "风从水面吹过来",
               "风带着一点凉意，我想起了 小时候 听过的故事。Then I walked home.",
               "第一件事是读书。", "第二件事是写字。"]
NOTICE = "本音频由人工智能合成，使用系统语音。"


# --- a live server -------------------------------------------------------------------------------------------------

@pytest.fixture
def live_server_url(transactional_db):
    port = free_port()
    try:
        process = start_daphne(port)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield f"http://127.0.0.1:{port}"
    stop(process)


@contextlib.contextmanager
def browser_page(*, init_script=None):
    """A fresh headless Chromium page. Started after the test's data is written: while Playwright's sync API runs,
    its event loop is the thread's running loop and Django's ORM refuses to be called."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 1400}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(20_000)
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            if init_script:
                page.add_init_script(init_script)
            yield page
            assert not errors, errors
        finally:
            browser.close()


# --- renditions from synthetic clips ---------------------------------------------------------------------------------

def tone(seconds, hz):
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return (0.2 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def store_clip(key, seconds, hz):
    encoded = encode_mp3(tone(seconds, hz), SAMPLE_RATE)
    name = audio_storage().save(clip_name(key), ContentFile(encoded.data))
    return SentenceClip.objects.create(key=key, audio_name=name, duration_seconds=encoded.duration_seconds,
                                       sample_rate=SAMPLE_RATE, byte_size=len(encoded.data))


def manifest(article, sentences, block_texts):
    """Manifest entries (block, char offsets into the block's text) for (block, text) pairs, the AI notice first."""
    entries = [{"index": 0, "text": NOTICE, "spoken": NOTICE, "language": "zh", "block": -1, "char_start": 0,
                "char_end": 0, "pause_ms": 500, "annotations": []}]
    cursor = {}
    for block, text in sentences:
        start = block_texts[block].index(text, cursor.get(block, 0))
        cursor[block] = start + len(text)
        entries.append({"index": len(entries), "text": text, "spoken": text, "language": "zh", "block": block,
                        "char_start": start, "char_end": start + len(text), "pause_ms": 300, "annotations": []})
    for entry in entries:
        entry["key"] = hashlib.sha256(f"test|{article.pk}|{entry['index']}|{entry['text']}".encode()).hexdigest()
    return entries


def tone_rendition(article, sentences, *, block_texts=BLOCK_TEXTS, seconds=2.0, clips=None, ready=True):
    """A rendition whose first `clips` sentences (all by default) have tone clips; READY with its file if all do."""
    entries = manifest(article, sentences, block_texts)
    count = len(entries) if clips is None else clips
    stored, position = [], 0.0
    for entry in entries[:count]:
        clip = store_clip(entry["key"], seconds, 180 + 30 * (entry["index"] % 8))
        stored.append(clip)
        entry["start"], entry["end"] = round(position, 3), round(position + clip.duration_seconds, 3)
        position += clip.duration_seconds
    rendition = Rendition.objects.create(
        article_id=str(article.pk), author_id=article.author_id, title=article.title, language="zh",
        voice_ref="zf_xiaoxiao", voice_label="林晓的 AI 声音 · AI voice of Lin Xiao (test tones)",
        engine_version="test-tones", content_hash="t" * 64, sentences=entries if ready and count == len(entries)
        else [{k: v for k, v in e.items() if k not in ("start", "end")} for e in entries],
        status=Rendition.Status.RENDERING, sentences_done=count, heartbeat_at=timezone.now(),
    )
    if ready and count == len(entries):
        data = id3_label(title=article.title, voice_label=rendition.voice_label, producer="readaloud-test",
                         content_id=str(rendition.uid), language="zh")
        for clip in stored:
            with audio_storage().open(clip.audio_name, "rb") as handle:
                data += handle.read()
        name = audio_storage().save(f"renditions/{article.pk}/{rendition.uid}.mp3", ContentFile(data))
        Rendition.objects.filter(pk=rendition.pk).update(
            status=Rendition.Status.READY, audio_name=name, audio_bytes=len(data), duration_seconds=round(position, 3),
            finished_at=timezone.now())
        rendition.refresh_from_db()
    return rendition, entries


def published(author, body=BODY, title="清晨"):
    return article_save(article=Article(author=author, title=title, body=body, language="zh"), publish=True)


# --- page helpers ---------------------------------------------------------------------------------------------------

def player_state(page):
    return page.evaluate(
        """() => {
          const root = document.querySelector('[data-readaloud-player]');
          const audio = root.querySelector('audio');
          const hl = window.CSS && CSS.highlights && CSS.highlights.get('readaloud-sentence');
          return {
            time: audio.currentTime, paused: audio.paused, rate: audio.playbackRate, src: audio.currentSrc,
            current: Number(root.dataset.currentSentence ?? -1), mode: root.dataset.mode || '',
            state: root.dataset.state, status: root.querySelector('[data-role=status]').textContent,
            mapped: root.dataset.bodyMapped || '', highlighted: hl ? [...hl].map((r) => r.toString()) : null,
            transcriptCurrent: root.querySelector('.readaloud__sentence.is-current')?.textContent ?? null,
            buffered: [...Array(audio.buffered.length).keys()]
              .map((i) => [audio.buffered.start(i), audio.buffered.end(i)]),
          };
        }"""
    )


def wait_for(page, condition_js, timeout=20_000):
    """Wait until the condition holds on the player; fail at once if the player shows an error."""
    page.wait_for_function(
        f"""() => {{
          const root = document.querySelector('[data-readaloud-player]');
          const audio = root.querySelector('audio');
          const current = Number(root.dataset.currentSentence ?? -1);
          if (root.dataset.state === 'error') {{
            throw new Error('player error: ' + root.querySelector('[data-role=status]').textContent);
          }}
          return ({condition_js});
        }}""",
        timeout=timeout,
    )


def open_article(page, base_url, article):
    page.goto(base_url + article.get_absolute_url())
    page.wait_for_selector(f"{PLAYER}[data-mounted=true]")


# --- the tests ------------------------------------------------------------------------------------------------------

def test_plays_streams_and_highlights_the_sentence_being_read(live_server_url, author):
    article = published(author)
    _, entries = tone_rendition(article, SENTENCES, seconds=1.5)

    with browser_page() as page:
        open_article(page, live_server_url, article)
        assert page.locator(f"{PLAYER} .readaloud__ai-label").inner_text() == "AI 合成语音 · AI-generated voice"
        assert "AI voice of Lin Xiao" in page.locator(f"{PLAYER} [data-role=voice]").inner_text()

        page.get_by_role("button", name="播放 Play").click()
        wait_for(page, "audio.currentTime > 1 && current >= 0")
        first = player_state(page)
        assert first["mode"] == "mse" and not first["paused"]
        assert page.locator(PLAYER).get_attribute("data-container") == "mp3"  # MP3 frames straight into MSE
        wait_for(page, f"current > {first['current']} && current >= 2")
        later = player_state(page)
        assert later["time"] > first["time"]
        assert later["transcriptCurrent"] == entries[later["current"]]["text"]
        # the same sentence is highlighted in the article itself (CSS Custom Highlight API)
        assert later["mapped"] == f"{len(SENTENCES)}/{len(SENTENCES)}"
        assert later["highlighted"] == [entries[later["current"]]["text"]]
        assert page.get_by_role("button", name="暂停 Pause").is_visible()


def test_click_a_sentence_seek_speed_and_resume(live_server_url, author):
    article = published(author)
    _, entries = tone_rendition(article, SENTENCES, seconds=1.5)

    with browser_page() as page:
        open_article(page, live_server_url, article)
        page.select_option(f"{PLAYER} [data-role=speed]", "1.5")
        page.get_by_role("button", name="播放 Play").click()
        wait_for(page, "audio.currentTime > 0.3")
        assert player_state(page)["rate"] == 1.5

        page.locator(f"{PLAYER} summary").click()
        target = entries[6]
        assert target["text"] == "第一件事是读书。"
        page.locator(f"{PLAYER} .readaloud__sentence[data-index='6']").click()
        wait_for(page, f"current === 6 && audio.currentTime >= {target['start']}")
        state = player_state(page)
        assert state["highlighted"] == [target["text"]]
        assert state["transcriptCurrent"] == target["text"]

        # back to English text in the middle of a paragraph
        page.locator(f"{PLAYER} .readaloud__sentence[data-index='5']").click()
        wait_for(page, "current === 5")
        assert player_state(page)["highlighted"] == ["Then I walked home."]

        page.get_by_role("button", name="暂停 Pause").click()
        wait_for(page, "audio.paused")
        paused_at = player_state(page)["time"]

        page.reload()
        page.wait_for_selector(f"{PLAYER}[data-mounted=true]")
        resume = page.locator(f"{PLAYER} [data-role=resume]")
        assert resume.is_visible()
        assert "继续" in resume.inner_text() and "Continue from" in resume.inner_text()
        assert page.locator(f"{PLAYER} [data-role=speed]").input_value() == "1.5"
        resume.click()
        wait_for(page, f"!audio.paused && audio.currentTime > {paused_at + 0.2} && current >= 5")


def test_seeking_into_unbuffered_time_restarts_the_stream_there(live_server_url, author):
    body = "\n\n".join(f"第{i}段的文字，用来测试跳转。" for i in range(40))
    article = published(author, body=body, title="很长的文章")
    sentences = [(i, f"第{i}段的文字，用来测试跳转。") for i in range(40)]
    _, entries = tone_rendition(article, sentences, block_texts=[text for _, text in sentences], seconds=2.0)
    total = entries[-1]["end"]

    with browser_page() as page:
        open_article(page, live_server_url, article)
        page.get_by_role("button", name="播放 Play").click()
        wait_for(page, "audio.currentTime > 0.5")
        # the player keeps ~20-30 s ahead, not the whole minute and a half
        page.wait_for_timeout(1500)
        assert max(end for _, end in player_state(page)["buffered"]) < total - 20

        target = entries[35]["start"] + 0.5
        page.evaluate(
            """(t) => {
              const seek = document.querySelector('[data-readaloud-player] [data-role=seek]');
              seek.value = String(t);
              seek.dispatchEvent(new Event('input', {bubbles: true}));
              seek.dispatchEvent(new Event('change', {bubbles: true}));
            }""",
            target,
        )
        wait_for(page, f"current === 35 && audio.currentTime > {target + 0.3} && !audio.paused")
        state = player_state(page)
        # the SourceBuffer was reset: nothing from the beginning is kept
        assert min(start for start, _ in state["buffered"]) >= entries[35]["start"] - 0.1
        assert state["highlighted"] == [entries[35]["text"]]


def test_render_while_listening_shows_progress_then_plays_on(live_server_url, author):
    article = published(author)
    rendition, entries = tone_rendition(article, SENTENCES, seconds=1.0, clips=2, ready=False)

    with browser_page() as page:
        open_article(page, live_server_url, article)
        page.get_by_role("button", name="播放 Play").click()
        wait_for(page, "current === 1")
        page.wait_for_function(
            "() => document.querySelector('[data-readaloud-player] [data-role=status]').textContent"
            ".includes('正在生成音频')", timeout=10_000)
        assert "2/8" in player_state(page)["status"]
        # the "worker" renders the next sentence: the stream picks it up and playback goes on
        with _orm_allowed():
            store_clip(entries[2]["key"], 1.0, 400)
            Rendition.objects.filter(pk=rendition.pk).update(sentences_done=3, heartbeat_at=timezone.now())
        wait_for(page, "current === 2 && !audio.paused")


@pytest.mark.parametrize("broken", ["no-mediasource", "no-websocket"])
def test_falls_back_to_the_plain_audio_file(live_server_url, author, broken):
    article = published(author)
    _, entries = tone_rendition(article, SENTENCES, seconds=1.5)
    script = {
        "no-mediasource": "delete window.MediaSource; delete window.ManagedMediaSource;",
        "no-websocket": "window.WebSocket = class { constructor() { throw new Error('blocked'); } };",
    }[broken]

    with browser_page(init_script=script) as page:
        open_article(page, live_server_url, article)
        page.get_by_role("button", name="播放 Play").click()
        wait_for(page, "audio.currentTime > 1.2")
        state = player_state(page)
        assert state["mode"] == "file"
        assert state["src"].endswith(f"/readaloud/articles/{article.pk}/audio.mp3")
        if broken == "no-mediasource":
            # the socket still brought the timings: the highlight follows the file
            wait_for(page, "current >= 1")
            assert player_state(page)["transcriptCurrent"] == entries[player_state(page)["current"]]["text"]


def test_keyboard_space_on_the_slider_toggles_and_errors_are_shown(live_server_url, author):
    article = published(author)
    tone_rendition(article, SENTENCES, seconds=1.5)
    missing = article.pk + 1000

    with browser_page() as page:
        open_article(page, live_server_url, article)
        page.get_by_role("button", name="播放 Play").focus()
        page.keyboard.press("Space")
        wait_for(page, "!audio.paused && audio.currentTime > 0.2")
        page.locator(f"{PLAYER} [data-role=seek]").focus()
        page.keyboard.press("Space")
        wait_for(page, "audio.paused")

        # a player for an article that does not exist says so
        page.evaluate(
            """(id) => {
              const root = document.querySelector('[data-readaloud-player]');
              const copy = root.cloneNode(true);
              copy.id = 'copy';
              copy.dataset.wsPath = `/ws/readaloud/articles/${id}/`;
              copy.dataset.statusUrl = `/readaloud/api/articles/${id}/rendition/`;
              delete copy.dataset.mounted;
              document.body.appendChild(copy);
              window.ReadaloudPlayer.mountAll();
              copy.querySelector('[data-role=play]').click();
            }""",
            missing,
        )
        page.wait_for_function("() => document.querySelector('#copy').dataset.state === 'error'")
        assert "找不到" in page.locator("#copy [data-role=status]").inner_text()


# --- Firefox, over WebDriver BiDi -------------------------------------------------------------------------------------

async def firefox_wait_for(page, condition_js, timeout=20):
    """Wait until the condition holds on the player (same names as `wait_for`); fail at once on a player error."""
    async def player_ok(page):
        state = await page.evaluate(_STATE_EXPRESSION)
        assert state["state"] != "error", state
        return state

    await page.wait_for(_PLAYER_EXPRESSION.format(condition=condition_js), timeout=timeout, check=player_ok)


_PLAYER_EXPRESSION = """(() => {{
  const root = document.querySelector('[data-readaloud-player]');
  const audio = root.querySelector('audio');
  const current = Number(root.dataset.currentSentence ?? -1);
  return !!({condition});
}})()"""
_STATE_EXPRESSION = """(() => {
  const root = document.querySelector('[data-readaloud-player]');
  const audio = root.querySelector('audio');
  const hl = window.CSS && CSS.highlights && CSS.highlights.get('readaloud-sentence');
  return {time: audio.currentTime, paused: audio.paused, current: Number(root.dataset.currentSentence ?? -1),
          mode: root.dataset.mode || '', container: root.dataset.container || '', state: root.dataset.state,
          fallback: root.dataset.fallback || '', status: root.querySelector('[data-role=status]').textContent,
          mapped: root.dataset.bodyMapped || '', error: audio.error && audio.error.message,
          highlighted: hl ? [...hl].map((r) => r.toString()) : null,
          buffered: [...Array(audio.buffered.length).keys()]
            .map((i) => [audio.buffered.start(i), audio.buffered.end(i)])};
})()"""


@pytest.mark.skipif(FIREFOX is None, reason=FIREFOX_MISSING)
def test_firefox_streams_mp3_wrapped_in_mp4_highlights_and_seeks(live_server_url, author):
    body = "\n\n".join(f"第{i}段的文字，用来测试火狐浏览器。" for i in range(30))
    article = published(author, body=body, title="火狐")
    sentences = [(i, f"第{i}段的文字，用来测试火狐浏览器。") for i in range(30)]
    _, entries = tone_rendition(article, sentences, block_texts=[text for _, text in sentences], seconds=2.0)

    async def scenario():
        async with FirefoxPage.open() as page:
            await page.goto(live_server_url + article.get_absolute_url())
            await firefox_wait_for(page, "root.dataset.mounted === 'true'")
            await page.evaluate("document.querySelector('[data-readaloud-player] [data-role=play]').click()")
            await firefox_wait_for(page, "audio.currentTime > 1 && current >= 0")
            first = await page.evaluate(_STATE_EXPRESSION)
            assert (first["mode"], first["container"]) == ("mse", "mp4"), first
            await firefox_wait_for(page, f"current > {first['current']}")
            state = await page.evaluate(_STATE_EXPRESSION)
            assert state["mapped"] == "30/30"
            assert state["highlighted"] == [entries[state["current"]]["text"]]
            assert max(end for _, end in state["buffered"]) < entries[-1]["end"] - 10  # not all of it

            # seek far ahead, into audio not buffered yet: the stream restarts there
            target = entries[26]["start"] + 0.5
            await page.evaluate(f"""(() => {{
              const seek = document.querySelector('[data-readaloud-player] [data-role=seek]');
              seek.value = '{target}';
              seek.dispatchEvent(new Event('change', {{bubbles: true}}));
            }})()""")
            await firefox_wait_for(page, f"current === 26 && audio.currentTime > {target + 0.3} && !audio.paused")
            state = await page.evaluate(_STATE_EXPRESSION)
            assert min(start for start, _ in state["buffered"]) >= entries[26]["start"] - 0.1, state
            assert state["highlighted"] == [entries[26]["text"]]
            assert not page.errors, page.errors

    asyncio.run(scenario())


@contextlib.contextmanager
def _orm_allowed():
    """The ORM from inside a Playwright session (see browser_page)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- end to end, with the real speech pipeline -----------------------------------------------------------------------

def pipeline_missing():
    for module in ("readaloud.text.pipeline", "readaloud.services.rendering", "voices.synthesis"):
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except ImportError:
            return module
    return None


@pytest.fixture
def render_worker(transactional_db):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
        cwd=REPO, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield process
    stop(process, timeout=15)


@pytest.mark.slow
@pytest.mark.models
@pytest.mark.skipif(pipeline_missing() is not None,
                    reason=f"the render pipeline is not there yet ({pipeline_missing()})")
def test_end_to_end_publish_open_play_with_the_real_pipeline(live_server_url, render_worker, author):
    """Published now, not rendered yet: opening the page and pressing play renders it (the worker) while it plays."""
    body = ("## 散步\n\n今天天气很好。我们去 **公园** 散步吧。\n\n"
            "It was a sunny day.\n\n- 公园里有很多花。\n- 孩子们在草地上玩耍。\n")
    article = published(author, body=body, title="散步")

    with browser_page() as page:
        open_article(page, live_server_url, article)
        page.get_by_role("button", name="播放 Play").click()
        try:
            wait_for(page, "audio.currentTime > 1 && current >= 0", timeout=180_000)
        except Exception:
            render_worker.terminate()
            output = render_worker.communicate(timeout=15)[0].decode(errors="replace")
            pytest.fail(f"no audio; player: {player_state(page)}\nworker output:\n{output[-4000:]}")
        first = player_state(page)
        assert first["mode"] == "mse"
        wait_for(page, f"current > {first['current']}", timeout=120_000)
        later = player_state(page)
        assert later["time"] > first["time"] and later["current"] > first["current"]
        # the real pipeline's sentences (block index + offsets) all land on the page's text
        readable = page.locator(f"{PLAYER} .readaloud__sentence:not(.readaloud__sentence--notice)").count()
        assert later["mapped"] == f"{readable}/{readable}"
