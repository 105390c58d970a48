"""Writes through the dashboard go through articles.services, which announce publications to the plugins."""

import logging

import pytest
from django.urls import reverse

from articles.models import Article
from articles.services import article_save, article_unpublish
from articles.signals import article_published, article_unpublished

pytestmark = pytest.mark.django_db

FORM = {"title": "一杯茶的工夫", "body": "泡茶最重要的两件事，是水温和时间。", "language": "zh"}


def test_create_as_draft_then_publish_sends_the_signal_once(client, author, published_events):
    client.force_login(author)

    response = client.post(reverse("articles:create"), {**FORM, "action": "save"})

    article = Article.objects.get()
    assert response.status_code == 302 and response.url == reverse("articles:edit", args=[article.pk])
    assert article.author == author and not article.is_published and article.published_at is None
    assert published_events == []

    response = client.post(reverse("articles:publish", args=[article.pk]))

    article.refresh_from_db()
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    assert article.is_published and article.published_at is not None
    assert published_events == [{"article_id": str(article.pk), "created": True}]
    assert list(client.get(reverse("articles:list")).context["articles"]) == [article]


def test_create_and_publish_in_one_step(client, author, published_events):
    client.force_login(author)

    response = client.post(reverse("articles:create"), {**FORM, "language": "mixed", "action": "publish"})

    article = Article.objects.get()
    assert response.url == article.get_absolute_url()
    assert article.is_published and article.language == "mixed"
    assert published_events == [{"article_id": str(article.pk), "created": True}]


def test_invalid_form_saves_nothing(client, author, published_events):
    client.force_login(author)
    response = client.post(reverse("articles:create"), {"title": "", "body": "", "language": "xx", "action": "publish"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "body", "language"}
    assert not Article.objects.exists()
    assert published_events == []


def test_editing_a_published_article_sends_the_signal_again_not_created(client, author, published, published_events):
    client.force_login(author)
    first_published_at = published.published_at

    response = client.post(reverse("articles:edit", args=[published.pk]),
                           {**FORM, "title": "改过的标题", "action": "save"})

    published.refresh_from_db()
    assert response.status_code == 302 and response.url == published.get_absolute_url()
    assert published.title == "改过的标题" and published.is_published
    assert published.published_at == first_published_at
    assert published_events == [{"article_id": str(published.pk), "created": False}]


def test_editing_a_draft_sends_nothing(client, author, draft, published_events):
    client.force_login(author)

    response = client.post(reverse("articles:edit", args=[draft.pk]), {**FORM, "action": "save"})

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.title == FORM["title"] and not draft.is_published
    assert published_events == []


def test_publishing_from_the_edit_form(client, author, draft, published_events):
    client.force_login(author)
    client.post(reverse("articles:edit", args=[draft.pk]), {**FORM, "action": "publish"})
    draft.refresh_from_db()
    assert draft.is_published
    assert published_events == [{"article_id": str(draft.pk), "created": True}]


def test_publishing_twice_is_harmless(client, author, published, published_events):
    client.force_login(author)
    client.post(reverse("articles:publish", args=[published.pk]))
    assert published_events == []


def test_unpublish_hides_the_article_and_announces_it(client, author, published, published_events):
    unpublished = []

    def receiver(sender, article_id, **kwargs):
        unpublished.append(article_id)

    article_unpublished.connect(receiver, weak=False)
    try:
        client.force_login(author)
        response = client.post(reverse("articles:unpublish", args=[published.pk]))
    finally:
        article_unpublished.disconnect(receiver)

    published.refresh_from_db()
    assert response.status_code == 302 and response.url == reverse("articles:dashboard")
    assert not published.is_published
    assert unpublished == [str(published.pk)]
    assert published_events == []
    client.logout()
    assert client.get(published.get_absolute_url()).status_code == 404


def test_republish_keeps_first_publication_date(published, published_events):
    first = published.published_at
    article_unpublish(article=published)
    article_save(article=published, publish=True)
    assert published.published_at == first
    assert published_events == [{"article_id": str(published.pk), "created": True}]


def test_publish_and_unpublish_require_post(client, author, draft):
    client.force_login(author)
    assert client.get(reverse("articles:publish", args=[draft.pk])).status_code == 405
    assert client.get(reverse("articles:unpublish", args=[draft.pk])).status_code == 405


@pytest.mark.parametrize("name", ["edit", "publish", "unpublish"])
def test_other_users_cannot_touch_an_article(client, other_user, published, draft, name, published_events):
    client.force_login(other_user)
    for article in (published, draft):
        if name == "edit":
            response = client.post(reverse("articles:edit", args=[article.pk]), {**FORM, "action": "publish"})
        else:
            response = client.post(reverse(f"articles:{name}", args=[article.pk]))
        assert response.status_code == 404
    published.refresh_from_db()
    draft.refresh_from_db()
    assert published.is_published and not draft.is_published
    assert published.title != FORM["title"] and draft.title != FORM["title"]
    assert published_events == []


def test_anonymous_writes_redirect_to_login(client, draft):
    for url in (reverse("articles:create"), reverse("articles:edit", args=[draft.pk]),
                reverse("articles:publish", args=[draft.pk])):
        response = client.post(url, FORM)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_failing_plugin_receiver_does_not_undo_the_publish(draft, published_events, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("plugin exploded")

    article_published.connect(broken, weak=False)
    try:
        with caplog.at_level(logging.ERROR, logger="django.dispatch"):
            article_save(article=draft, publish=True)
    finally:
        article_published.disconnect(broken)

    draft.refresh_from_db()
    assert draft.is_published
    assert published_events == [{"article_id": str(draft.pk), "created": True}]
    assert "plugin exploded" in caplog.text


def test_admin_actions_go_through_the_services(client, django_user_model, draft, published, published_events):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-12345")
    client.force_login(admin)
    url = reverse("admin:articles_article_changelist")

    client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk, published.pk]})

    draft.refresh_from_db()
    assert draft.is_published
    assert published_events == [{"article_id": str(draft.pk), "created": True}]

    client.post(url, {"action": "unpublish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert not draft.is_published
