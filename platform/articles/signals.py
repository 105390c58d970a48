from django.dispatch import Signal

# Sent after an article becomes published, and after a published article is edited (kwargs: article_id, created).
# Plugins subscribe to it by dotted path; the host never imports them.
article_published = Signal()

# Sent after a published article goes back to draft (kwargs: article_id). Optional for plugins: the adapter already
# reports `is_published=False` from then on.
article_unpublished = Signal()
