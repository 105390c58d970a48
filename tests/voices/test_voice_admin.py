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
