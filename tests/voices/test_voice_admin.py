"""Staff suspend and reinstate a voice from the admin; both are audited and the author's articles change voice."""

import pytest
from django.contrib.auth.models import Permission

from voices.audit.log import verify_chain
from voices.audit.models import AuditEntry
from voices.models import ConsentRecord, Enrollment, Voice


@pytest.fixture
def voice(author):
    consent = ConsentRecord.objects.create(user=author, terms_version="t", terms_sha256="0" * 64, language="zh")
    enrollment = Enrollment.objects.create(user=author, consent=consent, state=Enrollment.State.APPLIED)
    return Voice.objects.create(user=author, enrollment=enrollment, state=Voice.State.READY, version=1)


@pytest.mark.django_db(transaction=True)
def test_staff_suspend_and_reinstate_through_admin_actions(client, django_user_model, voice):
    from django_tasks_db.models import DBTaskResult

    from articles.models import Article
    from articles.services import article_save

    article_save(article=Article(author=voice.user, title="一篇", body="一句话。"), publish=True)
    DBTaskResult.objects.all().delete()
    moderator = django_user_model.objects.create_user("moderator", password="pw-mod-12345", is_staff=True)
    moderator.user_permissions.add(*Permission.objects.filter(codename__in=["view_voice", "change_voice"]))
    client.force_login(moderator)

    response = client.post("/admin/voices/voice/", {"action": "suspend", "_selected_action": [voice.pk]})
    assert response.status_code == 302
    voice.refresh_from_db()
    assert voice.suspended_at is not None and not voice.is_usable
    suspended = AuditEntry.objects.get(event="voice_suspended")
    assert (suspended.subject_user_id, suspended.actor_user_id) == (voice.user_id, moderator.pk)
    assert DBTaskResult.objects.filter(task_path="readaloud.tasks.render_article").count() == 1

    client.post("/admin/voices/voice/", {"action": "reinstate", "_selected_action": [voice.pk]})
    voice.refresh_from_db()
    assert voice.suspended_at is None
    assert AuditEntry.objects.filter(event="voice_reinstated").count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_viewers_cannot_suspend(client, django_user_model, voice):
    viewer = django_user_model.objects.create_user("viewer", password="pw-view-12345", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_voice"))
    client.force_login(viewer)
    page = client.get("/admin/voices/voice/")
    assert page.status_code == 200 and 'value="suspend"' not in page.content.decode()
    client.post("/admin/voices/voice/", {"action": "suspend", "_selected_action": [voice.pk]})
    voice.refresh_from_db()
    assert voice.suspended_at is None


# --- exporting an author's record from the admin (voices.admin_export) ---------------------------------------------


@pytest.fixture
def auditor(django_user_model):
    from django.contrib.auth.models import Group

    from voices.audit.roles import AUDITOR_GROUP

    user = django_user_model.objects.create_user("auditor", password="pw-audit-12345", is_staff=True)
    user.groups.add(Group.objects.get(name=AUDITOR_GROUP))
    return user


@pytest.fixture
def enrolled(author):
    from voices.models import ReadingAttempt
    from voices.services.consent import consent_accept

    consent = consent_accept(user=author, language="zh", ip_address="127.0.0.1")
    enrollment = Enrollment.objects.get(user=author)
    ReadingAttempt.objects.create(user=author, enrollment=enrollment, decision="rejected", expected_text="天气很好",
                                  transcript="天气很号", forced_score=-1.5, scores={"forced_score": -1.5})
    return consent, enrollment


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["enrollment", "consentrecord"])
def test_auditor_exports_the_authors_record_and_the_export_is_audited(client, auditor, author, enrolled, model):
    import json

    consent, enrollment = enrolled
    pk = enrollment.pk if model == "enrollment" else consent.pk
    client.force_login(auditor)
    page = client.get(f"/admin/voices/{model}/{pk}/change/").content.decode()
    json_url, csv_url = (f"/admin/voices/{model}/{pk}/export/{fmt}/" for fmt in ("json", "csv"))
    assert f'href="{json_url}"' in page and "Export record (JSON)" in page
    assert f'href="{csv_url}"' in page and "Export record (CSV)" in page

    response = client.get(json_url, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="author-record-{author.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    record = json.loads(response.content)
    assert record["user"]["id"] == author.pk and [c["id"] for c in record["consent_records"]] == [consent.pk]
    assert record["attempts"][0]["transcript"] == "天气很号" and record["attempts"][0]["forced_score"] == -1.5

    csv = client.get(csv_url)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "# attempts" in csv.content.decode() and "天气很号" in csv.content.decode()

    exports = list(AuditEntry.objects.filter(event="record_exported").order_by("seq"))
    assert [e.data["format"] for e in exports] == ["json", "csv"]
    first = exports[0]
    assert (first.subject_user_id, first.actor_user_id, first.ip) == (author.pk, auditor.pk, "10.9.8.7")
    assert first.data["via"] == "admin" and first.data["counts"]["attempts"] == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_staff_without_the_view_permissions_cannot_export(client, django_user_model, enrolled):
    consent, enrollment = enrolled
    url = f"/admin/voices/enrollment/{enrollment.pk}/export/json/"
    assert client.get(url).status_code == 302  # anonymous: to the admin login
    staff = django_user_model.objects.create_user("staff", password="pw-staff-12345", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.get(f"/admin/voices/consentrecord/{consent.pk}/export/csv/").status_code == 403
    # Seeing enrollments is not enough: the record also holds recordings, attempts and the audit log.
    staff.user_permissions.add(Permission.objects.get(codename="view_enrollment"))
    staff = django_user_model.objects.get(pk=staff.pk)  # (permissions are cached per user object)
    client.force_login(staff)
    page = client.get(f"/admin/voices/enrollment/{enrollment.pk}/change/")
    assert page.status_code == 200 and "Export record" not in page.content.decode()
    assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(event="record_exported").exists()


@pytest.mark.django_db
def test_export_of_an_unknown_record_or_format_is_404(client, auditor, enrolled):
    _, enrollment = enrolled
    client.force_login(auditor)
    assert client.get("/admin/voices/enrollment/999999/export/json/").status_code == 404
    assert client.get(f"/admin/voices/enrollment/{enrollment.pk}/export/xml/").status_code == 404
    assert not AuditEntry.objects.filter(event="record_exported").exists()
