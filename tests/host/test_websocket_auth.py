"""Who a WebSocket connection belongs to: the host's auth stack (platform/hostsite/websocket_auth.py)."""

import pytest
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.test import Client

from hostsite.websocket_auth import AuthMiddlewareStack

pytestmark = pytest.mark.django_db(transaction=True)


class WhoAmI(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        user = self.scope["user"]
        await self.send_json({"user": user.get_username() if user.is_authenticated else None,
                              "session_key": self.scope["session"].session_key,
                              "cookies": sorted(self.scope["cookies"])})


async def who(cookie: str | None):
    headers = [(b"cookie", cookie.encode())] if cookie is not None else []
    comm = WebsocketCommunicator(AuthMiddlewareStack(WhoAmI.as_asgi()), "/ws/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    answer = await comm.receive_json_from()
    await comm.disconnect()
    return answer


def signed_in_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"csrftoken=abc; sessionid={client.cookies['sessionid'].value}"


async def test_a_visitor_without_a_session_cookie_is_anonymous_without_a_user_lookup(monkeypatch):
    import channels.auth

    lookups = []
    real_get_user = channels.auth.get_user
    monkeypatch.setattr(channels.auth, "get_user", lambda scope: lookups.append(scope) or real_get_user(scope))
    assert await who(None) == {"user": None, "session_key": None, "cookies": []}
    assert await who("csrftoken=abc; theme=dark") == {"user": None, "session_key": None,
                                                      "cookies": ["csrftoken", "theme"]}
    assert lookups == []
    assert (await who("sessionid=not-a-session-key-at-all"))["user"] is None  # a session cookie: channels' path


async def test_a_session_cookie_names_its_user(author):
    cookie = await database_sync_to_async(signed_in_cookie)(author)
    answer = await who(cookie)
    assert answer["user"] == "author" and answer["session_key"] and answer["cookies"] == ["csrftoken", "sessionid"]


async def test_a_session_cookie_of_no_session_is_anonymous():
    assert (await who("sessionid=not-a-session-key-at-all"))["user"] is None
    assert (await who("sessionid=x"))["user"] is None  # too short to be a session key
