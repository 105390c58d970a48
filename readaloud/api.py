"""REST endpoints of the read-aloud app (session auth; documented in docs/readaloud-api.md)."""

from functools import partial

from django.db import transaction
from django.urls import reverse
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .adapter import get_article_adapter
from .selectors import rendition_status


class RenditionStatusView(APIView):
    """GET: the article's audio status (queued / rendering with progress / ready / failed with the error).
    POST (the article's author only): render it again now, in the voice the author uses today."""

    def article(self, request, article_id):
        adapter = get_article_adapter()
        article = adapter.get_article(article_id)
        if article is None or not adapter.can_listen(request.user, article):
            raise NotFound("No such article.")
        return article

    def get(self, request, article_id):
        self.article(request, article_id)
        body = rendition_status(article_id)
        if body["playable"]:
            body["audio_url"] = request.build_absolute_uri(reverse("readaloud:audio", args=[article_id]))
        return Response(body)

    def post(self, request, article_id):
        article = self.article(request, article_id)
        if not request.user.is_authenticated or request.user.pk != article.author_id:
            raise PermissionDenied("Only the author can re-render an article.")
        rerender_in_current_voice([article.id])
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class AuthorRerenderView(APIView):
    """POST (an author): read all my published articles again in the voice I use now (older posts otherwise keep the
    voice they were published with)."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        ids = [a.id for a in get_article_adapter().articles_by_author(request.user.pk)]
        rerender_in_current_voice(ids)
        return Response({"queued": len(ids)}, status=status.HTTP_202_ACCEPTED)


def rerender_in_current_voice(article_ids):
    from .services.voice_choice import voice_moments_now
    from .tasks import render_article

    with transaction.atomic():
        voice_moments_now(article_ids)
        for article_id in article_ids:
            transaction.on_commit(partial(render_article.enqueue, str(article_id)))
