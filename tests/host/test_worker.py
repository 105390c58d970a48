"""The embedded task queue is real: a task enqueued through Django's Tasks API runs in a separate worker process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ops.models import WorkerHeartbeat

REPO = Path(__file__).resolve().parents[2]


def run_worker_batch():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hostsite.settings_test"}
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--queue-name", "*", "--no-reload"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


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
