"""The host's side of the plugin contract: the plugin asks, the host answers from its own models."""

from readaloud.adapter import ArticleAdapter, ArticleInfo
from voices.adapter import AuthorText, AuthorTextAdapter

from .models import Article
from .rendering import markdown_to_html, markdown_to_plain_text


class HostContentAdapter(AuthorTextAdapter, ArticleAdapter):
    def published_texts(self, user_id):
        articles = Article.objects.published().filter(author_id=user_id)
        return [
            AuthorText(
                article_id=str(a.pk),
                title=a.title,
                text=markdown_to_plain_text(a.body),
                language=a.language,
                published_at=a.published_at,
            )
            for a in articles.order_by("-published_at", "-pk")
        ]

    def get_article(self, article_id):
        try:
            article = Article.objects.select_related("author").get(pk=int(article_id))
        except (Article.DoesNotExist, ValueError, TypeError, OverflowError):
            return None
        return self._info(article)

    def listen_permission(self, user, article_id):
        try:
            row = Article.objects.filter(pk=int(article_id)).values("author_id", "status").first()
        except (ValueError, TypeError, OverflowError):
            row = None
        if row is None:
            return "not_found"
        if row["status"] == Article.Status.PUBLISHED:
            return "ok"
        return "ok" if user is not None and user.is_authenticated and user.pk == row["author_id"] else "forbidden"

    def articles_by_author(self, author_id):
        articles = Article.objects.published().select_related("author").filter(author_id=author_id)
        return [self._info(a) for a in articles.order_by("-published_at", "-pk")]

    @staticmethod
    def _info(article):
        return ArticleInfo(
            id=str(article.pk),
            author_id=article.author_id,
            author_name=article.author.get_full_name() or article.author.get_username(),
            title=article.title,
            html=markdown_to_html(article.body),
            language=article.language,
            is_published=article.is_published,
            published_at=article.published_at,
            updated_at=article.updated_at,
            url=article.get_absolute_url(),
        )
