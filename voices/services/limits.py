"""Attempts per author: at most VOICES["RATE_LIMIT_PER_HOUR"] / ["RATE_LIMIT_PER_DAY"] examined readings, and a
lockout of VOICES["LOCKOUT_SECONDS"] after VOICES["LOCKOUT_AFTER_REJECTIONS"] rejections in a row.

Counted from the attempts table (every attempt is recorded), so the limits hold across processes and machines.
Refused attempts are recorded too, but do not count.
"""

import datetime

from django.utils import timezone

from ..app_settings import app_settings
from ..models import ReadingAttempt
from .reasons import Check, failed

Decision = ReadingAttempt.Decision
WINDOWS = (
    ("RATE_LIMIT_PER_HOUR", datetime.timedelta(hours=1), "hour", "1 小时"),
    ("RATE_LIMIT_PER_DAY", datetime.timedelta(days=1), "24 hours", "24 小时"),
)


def _clock(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def attempt_refusal(user, now: datetime.datetime | None = None) -> Check | None:
    """Why this user may not submit a reading now (a failed Check), or None when they may."""
    now = now or timezone.now()
    examined = ReadingAttempt.objects.filter(user=user).exclude(decision=Decision.REFUSED)
    for setting, window, window_en, window_zh in WINDOWS:
        limit = getattr(app_settings, setting)
        recent = list(examined.filter(received_at__gt=now - window).order_by("received_at")
                      .values_list("received_at", flat=True)[: limit + 1])
        if len(recent) >= limit:
            until = recent[len(recent) - limit] + window  # when the oldest counted attempt leaves the window
            return failed("rate_limited", count=len(recent), window_en=window_en, window_zh=window_zh,
                          until=_clock(until))
    streak = app_settings.LOCKOUT_AFTER_REJECTIONS
    last = list(examined.order_by("-received_at").values_list("decision", "received_at")[:streak])
    if len(last) == streak and all(decision == Decision.REJECTED for decision, _ in last):
        until = last[0][1] + datetime.timedelta(seconds=app_settings.LOCKOUT_SECONDS)
        if now < until:
            return failed("locked_out", until=_clock(until))
    return None
