import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("hostsite.database")


class PermissionsPolicyMiddleware:
    """Only this site's own pages may ask for the microphone (voice enrollment); nothing else is needed."""

    header = "microphone=(self), camera=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class DatabaseBusyMiddleware:
    """A request whose database write could not get its lock answers 503 with Retry-After, not 500.

    SQLite (this site's embedded default) has one writer at a time: a write waits up to the busy timeout (30 s, see
    SQLITE_OPTIONS) and then fails with "database is locked". On PostgreSQL the same situation is a lock timeout, a
    deadlock or a serialization failure. In every case the transaction was rolled back, so nothing was saved and the
    same request can be sent again (the enrollment upload keeps its file and shown token on the client and retries).
    API clients get the voices API's error shape, {"code", "en", "zh"}, plus "retry_after"; pages get a short page.
    """

    retry_after = 5
    sqlite_messages = ("database is locked", "database table is locked", "database is busy")
    postgresql_states = frozenset({"40001", "40P01", "55P03"})  # serialization failure, deadlock, lock not available
    en = "The site is busy and could not save this just now. Nothing was saved: please try again in a few seconds."
    zh = "网站正忙，刚才未能保存。本次没有保存任何内容，请几秒后重试。"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    @classmethod
    def is_busy(cls, exception) -> bool:
        if not isinstance(exception, OperationalError):
            return False
        if getattr(exception.__cause__, "sqlstate", None) in cls.postgresql_states:
            return True
        return any(message in str(exception).lower() for message in cls.sqlite_messages)

    def process_exception(self, request, exception):
        if not self.is_busy(exception):
            return None
        logger.warning("database busy, answered 503 to %s %s: %s", request.method, request.path, exception)
        wants_json = "/api/" in request.path or "json" in request.headers.get("Accept", "")
        if wants_json:
            response = JsonResponse({"code": "database_busy", "en": self.en, "zh": self.zh,
                                     "retry_after": self.retry_after}, status=503)
        else:
            response = HttpResponse(
                '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>网站正忙 Busy</title></head>'
                f"<body><h1>网站正忙 Busy</h1><p>{self.zh}</p><p>{self.en}</p></body></html>", status=503)
        response["Retry-After"] = str(self.retry_after)
        response["Cache-Control"] = "no-store"
        return response
