"""Background work of the read-aloud app. Tasks take IDs; callers enqueue them on commit."""

import datetime
import logging

from django.tasks import task
from django.utils import timezone

from .app_settings import app_settings
from .models import Rendition
from .services.planning import ArticleNotFound, rendition_plan
from .services.rendering import rendition_build

logger = logging.getLogger(__name__)


@task(queue_name="render")
def render_article(article_id: str) -> int | None:
    """Plan the article as it is now and build its rendition (reusing every clip that did not change)."""
    try:
        rendition = rendition_plan(article_id)
    except ArticleNotFound:
        logger.warning("article %s disappeared before it could be rendered", article_id)
        return None
    return build_rendition.call(rendition.pk)


@task(queue_name="render")
def build_rendition(rendition_id: int) -> int:
    try:
        return rendition_build(rendition_id).pk
    except Exception as exc:
        rendition = Rendition.objects.get(pk=rendition_id)
        Rendition.objects.filter(pk=rendition_id).update(
            status=Rendition.Status.FAILED, error=f"{type(exc).__name__}: {exc}"
        )
        if rendition.attempts < app_settings.RENDER_MAX_ATTEMPTS:
            delay = app_settings.RENDER_RETRY_BASE_SECONDS * 2 ** (rendition.attempts - 1)
            build_rendition.using(run_after=timezone.now() + datetime.timedelta(seconds=delay)).enqueue(rendition_id)
            logger.warning("rendition %s failed (%s); retry in %s s", rendition_id, exc, delay)
        raise
