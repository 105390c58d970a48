from django.db import models


class WorkerHeartbeat(models.Model):
    """Written by a worker when it runs the heartbeat task: proof that queued tasks really get executed."""

    requested_at = models.DateTimeField()
    executed_at = models.DateTimeField(auto_now_add=True)
    worker_pid = models.PositiveIntegerField()
    worker_host = models.CharField(max_length=255)

    class Meta:
        ordering = ["-executed_at"]
        get_latest_by = "executed_at"

    def __str__(self):
        return f"worker {self.worker_host}:{self.worker_pid} at {self.executed_at:%Y-%m-%d %H:%M:%S}"
