"""Writes to articles: the only place that publishes, so the publish event is never forgotten."""

from django.db import transaction
from django.utils import timezone

from .models import Article
from .signals import article_published, article_unpublished


def _announce(signal, **kwargs):
    """Tell the plugins. A failing receiver is logged (by Django, logger "django.dispatch") and never undoes the
    author's publish: the article is saved either way."""
    signal.send_robust(sender=Article, **kwargs)


@transaction.atomic
def article_save(*, article: Article, publish: bool = False) -> Article:
    """Save an article; publish it if asked. Sends `article_published` for a publish (created=True) and for an edit
    of a published article (created=False: readaloud re-renders what changed). Saving a draft sends nothing."""
    became_published = publish and not article.is_published
    if became_published:
        article.status = Article.Status.PUBLISHED
        article.published_at = article.published_at or timezone.now()
    article.full_clean()
    article.save()
    if article.is_published:
        _announce(article_published, article_id=str(article.pk), created=became_published)
    return article


@transaction.atomic
def article_unpublish(*, article: Article) -> Article:
    """Back to draft: the article leaves the public pages; its first publication date is kept."""
    if not article.is_published:
        return article
    article.status = Article.Status.DRAFT
    article.save(update_fields=["status", "updated_at"])
    _announce(article_unpublished, article_id=str(article.pk))
    return article
