"""Reads of the read-aloud app."""

from .models import Rendition


def current_rendition(article_id: str) -> Rendition | None:
    return Rendition.objects.filter(article_id=str(article_id), is_current=True).first()


def playable_rendition(article_id: str) -> Rendition | None:
    """The newest finished rendition: the current one once it is ready, else the previous one until then."""
    return (Rendition.objects.filter(article_id=str(article_id), status=Rendition.Status.READY)
            .exclude(audio_name="").order_by("-finished_at").first())


def rendition_status(article_id: str) -> dict:
    current = current_rendition(article_id)
    playable = playable_rendition(article_id)
    if current is None:
        return {"status": "none", "playable": playable is not None}
    return {
        "status": current.status,
        "rendition": str(current.uid),
        "sentences_done": current.sentences_done,
        "sentences_total": current.sentences_total,
        "duration_seconds": current.duration_seconds,
        "voice_label": current.voice_label,
        "attempts": current.attempts,
        "error": current.error,
        "playable": playable is not None,
        "ai_generated": True,
    }
