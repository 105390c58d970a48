import datetime
import os
import socket

from django.tasks import task

from .models import WorkerHeartbeat


@task()
def heartbeat(requested_at: str) -> int:
    beat = WorkerHeartbeat.objects.create(
        requested_at=datetime.datetime.fromisoformat(requested_at), worker_pid=os.getpid(),
        worker_host=socket.gethostname(),
    )
    return beat.pk
