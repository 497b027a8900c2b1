"""Requests per API key: ``API_THROTTLE_RATE`` (default 600/min), counted in the database.

A fixed window per key (a minute, for "/min"): a row per key and window, counted by one
conditional UPDATE, so every web process on every machine counts into the same row and
requests at once are each counted (a cache's read-then-write loses some). Beyond the rate: 429
with Retry-After, the seconds left in the window.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from lmp.api.models import ThrottleWindow
from lmp.partners.models import ApiKey
from lmp.partners.roles import KeyActor

# DRF's rate notation: "600/min" is 600 a minute; the period's first letter counts.
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_parse(rate: str) -> tuple[int, int]:
    """("600/min") → (600, 60): requests and the window's seconds."""
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


def window_start(now: dt.datetime, seconds: int) -> dt.datetime:
    """The start of the ``seconds``-long window ``now`` falls in."""
    return now - dt.timedelta(seconds=now.timestamp() % seconds)


def throttle_window_hit(*, api_key: ApiKey, window: dt.datetime, limit: int) -> bool:
    """Count one request of ``api_key`` in ``window``; False, counting nothing, at ``limit``."""

    def counted() -> bool:
        return bool(
            ThrottleWindow.objects.filter(api_key=api_key, window=window, count__lt=limit).update(
                count=F("count") + 1
            )
        )

    if counted():
        return True  # the usual case: one query
    try:
        with transaction.atomic():
            ThrottleWindow.objects.create(api_key=api_key, window=window, count=1)
    except IntegrityError:
        return counted()  # full, or another request made the row a moment ago
    ThrottleWindow.objects.filter(api_key=api_key, window__lt=window).delete()
    return limit > 0


class ApiKeyThrottle(BaseThrottle):
    """``API_THROTTLE_RATE`` per key (e.g. "600/min"); the request's user is a ``KeyActor``."""

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.user, KeyActor):
            return True  # refused by authentication anyway
        limit, seconds = rate_parse(settings.API_THROTTLE_RATE)
        now = timezone.now()
        window = window_start(now, seconds)
        self.retry_after = (window + dt.timedelta(seconds=seconds) - now).total_seconds()
        return throttle_window_hit(api_key=request.user.key, window=window, limit=limit)

    def wait(self) -> float:
        return max(self.retry_after, 1)
