import pytest

from articles.models import Article
from articles.services import article_save


@pytest.fixture
def writer(django_user_model):
    return django_user_model.objects.create_user("writer", password="pw-writer-123", first_name="晓", last_name="林")


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("reader", password="pw-reader-123")


ARTICLE_BODY = (
    "# 朗读的乐趣\n\n清晨的城市还没有完全醒来。我沿着河边慢慢地走。\n\n"
    "风从水面吹过来，带着一点凉意。我想起小时候听过的故事。"
)


@pytest.fixture
def published_article(writer):
    return article_save(article=Article(author=writer, title="朗读的乐趣", body=ARTICLE_BODY, language="zh"),
                        publish=True)


@pytest.fixture
def draft_article(writer):
    return article_save(article=Article(author=writer, title="草稿", body="还没写完的草稿。", language="zh"))
