"""The host's public pages, the author's dashboard and the login page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

pytestmark = pytest.mark.django_db


def test_list_shows_published_articles_newest_first(client, make_article):
    older = make_article(title="较早的文章")
    Article.objects.filter(pk=older.pk).update(published_at=timezone.now() - datetime.timedelta(days=3))
    newer = make_article(title="较新的文章")
    make_article(title="草稿不该出现", publish=False)

    response = client.get(reverse("articles:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert newer.title in html and older.title in html
    assert html.index(newer.title) < html.index(older.title)
    assert "草稿不该出现" not in html
    assert list(response.context["articles"]) == [newer, older]
    assert "site.css" in html


def test_list_is_paginated(client, make_article):
    for i in range(12):
        make_article(title=f"第{i}篇")

    first = client.get(reverse("articles:list"))
    second = client.get(reverse("articles:list"), {"page": 2})

    assert first.context["is_paginated"] is True
    assert len(first.context["articles"]) == 10
    assert len(second.context["articles"]) == 2
    assert 'rel="next"' in first.content.decode()
    assert client.get(reverse("articles:list"), {"page": 9}).status_code == 404


def test_empty_list_renders(client):
    response = client.get(reverse("articles:list"))
    assert response.status_code == 200
    assert "还没有发布的文章" in response.content.decode()


def test_detail_renders_markdown_author_date_language_and_player_container(client, published):
    response = client.get(published.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and published.title in html
    assert "<h2>小标题</h2>" in html
    assert "<blockquote>" in html
    assert '<code class="language-python">' in html
    assert "<ruby>重<rp>(</rp><rt>chóng</rt><rp>)</rp></ruby>新" in html
    assert "林晓" in html  # the author's full name
    assert published.published_at.astimezone(timezone.get_current_timezone()).strftime("%Y年") in html
    assert "中文 Chinese" in html
    assert 'lang="zh-Hans"' in html
    assert 'id="readaloud-player"' in html and f'data-article-id="{published.pk}"' in html
    assert "data-readaloud-body" in html
    assert '<div class="prose" data-readaloud-body>' in html
    assert "{#" not in html and "#}" not in html and "{%" not in html


def test_detail_of_english_article_is_marked_english(client, make_article):
    article = make_article(title="Reading Aloud", body="Plain *English* text.", language="en")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<article class="article" lang="en">' in html
    assert "<em>English</em>" in html


def test_markdown_cannot_inject_script(client, make_article):
    article = make_article(body='Hi <script>alert("x")</script> <a href="javascript:alert(1)">link</a>')
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html


def test_draft_is_404_for_anonymous_and_other_users(client, draft, other_user):
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(other_user)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_draft_is_visible_to_its_author_with_a_notice(client, draft, author):
    client.force_login(author)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert draft.title in html
    assert "只有你能看到" in html
    assert reverse("articles:publish", args=[draft.pk]) in html


def test_unknown_article_is_404(client):
    assert client.get("/articles/999999/").status_code == 404


def test_dashboard_requires_login(client):
    response = client.get(reverse("articles:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_dashboard_lists_only_own_articles_with_status(client, author, other_user, published, draft, make_article):
    foreign = make_article(title="别人的文章", user=other_user)
    client.force_login(author)

    response = client.get(reverse("articles:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert published.title in html and draft.title in html
    assert foreign.title not in html
    assert "已发布 Published" in html and "草稿 Draft" in html
    assert reverse("articles:edit", args=[published.pk]) in html
    assert reverse("articles:unpublish", args=[published.pk]) in html
    assert reverse("articles:publish", args=[draft.pk]) in html
    assert response.context["counts"] == {"total": 2, "published": 1, "drafts": 1}


def test_create_and_edit_forms_render(client, author, published):
    client.force_login(author)
    create = client.get(reverse("articles:create"))
    edit = client.get(reverse("articles:edit", args=[published.pk]))
    assert create.status_code == 200 and edit.status_code == 200
    for html in (create.content.decode(), edit.content.decode()):
        assert 'name="title"' in html and "<textarea" in html and 'name="language"' in html
        assert 'value="zh"' in html and 'value="en"' in html and 'value="mixed"' in html
    assert published.title in edit.content.decode()


def test_nav_shows_my_voice_link_only_when_logged_in(client, author):
    anonymous = client.get(reverse("articles:list")).content.decode()
    assert 'href="/voices/"' not in anonymous
    assert reverse("login") in anonymous

    client.force_login(author)
    signed_in = client.get(reverse("articles:list")).content.decode()
    assert 'href="/voices/"' in signed_in
    assert "我的声音" in signed_in and "My voice" in signed_in
    assert reverse("logout") in signed_in


def test_login_page_and_login_flow(client, author, password):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()

    bad = client.post(reverse("login"), {"username": "author", "password": "wrong"})
    assert bad.status_code == 200
    assert "form-errors" in bad.content.decode()

    good = client.post(reverse("login"), {"username": "author", "password": password})
    assert good.status_code == 302
    assert good.url == reverse("articles:dashboard")


def test_logout_is_a_post(client, author):
    client.force_login(author)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("articles:list")
    assert client.get(reverse("articles:dashboard")).status_code == 302


def test_admin_changelist_for_staff(client, django_user_model, published):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-12345")
    client.force_login(admin)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert published.title in response.content.decode()
    assert client.get(reverse("admin:articles_article_change", args=[published.pk])).status_code == 200
