"""Background work of the voices app. Tasks take IDs; services enqueue them on commit."""

from django.tasks import task


@task(queue_name="voices")
def clone_voice_task(voice_id: int) -> int:
    from .services.voice import voice_clone_run

    return voice_clone_run(voice_id).pk


@task(queue_name="default")
def purge_recordings_task() -> dict:
    """The daily retention run (voices.audit.retention.purge_run): schedules the next run, then deletes the recording
    files kept past the retention period. Short: it runs on the default queue."""
    from .audit.retention import purge_run

    return purge_run()
