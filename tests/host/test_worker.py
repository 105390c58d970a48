"""The embedded task queue is real: a task enqueued through Django's Tasks API runs in a separate worker process."""


import os

import pytest

from ops.models import WorkerHeartbeat
from tests.live_processes import run_worker_batch


@pytest.mark.django_db(transaction=True)
def test_enqueued_task_is_executed_by_the_worker_process(client):
    before = client.get("/healthz").json()
    assert before["database"] == "ok"
    assert before["worker"] == "no recent heartbeat"
    assert not WorkerHeartbeat.objects.exists()

    result = run_worker_batch()

    assert result.returncode == 0, result.stderr
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker_pid != os.getpid()
    assert client.get("/healthz").json()["worker"] == "ok"
