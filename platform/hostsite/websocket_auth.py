"""The WebSocket auth stack: channels' own for visitors with a session cookie; anonymous at once for those without.

channels.auth.AuthMiddleware resolves every connection's user with database_sync_to_async, even when there is no
session to look up, and channels' SessionMiddleware wraps every message the consumer sends to see whether the session
needs saving. A crowd of anonymous listeners of one article (bench/streaming.py, 500 listeners) pays both for nothing:
without a session cookie there is nobody to look up and no session to save.
"""

from importlib import import_module

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie


class SessionAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        if scope["session"].session_key is None:  # a cookie that names no valid session
            scope["user"]._wrapped = AnonymousUser()
        else:
            await super().resolve_scope(scope)


def request_cookies(scope) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1"))
    return {}


class AnonymousWithoutSessionCookie:
    """A visitor with no session cookie gets an anonymous user and a fresh, never-saved session; the others go through
    `with_session`. Consumers behind it must not expect an anonymous visitor's session data to persist."""

    def __init__(self, inner, with_session):
        self.inner, self.with_session = inner, with_session
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        cookies = request_cookies(scope)
        if settings.SESSION_COOKIE_NAME in cookies:
            return await self.with_session(scope, receive, send)
        scope = {**scope, "cookies": cookies, "session": self.session_store(), "user": AnonymousUser()}
        return await self.inner(scope, receive, send)


def AuthMiddlewareStack(inner):  # noqa: N802 (the name channels gives it)
    return AnonymousWithoutSessionCookie(inner, CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(inner))))
