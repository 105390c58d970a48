"""Taking over renditions whose worker was killed: their finished clips are kept, the rest is rendered again."""

import datetime
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..app_settings import app_settings
from ..models import Rendition


def renditions_recover() -> list[int]:
    from ..tasks import build_rendition

    stale_before = timezone.now() - datetime.timedelta(seconds=app_settings.RENDER_STALE_SECONDS)
    stale = Rendition.objects.filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, created_at__lt=stale_before),
        is_current=True, status__in=[Rendition.Status.QUEUED, Rendition.Status.RENDERING],
    )
    ids = list(stale.values_list("pk", flat=True))
    for rendition_id in ids:
        # queued again: the next build may claim it (readaloud.services.rendering.rendition_claim)
        Rendition.objects.filter(pk=rendition_id).update(status=Rendition.Status.QUEUED, heartbeat_at=timezone.now())
        transaction.on_commit(partial(build_rendition.enqueue, rendition_id))
    return ids
