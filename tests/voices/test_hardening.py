"""Enrollment writes against a busy database: while another connection holds SQLite's write lock, an API write or a
reading upload answers 503 with Retry-After (hostsite.middleware.DatabaseBusyMiddleware), saves nothing (no row, no
file, no audit entry), and the very same request succeeds once the lock is gone."""

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from speech_fixtures import publish_all

from hostsite.middleware import DatabaseBusyMiddleware
from voices.audit.log import verify_chain
from voices.audit.models import AuditEntry
from voices.models import ChallengeSentence, ConsentRecord, ReadingAttempt, Recording

pytestmark = pytest.mark.django_db(transaction=True)  # the lock must be taken from another connection

BUSY_MIDDLEWARE = "hostsite.middleware.DatabaseBusyMiddleware"


@pytest.fixture(autouse=True)
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single-writer lock")


@pytest.fixture(autouse=True)
def busy_middleware(settings):
    """The site's middleware list (the fallback adds the middleware where hostsite.settings does not list it yet)."""
    if BUSY_MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, BUSY_MIDDLEWARE]


@pytest.fixture
def short_busy_timeout():
    """The site waits up to 30 s for the write lock; these tests wait 0.3 s (on this thread's connection, which the
    test client uses too). Closing it afterwards gives the next test the configured timeout again."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 300")
    yield
    connection.close()


@contextlib.contextmanager
def write_locked():
    """Another connection holds the write lock, as a long write transaction of a worker process would."""
    other = sqlite3.connect(django_settings.DATABASES["default"]["NAME"], isolation_level=None, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def api(client, author, password):
    client.login(username=author.username, password=password)
    return client


def assert_busy(response):
    assert response.status_code == 503, response.content[:500]
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"


def private_files() -> list[Path]:
    root = Path(django_settings.STORAGES["voices_private"]["OPTIONS"]["location"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_consent_api_answers_503_saves_nothing_and_the_retry_succeeds(api, author, short_busy_timeout):
    payload = {"language": "zh", "accept": True}
    with write_locked():
        response = api.post("/voices/api/consent/", payload, content_type="application/json")
    assert_busy(response)
    body = response.json()
    assert body["code"] == "database_busy" and body["retry_after"] == 5 and body["en"] and body["zh"]
    assert not ConsentRecord.objects.exists() and not AuditEntry.objects.exists()

    retry = api.post("/voices/api/consent/", payload, content_type="application/json")
    assert retry.status_code == 201
    assert ConsentRecord.objects.filter(user=author).count() == 1
    assert list(AuditEntry.objects.values_list("event", flat=True)) == ["consent"]
    assert verify_chain().ok


def test_reading_upload_answers_503_keeps_nothing_and_the_same_upload_succeeds(api, author, short_busy_timeout):
    publish_all(author)
    assert api.post("/voices/api/consent/", {"language": "zh", "accept": True},
                    content_type="application/json").status_code == 201
    challenge = api.post("/voices/api/challenges/").json()
    shown = api.post(f"/voices/api/challenges/{challenge['id']}/sentences/0/show/").json()
    entries_before = AuditEntry.objects.count()
    files_before = private_files()
    wav = b"RIFF not really a wave"  # examined quickly (rejected for its format): the point here is the write

    def upload():
        return api.post("/voices/api/readings/", {
            "challenge": challenge["id"], "index": 0, "shown_token": shown["shown_token"],
            "audio": SimpleUploadedFile("reading.wav", wav, content_type="audio/wav")})

    with write_locked():
        response = upload()
    assert_busy(response)
    assert response.json()["code"] == "database_busy"
    assert not ReadingAttempt.objects.exists() and not Recording.objects.exists()
    assert AuditEntry.objects.count() == entries_before and private_files() == files_before
    sentence = ChallengeSentence.objects.get(challenge_id=challenge["id"], index=0)
    assert sentence.shown_at is not None  # the shown token is still good for the retry

    retry = upload()
    assert retry.status_code == 201, retry.content[:500]
    attempt = ReadingAttempt.objects.get()
    assert retry.json()["attempt"]["decision"] == attempt.decision == "rejected"
    assert attempt.sentence_id == sentence.pk
    assert AuditEntry.objects.filter(event="attempt").count() == 1
    assert verify_chain().ok


def test_a_page_form_answers_a_503_page(client, author, password, short_busy_timeout):
    client.login(username=author.username, password=password)
    with write_locked():
        response = client.post("/voices/consent/", {"language": "zh", "agree": "on"})
    assert_busy(response)
    assert response["Content-Type"].startswith("text/html") and "网站正忙" in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert client.post("/voices/consent/", {"language": "zh", "agree": "on"}).status_code == 302
    assert ConsentRecord.objects.filter(user=author).count() == 1


def test_a_lock_released_within_the_busy_timeout_is_just_waited_for(api, author):
    """The normal case: a short write elsewhere only delays the request (the configured busy timeout is 30 s)."""
    locked, release = threading.Event(), threading.Event()

    def hold_briefly():
        with write_locked():
            locked.set()
            release.wait(5)
            time.sleep(0.3)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    assert locked.wait(5)
    release.set()
    started = time.monotonic()
    response = api.post("/voices/api/consent/", {"language": "zh", "accept": True}, content_type="application/json")
    holder.join()
    assert response.status_code == 201 and time.monotonic() - started >= 0.2
    assert ConsentRecord.objects.filter(user=author).count() == 1


def test_other_database_errors_are_not_disguised_as_busy():
    with pytest.raises(OperationalError) as missing:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    assert not DatabaseBusyMiddleware.is_busy(missing.value)
    assert not DatabaseBusyMiddleware.is_busy(ValueError("database is locked"))
    assert DatabaseBusyMiddleware.is_busy(OperationalError("database is locked"))
