"""The WebSocket auth stack: channels' own, except that a visitor with no session cookie is anonymous at once.

channels.auth.AuthMiddleware resolves every connection's user with database_sync_to_async, even when there is no
session to look up: one trip to the single database thread per connection, which a crowd of anonymous listeners of
one article queues on (bench/streaming.py, 500 listeners). Without a session key there is nothing to look up.
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib.auth.models import AnonymousUser


class SessionAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        if scope["session"].session_key is None:
            scope["user"]._wrapped = AnonymousUser()
        else:
            await super().resolve_scope(scope)


def AuthMiddlewareStack(inner):  # noqa: N802 (the name channels gives it)
    return CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner)))
