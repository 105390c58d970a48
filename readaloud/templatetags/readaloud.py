"""Template tags of the read-aloud app: `{% load readaloud %}{% readaloud_player article.pk %}`.

The tag renders the player's container (URLs and the initial state as data attributes), the visible AI label and the
player's script and stylesheet. It does not check who may listen: the host page decides whether to show the player,
and the WebSocket consumer and HTTP views check permissions themselves.
"""

from urllib.parse import quote

from django import template
from django.urls import reverse

from ..selectors import current_rendition, playable_rendition

register = template.Library()

AI_LABEL = "AI 合成语音 · AI-generated voice"


def websocket_path(article_id) -> str:
    """The consumer's path (readaloud.routing); WebSocket routes are not reversible, so it is built here."""
    return f"/ws/readaloud/articles/{quote(str(article_id), safe='')}/"


@register.inclusion_tag("readaloud/player.html")
def readaloud_player(article_id, body_selector="[data-readaloud-body]"):
    """The "listen to this article" player. `body_selector` is a CSS selector of the element holding the article's
    body, where the sentence being read is highlighted (when the browser supports the CSS Custom Highlight API)."""
    # Plain copies: template string literals arrive marked "safe"; everything this tag prints is escaped.
    article_id, body_selector = str.__str__(str(article_id)), str.__str__(str(body_selector))
    current = current_rendition(article_id)
    playable = playable_rendition(article_id)
    shown = current if current is not None else playable
    return {
        "article_id": article_id,
        "ws_path": websocket_path(article_id),
        "audio_url": reverse("readaloud:audio", args=[article_id]),
        "status_url": reverse("readaloud:api-rendition", args=[article_id]),
        "body_selector": body_selector,
        "ai_label": AI_LABEL,
        "voice_label": shown.voice_label if shown is not None else "",
        "status": current.status if current is not None else "none",
        "playable": playable is not None,
        "duration": playable.duration_seconds if playable is not None and playable == current else None,
        "sentences_done": current.sentences_done if current is not None else 0,
        "sentences_total": current.sentences_total if current is not None else 0,
    }
