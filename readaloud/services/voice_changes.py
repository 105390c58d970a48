"""When an author's voice is suspended, reinstated or revoked, their articles change voice at once."""

from functools import partial

from django.db import transaction

from ..adapter import get_article_adapter
from ..models import Rendition, SentenceClip
from ..storage import audio_storage
from .voice_choice import AUTHOR_VOICE_PREFIX

RERENDER_ON = {"suspended", "reinstated", "revoked"}


def _delete_files(names):
    storage = audio_storage()
    for name in names:
        if name:
            storage.delete(name)


@transaction.atomic
def renditions_after_voice_change(*, user_id: int, voice_id: int, change: str) -> list[str]:
    """Take renditions in that voice out of service (revoked: delete them and its clips), then queue every published
    article of the author for re-planning: each gets the voice it should have now. Returns the article ids."""
    from ..tasks import render_article

    if change not in RERENDER_ON:
        return []
    in_voice = Rendition.objects.filter(voice_ref__startswith=f"{AUTHOR_VOICE_PREFIX}{voice_id}:")
    if change == "revoked":
        clips = SentenceClip.objects.filter(voice_ref__startswith=f"{AUTHOR_VOICE_PREFIX}{voice_id}:")
        names = list(in_voice.values_list("audio_name", flat=True)) + list(clips.values_list("audio_name", flat=True))
        in_voice.delete()
        clips.delete()
        transaction.on_commit(partial(_delete_files, names))
    elif change == "suspended":
        in_voice.update(is_current=False, status=Rendition.Status.SUPERSEDED)
    article_ids = [article.id for article in get_article_adapter().articles_by_author(user_id)]
    for article_id in article_ids:
        transaction.on_commit(partial(render_article.enqueue, article_id))
    return article_ids
