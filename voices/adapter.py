"""What the voices app needs from the host platform, and nothing more: the author's own published text.

The host names its implementation in settings (VOICES["AUTHOR_TEXT_ADAPTER"]), as django-allauth's ACCOUNT_ADAPTER.
"""

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .app_settings import app_settings


@dataclass(frozen=True)
class AuthorText:
    """One published article of an author, as plain text (no markup)."""

    article_id: str
    title: str
    text: str
    language: str  # "zh", "en" or "mixed"
    published_at: datetime.datetime


class AuthorTextAdapter(ABC):
    @abstractmethod
    def published_texts(self, user_id: int) -> list[AuthorText]:
        """The published articles written by this user, newest first."""


@cache
def get_author_text_adapter() -> AuthorTextAdapter:
    path = app_settings.AUTHOR_TEXT_ADAPTER
    if not path:
        raise ImproperlyConfigured('Set VOICES["AUTHOR_TEXT_ADAPTER"] to the dotted path of your adapter class.')
    return import_string(path)()
