"""Background work of the voices app. Tasks take IDs; services enqueue them on commit."""

from django.tasks import task


@task(queue_name="voices")
def clone_voice_task(voice_id: int) -> int:
    from .services.voice import voice_clone_run

    return voice_clone_run(voice_id).pk
