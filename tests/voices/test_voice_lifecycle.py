"""A voice from verified readings to the articles it reads, and back out: clone -> apply -> render -> suspend ->
reinstate -> revoke (nothing left on disk). Real engine, real conversion, real storage."""

import os

import numpy as np
import pytest
from django.core.files.base import ContentFile

from articles.models import Article
from articles.services import article_save
from readaloud.models import Rendition, SentenceClip
from readaloud.services.planning import rendition_plan
from readaloud.services.rendering import rendition_build
from readaloud.services.voice_changes import renditions_after_voice_change
from readaloud.storage import audio_storage
from tests.voices.speech_fixtures import wav_of
from voices.audio import read_audio
from voices.models import ConsentRecord, Enrollment, ReadingAttempt, Recording, Voice
from voices.services.enrollment import enrollment_transition
from voices.services.voice import (
    VoiceError,
    voice_apply,
    voice_clone_run,
    voice_clone_start,
    voice_reinstate,
    voice_revoke,
    voice_suspend,
)

READINGS = ["清晨的城市还没有完全醒来。", "我沿着河边慢慢地走着。", "风从水面吹过来带着凉意。"]


@pytest.fixture(scope="module")
def author_clips(kokoro):
    """The "author": a stock voice the cloner is not told about."""
    return [kokoro.say(text, "zm_yunxi", "zh") for text in READINGS]


def verified_enrollment(user, clips):
    consent = ConsentRecord.objects.create(user=user, terms_version="test", terms_sha256="0" * 64, language="zh")
    enrollment = Enrollment.objects.create(user=user, consent=consent, state=Enrollment.State.READING)
    for text, clip in zip(READINGS, clips, strict=True):
        data = wav_of(clip)
        recording = Recording(user=user, enrollment=enrollment, sha256=str(hash(text)), size_bytes=len(data),
                              duration_seconds=len(clip.audio) / clip.sample_rate, sample_rate=clip.sample_rate,
                              channels=1)
        recording.file.save("r.wav", ContentFile(data), save=True)
        ReadingAttempt.objects.create(user=user, enrollment=enrollment, recording=recording, expected_text=text,
                                      decision=ReadingAttempt.Decision.ACCEPTED, speech_seconds=2.0)
    return enrollment_transition(enrollment=enrollment, to=Enrollment.State.VERIFIED)


@pytest.mark.django_db(transaction=True)
def test_verified_enrollment_queues_cloning_by_itself(author, author_clips):
    from django_tasks_db.models import DBTaskResult

    enrollment = verified_enrollment(author, author_clips)

    voice = Voice.objects.get(enrollment=enrollment)
    assert voice.state == Voice.State.CLONING
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.CLONING
    queued = DBTaskResult.objects.filter(task_path="voices.tasks.clone_voice_task")
    assert [task.args_kwargs["args"] for task in queued] == [[voice.pk]]


@pytest.mark.django_db
def test_voice_lifecycle_clone_apply_render_suspend_revoke(author, other_user, author_clips, client,
                                                         django_capture_on_commit_callbacks):
    enrollment = verified_enrollment(author, author_clips)  # no commit here: the signal's receiver does not run
    voice = voice_clone_start(enrollment=enrollment)

    voice = voice_clone_run(voice.pk, time_budget_s=30)

    assert voice.state == Voice.State.READY and voice.version >= 1, voice.error
    assert voice.progress == 1.0
    artifact_path = voice.artifact.path
    assert os.path.exists(artifact_path)
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.READY
    with pytest.raises(VoiceError):
        voice_apply(voice=voice, user=other_user)

    # the preview page: the author's own reading next to the clone reading the same sentence
    client.force_login(author)
    page = client.get("/voices/").content.decode()
    assert 'id="voice-panel"' in page and f"/voices/voice/{voice.pk}/apply/" in page
    own = client.get(f"/voices/voice/{voice.pk}/sample/reading.wav")
    assert own.status_code == 200 and own["Content-Type"] == "audio/wav"
    clone = client.get(f"/voices/voice/{voice.pk}/sample/clone.wav")
    assert clone.status_code == 200 and clone["X-AI-Generated"] == "true"
    audio, rate = read_audio(clone.content)
    assert len(audio) / rate > 1.0 and float(np.sqrt(np.mean(audio**2))) > 0.01
    client.force_login(other_user)
    assert client.get(f"/voices/voice/{voice.pk}/sample/reading.wav").status_code == 404
    assert client.post(f"/voices/voice/{voice.pk}/apply/").status_code == 404

    client.force_login(author)
    assert client.post(f"/voices/voice/{voice.pk}/apply/").status_code == 302
    voice.refresh_from_db()
    assert voice.is_applied
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.APPLIED
    article = article_save(article=Article(author=author, title="河边", body="春天来了。", language="zh"), publish=True)
    rendition = rendition_build(rendition_plan(article.pk).pk)
    assert rendition.status == Rendition.Status.READY, rendition.error
    assert rendition.voice_ref == f"voice:{voice.pk}:{voice.version}"
    assert "AI voice of" in rendition.voice_label
    clip_names = list(SentenceClip.objects.filter(voice_ref=rendition.voice_ref).values_list("audio_name", flat=True))
    assert clip_names

    voice_suspend(voice=voice)
    renditions_after_voice_change(user_id=author.pk, voice_id=voice.pk, change="suspended")
    assert not Rendition.objects.filter(article_id=str(article.pk), status=Rendition.Status.READY,
                                        voice_ref=rendition.voice_ref, is_current=True).exists()
    assert rendition_plan(article.pk).voice_ref == "zf_xiaoxiao"  # the system voice, at once

    voice_reinstate(voice=voice)
    assert rendition_plan(article.pk).voice_ref == rendition.voice_ref

    recording_paths = [r.file.path for r in Recording.objects.filter(enrollment=enrollment)]
    assert recording_paths and all(os.path.exists(path) for path in recording_paths)
    with django_capture_on_commit_callbacks(execute=True):
        voice_revoke(user=author)
        renditions_after_voice_change(user_id=author.pk, voice_id=voice.pk, change="revoked")
    assert not any(os.path.exists(path) for path in recording_paths)  # the raw recordings, on disk
    voice.refresh_from_db()
    assert voice.state == Voice.State.REVOKED and not voice.artifact
    assert not os.path.exists(artifact_path)
    assert not Recording.objects.filter(enrollment=enrollment).exists()
    assert Enrollment.objects.get(pk=enrollment.pk).state == Enrollment.State.REVOKED
    assert ConsentRecord.objects.get(user=author).withdrawn_at is not None  # kept, marked withdrawn
    assert not Rendition.objects.filter(voice_ref=rendition.voice_ref).exists()
    assert not any(audio_storage().exists(name) for name in clip_names)
    assert rendition_plan(article.pk).voice_ref == "zf_xiaoxiao"


@pytest.mark.django_db(transaction=True)
async def test_progress_socket_sends_the_voice_state_as_it_changes(author):
    import json

    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from hostsite.asgi import application

    def setup():
        consent = ConsentRecord.objects.create(user=author, terms_version="t", terms_sha256="0" * 64, language="zh")
        enrollment = Enrollment.objects.create(user=author, consent=consent, state=Enrollment.State.CLONING)
        client = Client()
        client.force_login(author)
        return Voice.objects.create(user=author, enrollment=enrollment), client.cookies["sessionid"].value

    voice, session = await database_sync_to_async(setup)()
    anonymous = WebsocketCommunicator(application, "/ws/voices/progress/", headers=[(b"origin", b"http://testserver")])
    assert (await anonymous.connect()) == (False, 4403)
    comm = WebsocketCommunicator(application, "/ws/voices/progress/", headers=[
        (b"origin", b"http://testserver"), (b"cookie", f"sessionid={session}".encode())])
    assert (await comm.connect())[0]
    first = json.loads(await comm.receive_from(timeout=5))
    assert (first["id"], first["state"], first["progress"]) == (voice.pk, "cloning", 0.0)
    await database_sync_to_async(Voice.objects.filter(pk=voice.pk).update)(progress=0.5, progress_message="半程")
    second = json.loads(await comm.receive_from(timeout=5))
    assert (second["progress"], second["message"]) == (0.5, "半程")
    await comm.disconnect()
