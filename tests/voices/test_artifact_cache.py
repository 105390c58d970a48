"""Local copies of voice artifacts (a remote private storage, such as S3, has no file path for the engine): erased
with the voice, and swept from machines that did not erase them themselves."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, Storage

from voices import artifact_cache
from voices.audit.models import AuditEntry, Event
from voices.models import Enrollment, Voice
from voices.selectors import voice_artifact_path
from voices.services.consent import consent_accept
from voices.services.voice import voice_revoke

pytestmark = pytest.mark.django_db

ARTIFACT = b"the bytes of a voice artifact"


@pytest.fixture
def models_dir(settings, tmp_path):
    settings.VOICES = {**settings.VOICES, "MODELS_DIR": str(tmp_path / "models")}
    return tmp_path / "models"


class RemoteStorage(Storage):
    """Files kept elsewhere, with no local path (as S3's storage says: NotImplementedError); kept in memory here."""

    def __init__(self):
        self.files = InMemoryStorage()

    def _open(self, name, mode="rb"):
        return self.files.open(name, mode)

    def _save(self, name, content):
        return self.files.save(name, content)

    def exists(self, name):
        return self.files.exists(name)

    def delete(self, name):
        self.files.delete(name)


def remote_voice(user) -> Voice:
    """A ready voice whose artifact lives in a storage without local paths."""
    consent_accept(user=user, language="zh")
    enrollment = Enrollment.objects.get(user=user)
    remote = RemoteStorage()
    voice = Voice.objects.create(user=user, enrollment=enrollment, state=Voice.State.READY, version=1,
                                 artifact=remote.save("voices/artifact.npz", ContentFile(ARTIFACT)),
                                 artifact_sha256=hashlib.sha256(ARTIFACT).hexdigest())
    voice.artifact.storage = remote
    return voice


def test_the_local_copy_of_a_remote_artifact_is_erased_with_the_voice(author, models_dir,
                                                                       django_capture_on_commit_callbacks):
    voice = remote_voice(author)
    copy = Path(voice_artifact_path(voice))
    assert copy.parent == artifact_cache.cache_dir() and copy.read_bytes() == ARTIFACT
    assert not list(copy.parent.glob("*.part"))

    with django_capture_on_commit_callbacks(execute=True):
        voice_revoke(user=author)
    assert not copy.exists()
    erased = AuditEntry.objects.get(event=Event.ARTIFACTS_DELETED)
    assert erased.data["sha256"] == voice.artifact_sha256 and erased.data["deleted_at"]


def test_sweep_removes_copies_no_usable_voice_uses(author, models_dir):
    voice = remote_voice(author)
    kept = Path(voice_artifact_path(voice))
    stale = artifact_cache.cache_dir() / f"{'0' * 64}.npz"  # a voice erased on another machine
    stale.write_bytes(b"old voice")

    assert artifact_cache.sweep() == ["0" * 64]
    assert kept.exists() and not stale.exists()

    Voice.objects.filter(pk=voice.pk).update(state=Voice.State.REVOKED)
    assert artifact_cache.sweep() == [voice.artifact_sha256]
    assert not kept.exists()
