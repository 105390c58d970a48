from django.core.files.storage import storages
from django.http import Http404

from .adapter import get_article_adapter
from .http_range import ranged_file_response
from .selectors import playable_rendition


def listenable_article(request, article_id):
    adapter = get_article_adapter()
    article = adapter.get_article(article_id)
    if article is None or not adapter.can_listen(request.user, article):
        raise Http404("No such article.")
    return article


def article_audio(request, article_id):
    """The finished file (plain <audio src>, downloads, podcast apps), with Range support."""
    listenable_article(request, article_id)
    rendition = playable_rendition(article_id)
    if rendition is None:
        raise Http404("This article has no audio yet.")
    response = ranged_file_response(request, storages["readaloud_audio"], rendition.audio_name, rendition.codec,
                                    filename=f"article-{article_id}.mp3")
    response["X-AI-Generated"] = "true"
    response["Cache-Control"] = "private, max-age=300"
    return response
