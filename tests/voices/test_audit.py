"""The audit log (voices.audit): hash chain, tamper detection, append-only records, export, admin roles."""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import ProtectedError
from speech_fixtures import publish_all

from voices.audit import triggers
from voices.audit.log import audit_record, verify_chain
from voices.audit.models import AppendOnlyError, AuditEntry
from voices.audit.roles import AUDITOR_GROUP
from voices.models import ConsentRecord, Enrollment, ReadingAttempt
from voices.services.consent import consent_accept
from voices.services.enrollment import enrollment_check_verified

REPO = Path(__file__).resolve().parents[2]


def events():
    return list(AuditEntry.objects.order_by("seq").values_list("event", flat=True))


def tamper(sql, params):
    """Change rows behind the application's back, as someone with DDL rights could: the append-only triggers
    (tests/voices/test_audit_triggers.py) are dropped for it; verify_audit_log must still see the change."""
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- the chain ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_entries_are_chained_and_verify(author):
    first = audit_record("consent", subject_user_id=author.pk, actor=author, data={"n": 1, "when": None}, ip="::1")
    second = audit_record("attempt", subject_user_id=author.pk, data={"scores": {"cer": 0.1, "nan": float("nan")}})
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.entry_hash
    assert second.actor_user_id is None and first.actor_user_id == author.pk and first.ip == "::1"
    assert second.data["scores"]["nan"] is None  # canonical JSON: no NaN
    stored = AuditEntry.objects.get(seq=2)
    assert stored.compute_hash() == stored.entry_hash  # what was stored is what was hashed
    report = verify_chain()
    assert report.ok and report.entries == 2 and report.head_hash == second.entry_hash


@pytest.mark.django_db
@pytest.mark.parametrize("sql, what", [
    ("UPDATE voices_audit_auditentry SET data = %s WHERE seq = 2", '{"decision": "accepted"}'),
    ("UPDATE voices_audit_auditentry SET subject_user_id = %s WHERE seq = 2", 999),
    ("UPDATE voices_audit_auditentry SET prev_hash = %s WHERE seq = 2", "f" * 64),
])
def test_tampering_with_one_row_is_detected_naming_it(author, sql, what):
    for i in range(4):
        audit_record("attempt", subject_user_id=author.pk, data={"i": i, "decision": "rejected"})
    call_command("verify_audit_log")
    tamper(sql, [what])
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 2 and report.entries == 1
    with pytest.raises(CommandError, match=r"seq=2") as excinfo:
        call_command("verify_audit_log")
    assert excinfo.value.returncode == 1


@pytest.mark.django_db
def test_a_deleted_row_is_detected(author):
    for i in range(3):
        audit_record("attempt", subject_user_id=author.pk, data={"i": i})
    tamper("DELETE FROM voices_audit_auditentry WHERE seq = %s", [2])
    report = verify_chain()
    assert not report.ok and report.first_broken_seq == 2 and "missing" in report.reason


@pytest.mark.django_db(transaction=True)
def test_verify_audit_log_command_exit_status(author):
    audit_record("consent", subject_user_id=author.pk, data={})
    audit_record("challenge", subject_user_id=author.pk, data={"challenge_id": "x"})
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hostsite.settings_test"}
    run = [sys.executable, str(REPO / "manage.py"), "verify_audit_log"]
    ok = subprocess.run(run, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "audit log intact: 2 entries" in ok.stdout, ok.stderr
    tamper("UPDATE voices_audit_auditentry SET event = %s WHERE seq = 2", ["consent"])
    broken = subprocess.run(run, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "seq=2" in broken.stderr and "entry_hash" in broken.stderr


# --- append-only ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def refused(exc):
    """The operation raises `exc`; a savepoint keeps the test's transaction usable (deletes run in atomic blocks)."""
    with pytest.raises(exc):
        with transaction.atomic():
            yield


@pytest.mark.django_db
def test_audit_entries_refuse_orm_changes(author):
    entry = audit_record("consent", subject_user_id=author.pk, data={"a": 1})
    with refused(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(event="x")
    with refused(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with refused(AppendOnlyError):
        entry.delete()
    entry.data = {"a": 2}
    with refused(AppendOnlyError):
        entry.save()
    with refused(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(seq=5, event="x")])
    with refused(AppendOnlyError):  # a hand-made row, not through audit_record
        AuditEntry(seq=2, event="x", created_at=entry.created_at, prev_hash=entry.entry_hash).save()
    assert verify_chain().ok and AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_consent_records_are_append_only(author):
    record = consent_accept(user=author, language="zh", ip_address="127.0.0.1")
    with refused(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).update(terms_version="x")
    with refused(AppendOnlyError):
        author.voice_consents.update(language="en")
    with refused(AppendOnlyError):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    with refused((AppendOnlyError, ProtectedError)):  # its enrollment protects it first
        record.delete()
    lone = ConsentRecord.objects.create(user=author, terms_version="old", terms_sha256="1" * 64, language="en")
    with refused(AppendOnlyError):
        lone.delete()
    with refused((AppendOnlyError, ProtectedError)):
        author.delete()  # the cascade would delete the consent record
    record.terms_sha256 = "0" * 64
    with refused(AppendOnlyError):
        record.save()
    record.refresh_from_db()
    record.save()  # nothing changed: allowed
    # The one change allowed: withdrawal, once.
    from django.utils import timezone

    record.withdrawn_at = timezone.now()
    record.save(update_fields=["withdrawn_at"])
    record.withdrawn_at = timezone.now()
    with refused(AppendOnlyError):
        record.save()
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def stored_recording(user, enrollment, sha256="b" * 64):
    from django.core.files.base import ContentFile

    from voices.models import Recording

    recording = Recording(user=user, enrollment=enrollment, sha256=sha256, size_bytes=8, duration_seconds=1.0,
                          sample_rate=16000, channels=1)
    recording.file.save("reading.wav", ContentFile(b"RIFFdata"), save=False)
    recording.save()
    return recording


# --- the services write the log -------------------------------------------------------------------------------------


@pytest.fixture
def api(client, author, password):
    publish_all(author)
    client.login(username=author.username, password=password)
    return client


@pytest.mark.django_db(transaction=True)
def test_chain_intact_after_the_enrollment_api_flow(api, author, settings):
    settings.VOICES = {**settings.VOICES, "ENROLLMENT_MIN_READINGS": 1, "ENROLLMENT_MIN_SPEECH_SECONDS": 1.0}
    assert api.post("/voices/api/consent/", {"language": "zh", "accept": True},
                    content_type="application/json", REMOTE_ADDR="10.1.2.3").status_code == 201
    challenge = api.post("/voices/api/challenges/").json()
    shown = api.post(f"/voices/api/challenges/{challenge['id']}/sentences/0/show/").json()
    response = api.post("/voices/api/readings/", {
        "challenge": challenge["id"], "index": 0, "shown_token": shown["shown_token"],
        "audio": SimpleUploadedFile("reading.wav", b"RIFF not really a wave", content_type="audio/wav")})
    assert response.status_code == 201 and response.json()["attempt"]["decision"] == "rejected"
    refused = api.post("/voices/api/readings/", {
        "challenge": challenge["id"], "index": 9, "shown_token": "x",
        "audio": SimpleUploadedFile("reading.wav", b"RIFF", content_type="audio/wav")})
    assert refused.status_code == 404
    # An accepted reading as the verification would record it (the speech models are tested elsewhere).
    enrollment = Enrollment.objects.get(user=author)
    ReadingAttempt.objects.create(user=author, enrollment=enrollment, decision="accepted", speech_seconds=3.0,
                                  expected_text="x", scores={"forced_score": -0.4})
    enrollment_check_verified(enrollment=enrollment)
    recording = stored_recording(author, enrollment)
    path = Path(recording.file.path)
    assert path.is_file()
    assert api.post("/voices/api/enrollment/revoke/").status_code == 200
    assert not path.exists()  # deleted on disk (after commit)

    logged = events()
    assert logged[:7] == ["consent", "challenge", "enrollment_state", "attempt", "attempt", "verification_decision",
                          "enrollment_state"]
    # (what follows verification depends on the cloning receivers; revocation ends the log)
    assert logged[-3:] == ["enrollment_state", "consent_withdrawn", "recordings_deleted"]
    assert AuditEntry.objects.get(seq=len(logged) - 2).data["to"] == "revoked"
    entries = list(AuditEntry.objects.order_by("seq"))
    consent, _, reading, attempt, refused_attempt = entries[:5]
    assert consent.ip == "10.1.2.3" and consent.actor_user_id == author.pk
    assert consent.data["terms_sha256"] == ConsentRecord.objects.get(user=author).terms_sha256
    assert (reading.data["from"], reading.data["to"]) == ("consented", "reading")
    assert attempt.data["decision"] == "rejected" and attempt.data["reasons"][0]["code"] == "format"
    assert "checks" in attempt.data["scores"] and attempt.data["recording"] is None
    assert refused_attempt.data["decision"] == "refused"
    assert entries[5].data["decision"] == "verified" and entries[5].data["readings"] == 1
    assert entries[-1].data["reason"] == "consent_withdrawn"
    assert entries[-1].data["recordings"] == [{"id": recording.pk, "sha256": "b" * 64, "file": recording.file.name,
                                               "size_bytes": 8}]
    report = verify_chain()
    assert report.ok and report.entries == len(entries)
    call_command("verify_audit_log")


# --- export ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_author_record_contains_attempt_scores(author, other_user, tmp_path):
    consent = consent_accept(user=author, language="en", ip_address="127.0.0.1")
    enrollment = Enrollment.objects.get(user=author)
    ReadingAttempt.objects.create(user=author, enrollment=enrollment, decision="rejected", expected_text="天气很好",
                                  transcript="天气很号", cer=0.25, forced_score=-1.234, speaker_similarity=0.87,
                                  scores={"forced_score": -1.234, "mismatch_evidence": 3.5},
                                  reasons=[{"code": "text_mismatch", "ok": False, "en": "e", "zh": "中"}])
    consent_accept(user=other_user, language="zh")
    out = tmp_path / "record.json"
    call_command("export_author_record", str(author.pk), "--format", "json", "-o", str(out))
    record = json.loads(out.read_text(encoding="utf-8"))
    assert [c["id"] for c in record["consent_records"]] == [consent.pk]
    assert record["enrollments"][0]["state"] == "consented"
    attempt = record["attempts"][0]
    assert attempt["forced_score"] == -1.234 and attempt["speaker_similarity"] == 0.87 and attempt["cer"] == 0.25
    assert attempt["scores"]["mismatch_evidence"] == 3.5 and attempt["reasons"][0]["code"] == "text_mismatch"
    assert {e["event"] for e in record["audit_entries"]} == {"consent"}
    assert all(e["subject_user_id"] == author.pk for e in record["audit_entries"])
    csv_out = tmp_path / "record.csv"
    call_command("export_author_record", str(author.pk), "--format", "csv", "-o", str(csv_out))
    text = csv_out.read_text(encoding="utf-8")
    assert "# attempts" in text and "-1.234" in text and "mismatch_evidence" in text and "天气很号" in text
    assert AuditEntry.objects.filter(event="record_exported", subject_user_id=author.pk).count() == 2
    assert verify_chain().ok


# --- admin ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def auditor(django_user_model, password):
    user = django_user_model.objects.create_user("auditor", password=password, is_staff=True)
    user.groups.add(Group.objects.get(name=AUDITOR_GROUP))
    return user


@pytest.mark.django_db
def test_auditor_group_has_only_view_permissions():
    perms = set(Group.objects.get(name=AUDITOR_GROUP).permissions.values_list("content_type__app_label", "codename"))
    assert perms and all(code.startswith("view_") for _, code in perms)
    assert {app for app, _ in perms} == {"voices", "voices_audit", "readaloud"}
    for needed in [("voices", "view_consentrecord"), ("voices", "view_recording"), ("voices", "view_readingattempt"),
                   ("voices_audit", "view_auditentry"), ("readaloud", "view_rendition")]:
        assert needed in perms


@pytest.mark.django_db
def test_auditor_reads_everything_and_changes_nothing(client, auditor, author, password):
    record = consent_accept(user=author, language="zh")
    enrollment = Enrollment.objects.get(user=author)
    attempt = ReadingAttempt.objects.create(user=author, enrollment=enrollment, decision="rejected")
    entry = AuditEntry.objects.first()
    client.login(username="auditor", password=password)
    for model in ["voices/consentrecord", "voices/enrollment", "voices/readingattempt", "voices/recording",
                  "voices/challenge", "voices_audit/auditentry", "readaloud/rendition"]:
        assert client.get(f"/admin/{model}/").status_code == 200, model
    objects = [("voices/consentrecord", record.pk), ("voices/enrollment", enrollment.pk),
               ("voices/readingattempt", attempt.pk), ("voices_audit/auditentry", entry.pk)]
    for model, pk in objects:
        assert client.get(f"/admin/{model}/{pk}/change/").status_code == 200  # the read-only view
        assert client.post(f"/admin/{model}/{pk}/change/", {}).status_code == 403, model
        assert client.get(f"/admin/{model}/{pk}/delete/").status_code == 403, model
        assert client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403, model
        assert client.get(f"/admin/{model}/add/").status_code == 403, model
    assert ConsentRecord.objects.filter(pk=record.pk).exists() and AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_audit_log_and_consents_are_read_only_even_for_superusers(admin_client, author):
    record = consent_accept(user=author, language="zh")
    entry = AuditEntry.objects.first()
    for model, pk in [("voices/consentrecord", record.pk), ("voices_audit/auditentry", entry.pk)]:
        assert admin_client.get(f"/admin/{model}/").status_code == 200
        assert admin_client.post(f"/admin/{model}/{pk}/change/", {}).status_code == 403
        assert admin_client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
        assert admin_client.get(f"/admin/{model}/add/").status_code == 403


@pytest.mark.django_db
def test_recordings_play_in_admin_only_with_view_permission(client, auditor, django_user_model, author, password):
    from django.core.files.base import ContentFile

    from voices.models import Recording

    consent_accept(user=author, language="zh")
    recording = Recording(user=author, enrollment=Enrollment.objects.get(user=author), sha256="a" * 64,
                          size_bytes=8, duration_seconds=1.0, sample_rate=16000, channels=1)
    recording.file.save("reading.wav", ContentFile(b"RIFFdata"), save=False)
    recording.save()
    url = f"/admin/voices/recording/{recording.pk}/audio/"
    assert client.get(url).status_code == 302  # anonymous: to the admin login
    django_user_model.objects.create_user("staff", password=password, is_staff=True)
    client.login(username="staff", password=password)
    assert client.get(url).status_code == 403  # staff without the view permission
    client.login(username="auditor", password=password)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"RIFFdata"
    assert response["Content-Type"] == "audio/wav" and "no-store" in response["Cache-Control"]
    page = client.get(f"/admin/voices/recording/{recording.pk}/change/").content.decode()
    assert f'<audio controls preload="none" src="{url}">' in page
    client.logout()
    client.login(username="author", password=password)  # not staff
    assert client.get(url).status_code == 302


# --- concurrency ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(author):
    import threading

    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(10):
                audit_record("attempt", subject_user_id=author.pk, data={"writer": n, "i": i})
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = verify_chain()
    assert report.ok and report.entries == 40
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 41))


# --- the real flow, with speech ---------------------------------------------------------------------------------------


@pytest.mark.models
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_chain_intact_after_real_readings_until_verified(api, author, kokoro, settings):
    import time

    from speech_fixtures import say, with_silence
    from test_api import show, upload

    from voices.models import ChallengeSentence

    # as in test_api: Kokoro's per-length style vectors need a relaxed speaker threshold
    settings.VOICES = {**settings.VOICES, "ENROLLMENT_MIN_READINGS": 2, "ENROLLMENT_MIN_SPEECH_SECONDS": 3.0,
                       "VERIFICATION": {"min_speaker_similarity": 0.6}}
    api.post("/voices/api/consent/", {"language": "zh", "accept": True}, content_type="application/json")
    challenge = api.post("/voices/api/challenges/").json()
    for sentence in ChallengeSentence.objects.filter(challenge_id=challenge["id"], language="zh")[:2]:
        clip = say(kokoro, sentence.text, sentence.language)
        shown = show(api, challenge["id"], sentence.index)
        time.sleep(clip.seconds + 1.0)
        response = upload(api, challenge["id"], shown, with_silence(clip))
        assert response.json()["attempt"]["accepted"], response.json()["attempt"]["reasons"]
    assert Enrollment.objects.get(user=author).verified_at is not None
    attempts = list(AuditEntry.objects.filter(event="attempt").order_by("seq"))
    assert [a.data["decision"] for a in attempts] == ["accepted", "accepted"]
    for entry in attempts:
        attempt = ReadingAttempt.objects.get(pk=entry.data["attempt_id"])
        assert entry.data["forced_score"] == attempt.forced_score is not None
        assert entry.data["scores"]["text"] == attempt.scores["text"]
        assert entry.data["recording"]["sha256"] == attempt.recording.sha256
    decision = AuditEntry.objects.get(event="verification_decision")
    assert decision.data["decision"] == "verified" and len(decision.data["speaker_similarities"]) == 2
    assert verify_chain().ok
    call_command("verify_audit_log")
