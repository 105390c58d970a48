"""`manage.py seed_demo`: a working demo site, idempotent, published through the service (so plugins hear of it)."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles import demo_content
from articles.adapter import HostContentAdapter
from articles.models import Article
from articles.rendering import markdown_to_plain_text

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_users_and_articles(client, published_events):
    output = seed()

    User = get_user_model()
    demo = User.objects.get(username="demo")
    admin = User.objects.get(username="admin")
    assert demo.check_password("demo-pass-123") and demo.get_full_name() == "林晓"
    assert not demo.is_staff
    assert admin.check_password("admin-pass-123") and admin.is_staff and admin.is_superuser

    articles = Article.objects.filter(author=demo)
    published = articles.filter(status=Article.Status.PUBLISHED)
    assert published.count() >= 6
    assert articles.filter(status=Article.Status.DRAFT).count() == 1
    assert {e["article_id"] for e in published_events} == {str(a.pk) for a in published}
    assert all(e["created"] for e in published_events) and len(published_events) == published.count()
    assert "7 created" in output

    assert client.login(username="demo", password="demo-pass-123")
    assert client.get("/dashboard/").status_code == 200
    assert len(client.get("/").context["articles"]) == published.count()


def test_seed_demo_twice_creates_no_duplicates_and_sends_nothing_new(published_events):
    seed()
    counts = (get_user_model().objects.count(), Article.objects.count())
    events = len(published_events)

    output = seed()

    assert (get_user_model().objects.count(), Article.objects.count()) == counts
    assert len(published_events) == events
    assert "0 created, 0 updated, 7 unchanged" in output


def test_seed_demo_restores_changed_demo_content(published_events):
    seed()
    article = Article.objects.get(slug="reading-aloud")
    Article.objects.filter(pk=article.pk).update(title="被改过的标题", status=Article.Status.DRAFT)
    published_events.clear()

    output = seed()

    article.refresh_from_db()
    assert article.title == "把文字读出声来" and article.is_published
    assert published_events == [{"article_id": str(article.pk), "created": True}]
    assert "1 updated" in output


def test_demo_content_meets_the_brief():
    by_language = {}
    for _slug, _title, language, body, days_ago in demo_content.ARTICLES:
        if days_ago is not None:
            by_language.setdefault(language, []).append(body)
    assert len(by_language["zh"]) >= 3 and len(by_language["mixed"]) >= 1 and len(by_language["en"]) >= 2
    assert sum(days is None for *_, days in demo_content.ARTICLES) == 1

    for body in by_language["zh"]:
        text = markdown_to_plain_text(body)
        assert 800 <= len(CJK.findall(text)) and len(re.sub(r"\s", "", text)) <= 1500
        assert "\n## " in body and "\n> " in body and re.search(r"\n(- |1\. )", body)
        assert re.search(r"\d", body)  # a year, number, percentage or date
    zh = "\n".join(by_language["zh"])
    assert "```" in zh and "](http" in zh and "重[chóng]新" in zh and "%" in zh and "年" in zh

    mixed = by_language["mixed"][0]
    assert all(term in mixed for term in ("Django", "WebSocket", "open source"))

    for body in by_language["en"]:
        assert len(WORD.findall(markdown_to_plain_text(body))) >= 500


def test_demo_author_has_plenty_of_reading_challenge_sentences():
    """Voice enrollment draws sentences of 8-30 Chinese characters without digits or URLs from published text."""
    seed()
    demo = get_user_model().objects.get(username="demo")
    sentences = set()
    for text in HostContentAdapter().published_texts(demo.pk):
        for sentence in re.split(r"[。！？!?\n]", text.text):
            if 8 <= len(CJK.findall(sentence)) <= 30 and not re.search(r"\d|https?:|www\.", sentence):
                sentences.add(sentence.strip())
    assert len(sentences) >= 100
