"""Listens to the host's publish event (named in settings) and queues a rendering once the transaction commits."""

from functools import partial

from django.db import transaction
from django.utils.module_loading import import_string

from .app_settings import app_settings


def on_article_published(sender, article_id, **kwargs):
    from .tasks import render_article

    transaction.on_commit(partial(render_article.enqueue, str(article_id)))


def connect_publish_signal():
    if app_settings.PUBLISH_SIGNAL:
        signal = import_string(app_settings.PUBLISH_SIGNAL)
        signal.connect(on_article_published, dispatch_uid="readaloud.on_article_published")
