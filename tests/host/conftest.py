import pytest

from articles.models import Article
from articles.services import article_save
from articles.signals import article_published, article_unpublished

BODY_ZH = """\
清晨的城市还没有完全醒来。我沿着河边慢慢地走。

## 小标题

风从水面吹过来，带着一点凉意。我们重[chóng]新出发。

- 第一件事
- 第二件事

> 书要读出声音来。

请看 [官方网站](https://example.com/docs) 的说明，或者运行 `pip install` 命令。

```python
print("不应该被朗读的代码")
```
"""


@pytest.fixture(autouse=True)
def host_receivers_only():
    """Host tests check what the host sends, not what the plugins do with it: detach the plugins' receivers
    (tests/readaloud covers those) and put them back afterwards."""
    saved = {}
    for signal in (article_published, article_unpublished):
        with signal.lock:
            saved[signal] = signal.receivers
            signal.receivers = []
            signal.sender_receivers_cache.clear()
    yield
    for signal, receivers in saved.items():
        with signal.lock:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


@pytest.fixture
def published_events():
    """Every `article_published` sent while the test runs, as a list of kwargs dicts."""
    events = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal", None)
        events.append(kwargs)

    article_published.connect(receiver, weak=False)
    yield events
    article_published.disconnect(receiver)


@pytest.fixture
def make_article(author):
    def make(*, title="清晨六点的城市", body=BODY_ZH, language="zh", publish=True, user=None):
        return article_save(article=Article(author=user or author, title=title, body=body, language=language),
                            publish=publish)

    return make


@pytest.fixture
def published(make_article):
    return make_article()


@pytest.fixture
def draft(make_article):
    return make_article(title="还没写完的草稿", body="这是一篇草稿，只有作者能看到。", publish=False)
