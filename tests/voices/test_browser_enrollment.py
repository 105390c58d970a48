"""Voice enrollment in a real browser: headless Chromium (Debian's, driven by Playwright) with a fake microphone.

Chromium plays a WAV file as the microphone (--use-file-for-fake-audio-capture) and reads the file each time a capture
starts; the page opens the microphone at "Record" and releases it at "Stop". So the test reveals the sentence on the
page, has Kokoro read exactly that sentence into the file, then records through the page's AudioWorklet, which
encodes the WAV that the page uploads. The live server (pytest-django, HTTP) runs the real verification.
"""

from pathlib import Path

import numpy as np
import pytest
from speech_fixtures import publish_all, say

from voices import audio as audio_utils
from voices.models import ConsentRecord, Enrollment, ReadingAttempt

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser, pytest.mark.models, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"Chromium is not installed at {CHROMIUM} (tools/ensure_browsers.sh installs it)"),
]


def write_microphone(path: Path, clip=None, seconds: float = 20.0):
    """What the fake microphone plays: 0.5 s of room noise, the clip, then room noise up to `seconds`."""
    rate = 48000
    rng = np.random.default_rng(3)
    speech = np.zeros(0, np.float32) if clip is None else audio_utils.resample(clip.audio, clip.sample_rate, rate)
    lead = int(0.5 * rate)
    x = rng.normal(0, 3e-4, int(seconds * rate)).astype(np.float32)
    x[lead:lead + len(speech)] += speech
    audio_utils.write_wav(path, x, rate)


@pytest.fixture
def browser_page(tmp_path, monkeypatch):
    playwright_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used between Playwright calls
    microphone = tmp_path / "microphone.wav"
    write_microphone(microphone)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}", "--disable-background-networking",
            "--disable-component-update",
        ])
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        console = []
        page.on("console", lambda message: console.append(message.text))
        yield page, microphone, console
        browser.close()


def test_consent_and_a_live_reading_in_the_browser(live_server, author, password, kokoro, browser_page):
    publish_all(author)
    page, microphone, console = browser_page

    page.goto(f"{live_server.url}/accounts/login/?next=/voices/")
    page.fill("input[name=username]", author.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.click("text=开始登记")

    page.wait_for_url("**/voices/consent/**")
    assert "我们会录下什么" in page.inner_text("article.voices-terms")
    page.check("#id_agree")
    page.click("[data-action=accept]")

    page.wait_for_url("**/voices/read/")
    consent = ConsentRecord.objects.get(user=author)
    assert consent.language == "zh" and "Chrom" in consent.user_agent and consent.ip_address == "127.0.0.1"
    page.wait_for_selector("[data-action=show]:not([disabled])")
    assert "共 5 句" in page.inner_text("[data-role=round]")

    page.click("[data-action=show]")
    page.wait_for_selector("[data-action=record]:not([disabled])")
    sentence = page.inner_text("[data-role=sentence]").strip()
    language = "en" if sentence.isascii() else "zh"
    clip = say(kokoro, sentence, language)
    write_microphone(microphone, clip)  # Chromium reads the file when the page opens the microphone

    page.click("[data-action=record]")
    page.wait_for_selector("[data-action=stop]:not([disabled])")
    page.wait_for_timeout(int((clip.seconds + 1.5) * 1000))
    page.click("[data-action=stop]")
    page.wait_for_selector("[data-role=result] .enroll__ok, [data-role=result] .enroll__fail", timeout=180_000)
    result = page.inner_text("[data-role=result]")

    attempt = ReadingAttempt.objects.get(user=author)
    assert attempt.accepted, (result, attempt.reasons, attempt.scores, console)
    assert "通过" in result and "我们听到" in result
    assert attempt.expected_text == sentence and attempt.transcript
    recording = attempt.recording
    assert recording.sample_rate in (44100, 48000) and recording.channels == 1  # the page keeps the device's rate
    assert clip.seconds < recording.duration_seconds < clip.seconds + 5
    assert attempt.scores["timing"]["elapsed"] >= recording.duration_seconds
    assert Enrollment.objects.get(user=author).state == Enrollment.State.READING
    assert "已通过 1/5" in page.inner_text("[data-role=overall]")
    page.wait_for_selector("[data-action=show]:not([disabled])")  # on to the next sentence
