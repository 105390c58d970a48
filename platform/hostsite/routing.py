"""WebSocket routes of the whole site: each app contributes its own."""

from readaloud.routing import websocket_urlpatterns as readaloud_websockets
from voices.routing import websocket_urlpatterns as voices_websockets

websocket_urlpatterns = [*readaloud_websockets, *voices_websockets]
