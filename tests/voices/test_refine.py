"""After a voice is ready: record more (refine) and discard-and-start-over, as services, pages and API endpoints.

Most tests build the first round from fabricated accepted readings (as test_voice_lifecycle does) and a voice whose
artifact is a placeholder file; the speaker check of a "record more" round and the clone of a new version run the
real models on Kokoro speech (marked models + slow)."""

import datetime
import hashlib
import os
import random

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from speech_fixtures import ZH_VOICE, publish_all, with_silence

from voices.adapter import get_author_text_adapter
from voices.audio import AudioFormatError
from voices.audit.log import verify_chain
from voices.audit.models import AuditEntry
from voices.models import Challenge, ConsentRecord, Enrollment, ReadingAttempt, Recording, Voice
from voices.selectors import challenge_open, voice_current, voice_for_author_at
from voices.services.challenges import accepted_sentence_texts, challenge_create, sentence_show
from voices.services.consent import consent_accept
from voices.services.enrollment import enrollment_check_verified, enrollment_transition, reading_goal
from voices.services.readings import reading_submit
from voices.services.refine import ActionRefused, enrollment_refine, voice_actions, voice_discard
from voices.services.sentences import candidates_from_texts
from voices.services.voice import voice_apply, voice_clone_run, voice_clone_start, voice_suspend

State = Enrollment.State


@pytest.fixture
def published_author(author):
    return publish_all(author)


def candidate_texts(user, language=None) -> list[str]:
    candidates = candidates_from_texts(get_author_text_adapter().published_texts(user.pk))
    return [c.text for c in candidates if language is None or c.language == language]


def fabricated_reading(user, enrollment, text, *, audio=b"RIFF-fabricated", embedding=None, speech=4.0):
    """An accepted reading as reading_submit stores it, without running the models."""
    recording = Recording(user=user, enrollment=enrollment, size_bytes=len(audio), duration_seconds=speech,
                          sha256=hashlib.sha256(text.encode() + audio).hexdigest(), sample_rate=24000, channels=1,
                          speaker_embedding=b"" if embedding is None else np.asarray(embedding, "<f4").tobytes())
    recording.file.save("reading.wav", ContentFile(audio), save=True)
    return ReadingAttempt.objects.create(user=user, enrollment=enrollment, recording=recording, expected_text=text,
                                         decision=ReadingAttempt.Decision.ACCEPTED, speech_seconds=speech)


def fabricated_clone(voice: Voice) -> Voice:
    """What a finished cloning run leaves (the placeholder artifact is never synthesized with here)."""
    voice.artifact.save("voice.npz", ContentFile(b"placeholder artifact"), save=False)
    voice.artifact_sha256, voice.version, voice.state, voice.progress = "f" * 64, 1, Voice.State.READY, 1.0
    voice.save()
    enrollment_transition(enrollment=voice.enrollment, to=State.READY)
    return voice


def ready_voice(user, texts, *, applied=False, clips=None):
    """Consent (real), a first round of accepted readings (fabricated), verified (real), a voice (fabricated)."""
    consent_accept(user=user, language="zh")
    enrollment = Enrollment.objects.get(user=user, state=State.CONSENTED)
    enrollment_transition(enrollment=enrollment, to=State.READING)
    for i, text in enumerate(texts):
        fabricated_reading(user, enrollment, text, **(clips[i] if clips else {}))
    enrollment = enrollment_check_verified(enrollment=enrollment)
    assert enrollment.state == State.VERIFIED
    voice = fabricated_clone(voice_clone_start(enrollment=enrollment))  # no commit here: the task never runs
    if applied:
        voice = voice_apply(voice=voice, user=user)
    enrollment.refresh_from_db()
    return enrollment, voice


def events(name, **data) -> list[AuditEntry]:
    return [e for e in AuditEntry.objects.filter(event=name) if all(e.data.get(k) == v for k, v in data.items())]


def refused(call, **kwargs) -> ActionRefused:
    with pytest.raises(ActionRefused) as info:
        call(**kwargs)
    assert info.value.en and info.value.zh
    return info.value


# --- the state machine and its refusals -------------------------------------------------------------------------


@pytest.mark.django_db
def test_refine_and_discard_are_refused_outside_their_states(published_author):
    assert refused(enrollment_refine, user=published_author).code == "no_enrollment"
    assert refused(voice_discard, user=published_author).code == "no_enrollment"
    consent_accept(user=published_author, language="zh")
    error = refused(enrollment_refine, user=published_author)
    assert error.code == "refine_unavailable" and "Consented" in error.en and "已同意" in error.zh
    assert refused(voice_discard, user=published_author).code == "discard_unavailable"
    enrollment = Enrollment.objects.get(user=published_author)
    challenge_create(enrollment=enrollment)  # reading
    assert refused(enrollment_refine, user=published_author).code == "refine_unavailable"
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.READING
    assert not events("voice_refine_requested")


@pytest.mark.django_db
def test_an_applied_voice_is_not_discarded(published_author, django_capture_on_commit_callbacks):
    enrollment, voice = ready_voice(published_author, candidate_texts(published_author)[:5], applied=True)
    files = [voice.artifact.path] + [r.file.path for r in Recording.objects.filter(enrollment=enrollment)]
    with django_capture_on_commit_callbacks(execute=True):
        error = refused(voice_discard, user=published_author)
    assert error.code == "discard_applied" and "Record more" in error.en
    assert all(os.path.exists(path) for path in files)
    voice.refresh_from_db()
    assert voice.is_applied and voice.is_usable
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.APPLIED
    assert voice_actions(published_author, enrollment) == {"refine": True, "discard": False,
                                                           "discard_starts_over": False}


@pytest.mark.django_db
def test_a_suspended_voice_is_not_remade(published_author):
    enrollment, voice = ready_voice(published_author, candidate_texts(published_author)[:5], applied=True)
    voice_suspend(voice=voice, reason="test")
    assert refused(enrollment_refine, user=published_author).code == "voice_suspended"
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.APPLIED


# --- record more ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refine_keeps_the_applied_voice_serving_until_the_new_version_is_applied(
        published_author, django_capture_on_commit_callbacks, client):
    texts = candidate_texts(published_author)
    enrollment, v1 = ready_voice(published_author, texts[:5], applied=True)
    published_before = timezone.now()
    assert voice_for_author_at(published_author.pk, published_before) == v1

    challenge = enrollment_refine(user=published_author, rng=random.Random(1))
    enrollment.refresh_from_db()
    assert enrollment.state == State.READING
    goal = reading_goal(enrollment)
    assert (goal.refining, goal.round, goal.readings, goal.readings_needed, goal.complete) == (True, 2, 0, 3, False)
    drawn = [s.text for s in challenge.sentences.all()]
    assert len(drawn) == 5 and not set(drawn) & set(texts[:5])
    [requested] = events("voice_refine_requested", enrollment_id=enrollment.pk)
    assert requested.data["from"] == "applied" and requested.data["voice_in_use_id"] == v1.pk
    assert requested.actor_user_id == published_author.pk
    # Reading: the applied voice still reads new articles, and is still the one shown.
    assert voice_for_author_at(published_author.pk, timezone.now()) == v1
    assert voice_current(published_author.pk) == v1

    for text in drawn[:2]:
        fabricated_reading(published_author, enrollment, text)
        enrollment = enrollment_check_verified(enrollment=enrollment)
    assert enrollment.state == State.READING and reading_goal(enrollment).readings_remaining == 1
    fabricated_reading(published_author, enrollment, drawn[2])
    with django_capture_on_commit_callbacks(execute=True):  # the receiver starts cloning, as on a real commit
        enrollment_check_verified(enrollment=enrollment)
    enrollment.refresh_from_db()
    assert enrollment.state == State.CLONING
    v2 = Voice.objects.exclude(pk=v1.pk).get(enrollment=enrollment)
    assert v2.state == Voice.State.CLONING
    [decision] = events("verification_decision", enrollment_id=enrollment.pk, round=2)
    assert decision.data["readings"] == 8 and decision.data["round_readings"] == 3
    # Cloning: a new voice row; the applied one keeps reading.
    v1.refresh_from_db()
    assert v1.is_applied and v1.is_usable
    assert voice_for_author_at(published_author.pk, timezone.now()) == v1
    assert voice_current(published_author.pk) == v2
    client.force_login(published_author)
    page = client.get("/voices/").content.decode()
    assert 'data-role="voice-in-use"' in page and f'data-voice-id="{v2.pk}"' in page

    fabricated_clone(v2)
    enrollment.refresh_from_db()
    assert voice_for_author_at(published_author.pk, timezone.now()) == v1  # ready is not applied
    assert voice_actions(published_author, enrollment) == {"refine": True, "discard": True,
                                                           "discard_starts_over": False}
    page = client.get("/voices/").content.decode()
    assert f"/voices/voice/{v2.pk}/apply/" in page and "放弃这个新版本" in page

    voice_apply(voice=v2, user=published_author)
    applied_at = Voice.objects.get(pk=v2.pk).applied_at
    assert voice_for_author_at(published_author.pk, timezone.now()) == v2
    assert voice_for_author_at(published_author.pk, published_before) == v1  # older posts keep their voice
    assert voice_for_author_at(published_author.pk, applied_at - datetime.timedelta(microseconds=1)) == v1
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.APPLIED


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_the_refine_challenge_never_repeats_an_accepted_sentence(published_author, seed):
    texts = candidate_texts(published_author)
    assert len(texts) == 13
    accepted = texts[seed:seed + 10]
    enrollment, _ = ready_voice(published_author, accepted)
    challenge = enrollment_refine(user=published_author, rng=random.Random(seed))
    enrollment.refresh_from_db()  # reading again
    assert accepted_sentence_texts(enrollment) == set(accepted)
    drawn = {s.text for s in challenge.sentences.all()}
    assert drawn == set(texts) - set(accepted)  # the three unread ones: fewer than 5, but all the round needs
    # "New sentences" in the round draws unread ones again; one read now is not drawn after.
    sentence = challenge.sentences.first()
    fabricated_reading(published_author, enrollment, sentence.text)
    again = {s.text for s in challenge_create(enrollment=enrollment, rng=random.Random(seed)).sentences.all()}
    assert again == drawn - {sentence.text}


@pytest.mark.django_db
def test_refine_with_too_few_unread_sentences_changes_nothing(published_author, client):
    texts = candidate_texts(published_author)
    enrollment, voice = ready_voice(published_author, texts[:11], applied=True)
    challenges = Challenge.objects.count()
    error = refused(enrollment_refine, user=published_author)
    assert (error.code, error.values) == ("not_enough_text", {"found": 2, "needed": 3})
    assert "not read yet" in error.en and "没有读过" in error.zh
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.APPLIED  # rolled back
    assert Challenge.objects.count() == challenges and not events("voice_refine_requested")
    client.force_login(published_author)
    response = client.post("/voices/api/enrollment/refine/")
    assert response.status_code == 422 and response.json()["code"] == "not_enough_text"


@pytest.mark.django_db
def test_a_refine_round_asks_for_more_when_retention_deleted_older_audio(published_author, settings):
    texts = candidate_texts(published_author)
    enrollment, _ = ready_voice(published_author, texts[:5])
    old = Recording.objects.filter(enrollment=enrollment).order_by("pk")[:4]
    Recording.objects.filter(pk__in=[r.pk for r in old]).update(file="")  # what purge_recordings leaves
    enrollment_refine(user=published_author, rng=random.Random(0))
    enrollment.refresh_from_db()  # reading again
    goal = reading_goal(enrollment)
    # one reading (4 s) kept: the round needs 5 - 1 readings and 20 - 4 s, so that cloning has the minimums
    assert (goal.readings_needed, goal.speech_seconds_needed) == (4, 16.0)
    settings.VOICES = {**settings.VOICES, "REFINE_MIN_READINGS": 6}
    assert reading_goal(enrollment).readings_needed == 6


@pytest.mark.django_db
def test_a_failed_clone_of_a_new_version_leaves_the_applied_voice(published_author):
    texts = candidate_texts(published_author)
    enrollment, v1 = ready_voice(published_author, texts[:5], applied=True)
    challenge = enrollment_refine(user=published_author, rng=random.Random(2))
    enrollment.refresh_from_db()  # reading again
    for sentence in list(challenge.sentences.all())[:3]:
        fabricated_reading(published_author, enrollment, sentence.text)  # not audio: cloning it fails
    enrollment = enrollment_check_verified(enrollment=enrollment)
    v2 = voice_clone_start(enrollment=enrollment)
    with pytest.raises(AudioFormatError):
        voice_clone_run(v2.pk, time_budget_s=0)
    v2.refresh_from_db()
    assert v2.state == Voice.State.FAILED and "AudioFormatError" in v2.error
    enrollment.refresh_from_db()
    assert enrollment.state == State.APPLIED and not enrollment.failure_reason
    assert voice_for_author_at(published_author.pk, timezone.now()) == v1
    assert events("enrollment_state", enrollment_id=enrollment.pk, to="applied")[-1].data["from"] == "cloning"


# --- discard ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_discard_deletes_the_voice_and_the_recordings_audio_and_starts_over(
        published_author, django_capture_on_commit_callbacks):
    texts = candidate_texts(published_author)
    enrollment, voice = ready_voice(published_author, texts[:5])
    artifact = voice.artifact.path
    recordings = list(Recording.objects.filter(enrollment=enrollment))
    paths = [r.file.path for r in recordings]
    assert os.path.exists(artifact) and all(os.path.exists(p) for p in paths)
    assert voice_actions(published_author, enrollment)["discard_starts_over"]

    with django_capture_on_commit_callbacks(execute=True):
        result = voice_discard(user=published_author, rng=random.Random(0))

    assert result.started_over and result.voice_ids == [voice.pk]
    assert not os.path.exists(artifact) and not any(os.path.exists(p) for p in paths)
    voice.refresh_from_db()
    assert voice.state == Voice.State.REVOKED and not voice.artifact and voice.revoked_at
    # The rows stay for the audit (hashes, scores), without audio; the attempts keep their decision.
    for recording in recordings:
        kept = Recording.objects.get(pk=recording.pk)
        assert not kept.file and kept.sha256 == recording.sha256
    assert ReadingAttempt.objects.filter(enrollment=enrollment, decision="accepted").count() == 5
    enrollment.refresh_from_db()
    assert enrollment.state == State.REVOKED
    assert ConsentRecord.objects.get(pk=enrollment.consent_id).withdrawn_at is None  # consent stays
    # A fresh round: a new enrollment under the same consent, reading a new challenge, counting from zero.
    fresh = result.enrollment
    assert fresh.pk != enrollment.pk and fresh.consent_id == enrollment.consent_id and fresh.state == State.READING
    assert challenge_open(fresh) == result.challenge and result.challenge.sentences.count() == 5
    goal = reading_goal(fresh)
    assert (goal.refining, goal.readings, goal.readings_needed) == (False, 0, 5)
    assert voice_current(published_author.pk) is None
    # Audited: the voice, its artifact, the recordings, the state change and the request.
    assert events("voice_discarded", voice_id=voice.pk)
    assert events("artifacts_deleted", voice_id=voice.pk, reason="voice_discarded")
    [deleted] = events("recordings_deleted", enrollment_id=enrollment.pk, reason="voice_discarded")
    assert sorted(r["sha256"] for r in deleted.data["recordings"]) == sorted(r.sha256 for r in recordings)
    assert events("enrollment_state", enrollment_id=enrollment.pk, to="revoked", reason="discarded_to_start_over")
    [request] = events("voice_discard_requested", enrollment_id=enrollment.pk)
    assert request.data["new_enrollment_id"] == fresh.pk and request.actor_user_id == published_author.pk
    assert verify_chain().ok
    assert refused(voice_discard, user=published_author).code == "discard_unavailable"


@pytest.mark.django_db
def test_discarding_a_new_version_keeps_the_applied_voice_and_the_recordings(
        published_author, django_capture_on_commit_callbacks):
    texts = candidate_texts(published_author)
    enrollment, v1 = ready_voice(published_author, texts[:5], applied=True)
    challenge = enrollment_refine(user=published_author, rng=random.Random(3))
    enrollment.refresh_from_db()  # reading again
    for sentence in list(challenge.sentences.all())[:3]:
        fabricated_reading(published_author, enrollment, sentence.text)
    enrollment = enrollment_check_verified(enrollment=enrollment)
    v2 = fabricated_clone(voice_clone_start(enrollment=enrollment))
    paths = [r.file.path for r in Recording.objects.filter(enrollment=enrollment)]

    with django_capture_on_commit_callbacks(execute=True):
        result = voice_discard(user=published_author)

    assert not result.started_over and result.voice_ids == [v2.pk] and result.enrollment.pk == enrollment.pk
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.APPLIED
    v2.refresh_from_db()
    assert v2.state == Voice.State.REVOKED and not v2.artifact
    assert voice_for_author_at(published_author.pk, timezone.now()) == v1 and os.path.exists(v1.artifact.path)
    assert all(os.path.exists(p) for p in paths) and len(paths) == 8
    assert voice_current(published_author.pk) == v1


# --- pages and API ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_and_endpoints_need_login_and_csrf(published_author, password):
    anonymous = Client()
    for url in ("/voices/refine/", "/voices/discard/"):
        response = anonymous.post(url)
        assert response.status_code == 302 and "login" in response.url
    for url in ("/voices/api/enrollment/refine/", "/voices/api/enrollment/discard/"):
        assert anonymous.post(url).status_code == 403
    ready_voice(published_author, candidate_texts(published_author)[:5])
    strict = Client(enforce_csrf_checks=True)
    strict.login(username=published_author.username, password=password)
    assert strict.get("/voices/refine/").status_code == 405
    for url in ("/voices/refine/", "/voices/discard/"):
        assert strict.post(url).status_code == 403
    for url in ("/voices/api/enrollment/refine/", "/voices/api/enrollment/discard/"):
        response = strict.post(url)
        assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert Enrollment.objects.get(user=published_author).state == State.READY  # nothing happened
    # The page's own forms carry the token.
    page = strict.get("/voices/")
    token = page.context["csrf_token"]
    assert 'action="/voices/refine/"' in page.content.decode() and 'action="/voices/discard/"' in page.content.decode()
    response = strict.post("/voices/refine/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302 and response.url == "/voices/read/"


@pytest.mark.django_db
def test_status_and_read_pages_offer_the_actions_and_say_which_round(published_author, client):
    client.force_login(published_author)
    assert "/voices/refine/" not in client.get("/voices/").content.decode()
    enrollment, voice = ready_voice(published_author, candidate_texts(published_author)[:5])
    page = client.get("/voices/").content.decode()
    assert 'action="/voices/refine/"' in page and "再录几句" in page and "Record more" in page
    assert 'action="/voices/discard/"' in page and "放弃并重新开始" in page and "Discard and start over" in page
    assert page.count("csrfmiddlewaretoken") >= 4  # apply, record more, discard, withdraw

    voice_apply(voice=voice, user=published_author)
    page = client.get("/voices/").content.decode()
    assert 'action="/voices/refine/"' in page and 'action="/voices/discard/"' not in page
    refused_page = client.post("/voices/discard/", follow=True).content.decode()
    assert "不能放弃" in refused_page and "cannot be discarded" in refused_page

    response = client.post("/voices/refine/")
    assert response.status_code == 302 and response.url == "/voices/read/"
    read = client.get("/voices/read/").content.decode()
    assert "第 2 轮" in read and "Round 2" in read and "keep the current voice" in read
    assert '"refining": true' in read and '"readings_remaining": 3' in read
    status = client.get("/voices/").content.decode()
    assert "Round 2: record 3 more" in status
    assert 'action="/voices/refine/"' not in status  # already reading


@pytest.mark.django_db
def test_api_refine_and_discard(published_author, client):
    client.force_login(published_author)
    response = client.post("/voices/api/enrollment/refine/")
    assert response.status_code == 404 and response.json()["code"] == "no_enrollment"
    consent_accept(user=published_author, language="zh")
    response = client.post("/voices/api/enrollment/refine/")
    body = response.json()
    assert response.status_code == 409 and body["code"] == "refine_unavailable" and body["zh"] and body["en"]
    assert client.post("/voices/api/enrollment/discard/").json()["code"] == "discard_unavailable"
    Enrollment.objects.filter(user=published_author).delete()

    enrollment, voice = ready_voice(published_author, candidate_texts(published_author)[:5])
    status = client.get("/voices/api/status/").json()
    assert status["actions"] == {"refine": True, "discard": True, "discard_starts_over": True}
    response = client.post("/voices/api/enrollment/refine/")
    assert response.status_code == 201
    body = response.json()
    assert body["enrollment"]["state"] == "reading" and body["progress"]["refining"] is True
    assert body["progress"]["readings_needed"] == 3 and len(body["challenge"]["sentences"]) == 5
    assert client.post("/voices/api/enrollment/discard/").json()["code"] == "discard_unavailable"

    # Back to a ready voice (a finished round), then discard it through the API: a new enrollment reads.
    challenge = Challenge.objects.get(pk=body["challenge"]["id"])
    enrollment.refresh_from_db()
    for sentence in list(challenge.sentences.all())[:3]:
        fabricated_reading(published_author, enrollment, sentence.text)
    enrollment = enrollment_check_verified(enrollment=enrollment)
    v2 = fabricated_clone(voice_clone_start(enrollment=enrollment))
    response = client.post("/voices/api/enrollment/discard/")
    assert response.status_code == 200
    body = response.json()
    # both never applied: the first voice (kept, previewable, while the round was read) and the new one
    assert body["started_over"] is True and sorted(body["discarded_voice_ids"]) == sorted([voice.pk, v2.pk])
    assert body["enrollment"]["id"] != enrollment.pk and body["enrollment"]["state"] == "reading"
    assert body["progress"] == {**body["progress"], "readings": 0, "readings_needed": 5, "refining": False}
    assert body["actions"] == {"refine": False, "discard": False, "discard_starts_over": False}


# --- real speech -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speaker_encoder():
    from voices.backends.loading import load_backend

    return load_backend("SPEAKER_ENCODER")


def embedding_of(encoder, clip):
    from voices import audio as audio_utils

    return encoder.embed(audio_utils.resample(clip.audio, clip.sample_rate, 16000), 16000)


@pytest.mark.models
@pytest.mark.slow
@pytest.mark.django_db
def test_the_speaker_check_rejects_another_speaker_in_a_refine_round(published_author, kokoro, speaker_encoder):
    """The first round's voices (real embeddings of one Kokoro voice) are what a refine round's readings must match:
    another voice reading the new sentence, live and word for word, is rejected for its voice alone."""
    zh = candidate_texts(published_author, "zh")
    first = zh[:5]
    clips = [{"embedding": embedding_of(speaker_encoder, kokoro.say(text, ZH_VOICE, "zh"))} for text in first]
    enrollment, _ = ready_voice(published_author, first, applied=True, clips=clips)
    challenge = enrollment_refine(user=published_author, rng=random.Random(0))
    enrollment.refresh_from_db()  # reading again
    sentence = next(s for s in challenge.sentences.all() if s.language == "zh")
    sentence, token = sentence_show(sentence=sentence)
    other = kokoro.say(sentence.text, "zm_yunxi", "zh")
    attempt = reading_submit(user=published_author, sentence_id=sentence.pk, audio=with_silence(other),
                             shown_token=token, received_at=sentence.shown_at + datetime.timedelta(
                                 seconds=other.seconds + 2))
    failed = [r["code"] for r in attempt.reasons if r["ok"] is False]
    assert attempt.decision == ReadingAttempt.Decision.REJECTED and failed == ["speaker_mismatch"], attempt.reasons
    assert attempt.speaker_similarity < 0.8
    assert reading_goal(Enrollment.objects.get(pk=enrollment.pk)).readings == 0
    # The author's own voice reading the same sentence passes (0.92 measured against 0.67-0.70 for the other).
    own = kokoro.say(sentence.text, ZH_VOICE, "zh")
    attempt = reading_submit(user=published_author, sentence_id=sentence.pk, audio=with_silence(own),
                             shown_token=token, received_at=sentence.shown_at + datetime.timedelta(
                                 seconds=own.seconds + 2))
    assert attempt.decision == ReadingAttempt.Decision.ACCEPTED, attempt.reasons
    assert attempt.speaker_similarity >= 0.8
    assert reading_goal(Enrollment.objects.get(pk=enrollment.pk)).readings == 1


@pytest.mark.models
@pytest.mark.slow
@pytest.mark.django_db
def test_a_refine_round_clones_a_new_voice_from_every_reading(published_author, kokoro, settings,
                                                              django_capture_on_commit_callbacks):
    """Real audio, real clone: a voice never applied is previewable during the round, and retired (artifact deleted)
    when the new version, made from the readings of both rounds, is ready."""
    settings.VOICES = {**settings.VOICES, "ENROLLMENT_MIN_READINGS": 3, "ENROLLMENT_MIN_SPEECH_SECONDS": 3.0,
                       "REFINE_MIN_READINGS": 2}
    zh = [t for t in candidate_texts(published_author, "zh") if len(t) <= 16]
    first = zh[:3]

    def audio(text):
        return {"audio": kokoro.say(text, "zm_yunxi", "zh").path.read_bytes()}

    enrollment, v1 = ready_voice(published_author, first, clips=[audio(t) for t in first])
    old_artifact = v1.artifact.path
    challenge = enrollment_refine(user=published_author, rng=random.Random(0))
    enrollment.refresh_from_db()  # reading again
    assert voice_current(published_author.pk) == v1 and v1.is_usable  # still previewable while reading
    new = [s.text for s in challenge.sentences.all() if s.language == "zh"][:2]
    for text in new:
        fabricated_reading(published_author, enrollment, text, **audio(text))
    enrollment = enrollment_check_verified(enrollment=enrollment)
    assert enrollment.state == State.VERIFIED
    v2 = voice_clone_start(enrollment=enrollment)

    with django_capture_on_commit_callbacks(execute=True):
        v2 = voice_clone_run(v2.pk, time_budget_s=0)

    assert v2.state == Voice.State.READY and v2.is_usable, v2.error
    assert v2.meta["readings"] == 5  # both rounds
    assert Enrollment.objects.get(pk=enrollment.pk).state == State.READY
    v1.refresh_from_db()
    assert v1.state == Voice.State.REVOKED and not v1.artifact and not os.path.exists(old_artifact)
    assert events("voice_superseded", voice_id=v1.pk)[0].data["superseded_by"] == v2.pk
    assert voice_current(published_author.pk) == v2
