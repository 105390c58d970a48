"""Older posts keep the voice they were published with, unless the author asks for the voice they use now."""

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from articles.models import Article
from articles.services import article_save
from readaloud.services.planning import rendition_plan
from voices.assets import model_path
from voices.engines.artifact import VoiceArtifact
from voices.models import ConsentRecord, Enrollment, Voice


def applied_voice(user):
    """A voice artifact made from a stock style table (no conversion), applied now."""
    style = np.fromfile(model_path("kokoro-voices") / "zm_yunxi.bin", dtype=np.float32).reshape(510, 1, 256)
    artifact = VoiceArtifact(engine="kokoro", language="zh", base_voice="zm_yunxi", style=style)
    consent = ConsentRecord.objects.create(user=user, terms_version="t", terms_sha256="0" * 64, language="zh")
    enrollment = Enrollment.objects.create(user=user, consent=consent, state=Enrollment.State.APPLIED)
    voice = Voice(user=user, enrollment=enrollment, state=Voice.State.READY, version=1, applied_at=timezone.now())
    voice.artifact.save("v.npz", ContentFile(artifact.to_bytes()), save=True)
    return voice


@pytest.mark.django_db
def test_author_can_move_older_posts_to_the_voice_they_use_now(client, writer, reader):
    older = article_save(article=Article(author=writer, title="旧文", body="很久以前写的。", language="zh"),
                         publish=True)
    voice = applied_voice(writer)
    assert rendition_plan(older.pk).voice_ref == "zf_xiaoxiao"  # published before the voice was applied

    newer = article_save(article=Article(author=writer, title="新文", body="今天写的。", language="zh"), publish=True)
    assert rendition_plan(newer.pk).voice_ref == f"voice:{voice.pk}:1"

    client.force_login(reader)
    assert client.post(f"/readaloud/api/articles/{older.pk}/rendition/").status_code == 403
    client.force_login(writer)
    assert client.post(f"/readaloud/api/articles/{older.pk}/rendition/").status_code == 202
    assert rendition_plan(older.pk).voice_ref == f"voice:{voice.pk}:1"

    response = client.post("/readaloud/api/authors/me/rerender/")
    assert response.status_code == 202 and response.json() == {"queued": 2}
