"""A podcast feed per author: every published article that has finished audio."""

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from .adapter import get_article_adapter
from .selectors import playable_rendition


class AuthorPodcastFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, author_id):
        author = get_user_model().objects.filter(pk=author_id, is_active=True).first()
        if author is None:
            raise Http404("No such author.")
        return author

    def title(self, author):
        return f"{author.get_full_name() or author.get_username()} · 朗读 Read aloud (AI voice)"

    def link(self, author):
        return reverse("readaloud:podcast", args=[author.pk])

    def description(self, author):
        return "AI-generated audio of the author's articles. 本播客音频由人工智能合成。"

    def items(self, author):
        pairs = []
        for article in get_article_adapter().articles_by_author(author.pk)[:100]:
            rendition = playable_rendition(article.id)
            if rendition is not None:
                pairs.append((article, rendition))
        return pairs

    def item_title(self, item):
        return item[0].title

    def item_link(self, item):
        return item[0].url

    def item_guid(self, item):
        return str(item[1].uid)

    def item_description(self, item):
        return f"{item[1].voice_label}. AI-generated audio."

    def item_pubdate(self, item):
        return item[0].published_at

    def item_enclosure_url(self, item):
        return reverse("readaloud:audio", args=[item[0].id])

    def item_enclosure_length(self, item):
        return item[1].audio_bytes

    def item_enclosure_mime_type(self, item):
        return item[1].codec
