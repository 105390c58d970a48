"""The plugin contract as the host implements it (docs/architecture.md, "The plugin contract")."""

import datetime

import pytest
from django.utils import timezone

from articles.adapter import HostContentAdapter
from articles.models import Article
from readaloud.adapter import ArticleAdapter, ArticleInfo, get_article_adapter
from voices.adapter import AuthorText, AuthorTextAdapter, get_author_text_adapter

pytestmark = pytest.mark.django_db


def test_settings_name_the_host_adapter_for_both_apps():
    assert isinstance(get_author_text_adapter(), HostContentAdapter)
    assert isinstance(get_article_adapter(), HostContentAdapter)
    assert issubclass(HostContentAdapter, AuthorTextAdapter) and issubclass(HostContentAdapter, ArticleAdapter)


def test_published_texts_are_the_authors_published_articles_as_plain_text(author, other_user, make_article):
    older = make_article(title="旧文")
    Article.objects.filter(pk=older.pk).update(published_at=timezone.now() - datetime.timedelta(days=2))
    newer = make_article(title="新文")
    make_article(title="草稿", publish=False)
    make_article(title="别人的文章", user=other_user)

    texts = HostContentAdapter().published_texts(author.pk)

    assert [t.article_id for t in texts] == [str(newer.pk), str(older.pk)]
    assert all(isinstance(t, AuthorText) for t in texts)
    text = texts[0]
    assert text.title == "新文" and text.language == "zh" and text.published_at is not None
    assert "清晨的城市还没有完全醒来。我沿着河边慢慢地走。" in text.text
    assert "我们重新出发。" in text.text  # the pinyin hint is not read
    assert "书要读出声音来。" in text.text and "第一件事" in text.text
    assert "请看 官方网站 的说明" in text.text  # link text kept, URL dropped
    for markup in ("##", "](", "**", "> ", "- 第", "```", "<", "https://", "example.com", "chóng", "print("):
        assert markup not in text.text, markup
    assert "不应该被朗读的代码" not in text.text  # code blocks are not prose
    assert "\n\n" not in text.text


def test_published_texts_of_an_author_with_nothing_published(author, draft):
    assert HostContentAdapter().published_texts(author.pk) == []


def test_get_article_returns_article_info(published, author):
    info = HostContentAdapter().get_article(str(published.pk))

    assert isinstance(info, ArticleInfo)
    assert info.id == str(published.pk)
    assert info.author_id == author.pk
    assert info.author_name == "林晓"
    assert info.title == published.title
    assert info.language == "zh"
    assert info.is_published is True
    assert info.published_at == published.published_at
    assert info.updated_at == published.updated_at
    assert info.url == f"/articles/{published.pk}/"
    assert "<h2>小标题</h2>" in info.html and "<blockquote>" in info.html
    assert 'rel="noopener nofollow"' in info.html


def test_get_article_of_a_draft_says_so(draft, author, other_user):
    adapter = HostContentAdapter()
    info = adapter.get_article(draft.pk)
    assert info is not None and info.is_published is False and info.published_at is None
    assert adapter.can_listen(author, info) is True
    assert adapter.can_listen(other_user, info) is False


@pytest.mark.parametrize("article_id", ["nope", "", None, "999999", "1.5", 10**30])
def test_get_article_of_unknown_id_is_none(article_id):
    assert HostContentAdapter().get_article(article_id) is None


def test_author_name_falls_back_to_username(make_article, other_user):
    article = make_article(user=other_user)
    assert HostContentAdapter().get_article(article.pk).author_name == "other"


def test_articles_by_author_lists_published_only(author, published, draft, make_article, other_user):
    make_article(user=other_user)
    infos = HostContentAdapter().articles_by_author(author.pk)
    assert [i.id for i in infos] == [str(published.pk)]
    assert all(i.is_published for i in infos)


@pytest.mark.django_db
def test_listen_permission_is_answered_without_rendering(author, other_user):
    from django.contrib.auth.models import AnonymousUser

    from articles.services import article_save

    adapter = HostContentAdapter()
    public = article_save(article=Article(author=author, title="公开", body="公开的文章。"), publish=True)
    draft = article_save(article=Article(author=author, title="草稿", body="草稿。"))
    assert adapter.listen_permission(AnonymousUser(), str(public.pk)) == "ok"
    assert adapter.listen_permission(AnonymousUser(), str(draft.pk)) == "forbidden"
    assert adapter.listen_permission(other_user, str(draft.pk)) == "forbidden"
    assert adapter.listen_permission(author, str(draft.pk)) == "ok"
    assert adapter.listen_permission(author, "99999") == "not_found"
    assert adapter.listen_permission(author, "x" * 30) == "not_found"
    assert adapter.listen_permission(author, "9" * 40) == "not_found"
