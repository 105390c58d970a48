"""Fixtures shared by every test folder. Keep them generic: app-specific ones live in tests/<app>/conftest.py."""

import pytest

PASSWORD = "pw-test-12345"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def author(django_user_model):
    """A user who writes articles."""
    return django_user_model.objects.create_user("author", password=PASSWORD, first_name="林晓", email="a@example.com")


@pytest.fixture
def other_user(django_user_model):
    """Another signed-up user: not the author of anything the `author` fixture owns."""
    return django_user_model.objects.create_user("other", password=PASSWORD, email="o@example.com")


def pytest_sessionfinish(session, exitstatus):
    """settings_test puts the test database and files in a fresh temporary folder: remove it after the run."""
    import shutil

    from django.conf import settings

    test_dir = getattr(settings, "TEST_VAR_DIR", None)
    if test_dir is not None:
        shutil.rmtree(test_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_stream_caches():
    """Listener starts are remembered for a few seconds per process; ids repeat across tests' databases."""
    from readaloud import streaming

    streaming.forget_recent_starts()
    yield
    streaming.forget_recent_starts()
