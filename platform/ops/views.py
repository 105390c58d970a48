"""/healthz: is the database reachable, and did a worker run a task lately? Each call queues the next heartbeat."""

import datetime
from functools import partial

from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import WorkerHeartbeat
from .tasks import heartbeat

WORKER_STALE_AFTER = datetime.timedelta(minutes=2)


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = WorkerHeartbeat.objects.order_by("-executed_at").first()
    worker_ok = bool(last and timezone.now() - last.executed_at < WORKER_STALE_AFTER)
    transaction.on_commit(partial(heartbeat.enqueue, timezone.now().isoformat()))
    return JsonResponse({
        "database": "ok",
        "worker": "ok" if worker_ok else "no recent heartbeat",
        "worker_last_seen": last.executed_at.isoformat() if last else None,
    })
