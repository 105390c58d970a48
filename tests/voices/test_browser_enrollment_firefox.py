"""Voice enrollment in a real Firefox (Debian's firefox-esr, headless, over WebDriver BiDi) with its fake microphone.

Firefox cannot play a file as the microphone the way Chromium does (test_browser_enrollment.py): its fake device plays
a tone. So this test cannot get a reading accepted; it proves the rest of the path in Firefox. The page opens the
microphone, records through its AudioWorklet, encodes the WAV, uploads it, and the live server (pytest-django, HTTP)
runs the real verification, which must refuse a tone for what it is (not speech) rather than for a broken file, and
the page must show the reader what was heard and what to fix.
"""

import asyncio

import numpy as np
import pytest
from speech_fixtures import publish_all

from tests.firefox_bidi import FAKE_MICROPHONE_PREFS, FIREFOX, FIREFOX_MISSING, FirefoxPage
from voices import audio as audio_utils
from voices.assets import ModelAssetMissing, model_path
from voices.models import ConsentRecord, Enrollment, ReadingAttempt

pytestmark = [
    pytest.mark.browser, pytest.mark.models, pytest.mark.slow,
    pytest.mark.skipif(FIREFOX is None, reason=FIREFOX_MISSING),
]

RECORD_SECONDS = 4.0
# The Chinese terms, as a reader in China gets them (Firefox asks for English by default).
PREFS = {**FAKE_MICROPHONE_PREFS, "intl.accept_languages": "zh-CN, zh, en"}
FAKE_TONE_HZ = 1000  # what Firefox's fake microphone plays
# A tone is not speech: it must be refused because no words of the sentence were heard...
WORDS_NOT_HEARD = {"no_speech", "too_little_speech", "text_mismatch", "forced_low"}
# ...and for nothing but what the sound and the words are. Any other failed check (format, sample rate, length,
# timing, replay, challenge) would mean the recorder, the upload or the page is broken rather than the reading wrong.
SOUND_AND_WORDS = WORDS_NOT_HEARD | {"mostly_silence", "too_quiet", "clipped", "noisy", "too_fast", "too_slow",
                                     "forced_distractor", "forced_words_differ"}


@pytest.fixture
def verification_models():
    """The models the server's verification runs (speech recognition, speaker encoder)."""
    try:
        model_path("whisper-base")
        model_path("resemblyzer")
    except ModelAssetMissing as exc:
        pytest.skip(f"verification models not installed: {exc}")


async def no_page_error(page):
    """Between polls: stop at once on an uncaught error or on the page's own error box."""
    assert not page.errors, (page.errors, page.console)
    shown = await page.evaluate("document.querySelector('[data-role=error]:not([hidden])')?.innerText ?? null")
    assert not shown, (shown, page.console)


async def consent_through_the_page(page, base_url, username, password, check=no_page_error):
    """Log in, accept the terms on the consent page, and wait for the reading page to offer a sentence."""
    await page.goto(f"{base_url}/accounts/login/?next=/voices/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for("location.pathname === '/voices/' && document.readyState === 'complete'")
    await page.click("a[href*='/voices/consent/']")

    await page.wait_for("location.pathname.startsWith('/voices/consent/') && document.readyState === 'complete'")
    assert "我们会录下什么" in await page.text("article.voices-terms")
    await page.click("#id_agree")
    await page.click("[data-action=accept]")

    await page.wait_for("location.pathname === '/voices/read/' && document.readyState === 'complete'")
    await page.wait_for("!document.querySelector('[data-action=show]').disabled", check=check)


async def enroll_in_firefox(base_url, username, password):
    """Log in, consent and record one reading through the page; returns what the page showed."""
    async with FirefoxPage.open(prefs=PREFS) as page:
        await consent_through_the_page(page, base_url, username, password)
        round_text = await page.text("[data-role=round]")
        await page.click("[data-action=show]")
        await page.wait_for("!document.querySelector('[data-action=record]').disabled", check=no_page_error)
        sentence = (await page.text("[data-role=sentence]")).strip()

        await page.click("[data-action=record]")
        await page.wait_for("!document.querySelector('[data-action=stop]').disabled", check=no_page_error)
        await asyncio.sleep(RECORD_SECONDS)
        # The worklet reports the level while it records: the meter shows the tone, so audio reached it.
        meter = await page.evaluate("Number(document.querySelector('[data-role=meter]').getAttribute('aria-valuenow'))")
        await page.click("[data-action=stop]")
        # Recognition and the speaker encoder run on the server: slow on a shared machine.
        await page.wait_for("document.querySelector('[data-role=result] :is(.enroll__ok, .enroll__fail)')",
                            timeout=180, check=no_page_error)
        return {
            "round": round_text, "sentence": sentence, "meter": meter,
            "result": await page.text("[data-role=result]"),
            "decision": await page.evaluate("document.querySelector('[data-role=result]').dataset.decision"),
            "problems": await page.evaluate(
                "[...document.querySelectorAll('[data-role=result] li')].map((li) => li.textContent)"),
            "record_enabled": await page.evaluate("!document.querySelector('[data-action=record]').disabled"),
            "errors": page.errors, "console": page.console,
        }


def test_a_reading_recorded_in_firefox_is_uploaded_and_verified(live_server, author, password, verification_models):
    publish_all(author)

    shown = asyncio.run(enroll_in_firefox(live_server.url, author.username, password))

    assert not shown["errors"], shown
    consent = ConsentRecord.objects.get(user=author)
    assert "Firefox" in consent.user_agent and consent.language == "zh"
    assert "共 5 句" in shown["round"]
    assert shown["meter"] > 0, shown  # the tone moved the level meter while recording

    attempt = ReadingAttempt.objects.select_related("sentence", "recording").get(user=author)
    assert attempt.sentence.text == attempt.expected_text == shown["sentence"]
    assert attempt.sentence.shown_at is not None
    recording = attempt.recording
    assert recording is not None, attempt.reasons  # the upload was parsed as audio and kept
    assert recording.audio_format.startswith("WAV") and recording.channels == 1
    assert recording.sample_rate in (44100, 48000), recording.sample_rate  # the context's own rate, not resampled
    assert 1.0 < recording.duration_seconds < RECORD_SECONDS + 5, recording.duration_seconds
    assert attempt.scores["timing"]["elapsed"] >= recording.duration_seconds

    with recording.file.open("rb") as handle:
        samples, rate = audio_utils.read_audio(handle)
    # The header's rate is the rate of the samples: the tone is at its own pitch. And the worklet's chunks join up:
    # a dropped, repeated or reordered chunk would break the sine's phase, a jump far above its sample-to-sample
    # curvature (amplitude x (2 pi f / rate)^2, about 0.002 here).
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    assert abs(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()] - FAKE_TONE_HZ) < 5
    assert np.abs(np.diff(samples, 2)).max() < 0.02

    failed = {reason["code"] for reason in attempt.reasons if reason["ok"] is False}
    assert attempt.decision == ReadingAttempt.Decision.REJECTED, (attempt.decision, attempt.reasons)
    assert failed & WORDS_NOT_HEARD and failed <= SOUND_AND_WORDS, attempt.reasons
    assert attempt.sentence.text not in attempt.transcript
    assert Enrollment.objects.get(user=author).state in (Enrollment.State.CONSENTED, Enrollment.State.READING)

    # The reader is told, in both languages, what was heard and what to fix, and may record again.
    assert shown["decision"] == "rejected"
    assert "未通过" in shown["result"] and "我们听到" in shown["result"] and "We heard" in shown["result"]
    assert "请按提示调整后再录一次" in shown["result"]
    expected = [f"{reason['zh']} {reason['en']}" for reason in attempt.reasons if reason["ok"] is False]
    assert shown["problems"] == expected
    assert shown["record_enabled"]


def test_a_browser_whose_audio_never_starts_gets_a_message_not_a_hung_page(live_server, author, password):
    """Without the stand-in audio output (a machine with no sound device), Firefox never resumes an AudioContext."""
    publish_all(author)

    async def scenario():
        prefs = {**PREFS, "media.cubeb.force_mock_context": False, "media.cubeb.backend": "none"}
        async with FirefoxPage.open(prefs=prefs) as page:
            await consent_through_the_page(page, live_server.url, author.username, password)
            await page.click("[data-action=show]")
            await page.wait_for("!document.querySelector('[data-action=record]').disabled")
            await page.click("[data-action=record]")
            await page.wait_for("document.querySelector('[data-role=error]:not([hidden])')", timeout=20)
            return {"error": await page.text("[data-role=error]"),
                    "record_enabled": await page.evaluate("!document.querySelector('[data-action=record]').disabled")}

    shown = asyncio.run(scenario())
    assert "audio did not start" in shown["error"] and "麦克风" in shown["error"], shown
    assert shown["record_enabled"]  # the reader can try again (after fixing the audio)
    assert not ReadingAttempt.objects.filter(user=author).exists()
