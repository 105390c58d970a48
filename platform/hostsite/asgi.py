"""ASGI entry point: one server (daphne or uvicorn) serves HTTP and WebSocket."""

import gc
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # platform/, a plain folder (see manage.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from .routing import websocket_urlpatterns  # noqa: E402
from .websocket_auth import AuthMiddlewareStack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move it out of the garbage
# collector's sight, so its full collections do not rescan it while a crowd of listeners connects (measured: 500
# listeners against two servers side by side, p99 to first chunk lower with it in 5 of 5 paired rounds).
gc.freeze()
