"""What the readaloud app needs from the host platform: an article's author, text and state, and who may listen.

The host names its implementation in settings (READALOUD["ARTICLE_ADAPTER"]), as django-allauth's ACCOUNT_ADAPTER.
"""

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .app_settings import app_settings


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    author_id: int
    author_name: str
    title: str
    html: str  # the body as the host renders it (sanitised HTML); readaloud extracts the readable text itself
    language: str  # "zh", "en" or "mixed"
    is_published: bool
    published_at: datetime.datetime | None
    updated_at: datetime.datetime
    url: str


class ArticleAdapter(ABC):
    @abstractmethod
    def get_article(self, article_id: str) -> ArticleInfo | None:
        """The article, or None if it does not exist."""

    @abstractmethod
    def articles_by_author(self, author_id: int) -> list[ArticleInfo]:
        """The author's published articles, newest first (podcast feed, re-rendering in a new voice)."""

    def listen_permission(self, user, article_id: str) -> str:
        """"ok", "not_found" or "forbidden" for one listener; asked on every connection, so hosts may answer it
        without building the whole ArticleInfo."""
        article = self.get_article(article_id)
        if article is None:
            return "not_found"
        return "ok" if self.can_listen(user, article) else "forbidden"

    def can_listen(self, user, article: ArticleInfo) -> bool:
        """Published articles are public; a draft only for its author."""
        if article.is_published:
            return True
        return bool(user and user.is_authenticated and user.pk == article.author_id)


@cache
def get_article_adapter() -> ArticleAdapter:
    path = app_settings.ARTICLE_ADAPTER
    if not path:
        raise ImproperlyConfigured('Set READALOUD["ARTICLE_ADAPTER"] to the dotted path of your adapter class.')
    return import_string(path)()
