"""Listens to the host's publish event (named in settings) and queues a rendering once the transaction commits."""

from functools import partial

from django.db import transaction
from django.utils.module_loading import import_string

from .app_settings import app_settings


def on_article_published(sender, article_id, **kwargs):
    from .tasks import render_article

    transaction.on_commit(partial(render_article.enqueue, str(article_id)))


def on_voice_changed(sender, user_id, voice_id, change, **kwargs):
    from .services.voice_changes import renditions_after_voice_change

    renditions_after_voice_change(user_id=user_id, voice_id=voice_id, change=change)


def connect_voice_signal():
    from voices.services.voice import voice_changed

    voice_changed.connect(on_voice_changed, dispatch_uid="readaloud.on_voice_changed")


def connect_publish_signal():
    if app_settings.PUBLISH_SIGNAL:
        signal = import_string(app_settings.PUBLISH_SIGNAL)
        signal.connect(on_article_published, dispatch_uid="readaloud.on_article_published")
