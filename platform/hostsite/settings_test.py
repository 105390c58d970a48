"""Settings for the test suite: the embedded defaults, in a throw-away folder, with fast password hashing."""

import os
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

# Exported, so that the worker and server processes a test starts share the test's database and files.
TEST_VAR_DIR = Path(os.environ.setdefault("READALOUD_TEST_VAR_DIR", tempfile.mkdtemp(prefix="readaloud-test-")))
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(TEST_VAR_DIR / "test.sqlite3"),
                         "OPTIONS": SQLITE_OPTIONS, "TEST": {"NAME": str(TEST_VAR_DIR / "test.sqlite3")}}}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = TEST_VAR_DIR / "media"
STATIC_ROOT = TEST_VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "voices_private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                       "OPTIONS": {"location": TEST_VAR_DIR / "private", "base_url": None}},
    "readaloud_audio": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": TEST_VAR_DIR / "audio", "base_url": None}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
LANGUAGE_CODE = "en"
