"""Requests per API key: ``API_THROTTLE_RATE`` (default 600/min), counted in the database;
failed authentications per client address: ``API_AUTH_FAILURE_RATE`` (default 30/min).

A fixed window per key (a minute, for "/min"): a row per key and window, counted by one
conditional UPDATE, so every web process on every machine counts into the same row and
requests at once are each counted (a cache's read-then-write loses some). Beyond the rate: 429
with Retry-After, the seconds left in the window.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Value
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


def throttle_window_hit(
    *,
    window: dt.datetime,
    limit: int,
    api_key: ApiKey | None = None,
    client_address: str | None = None,
) -> bool:
    """Count one request of ``api_key`` (or one failure from ``client_address``) in ``window``;
    False, counting nothing, at ``limit``."""
    owner = {"api_key": api_key} if api_key is not None else {"client_address": client_address}

    def counted() -> bool:
        return bool(
            ThrottleWindow.objects.filter(**owner, window=window, count__lt=limit).update(
                count=F("count") + 1
            )
        )

    if counted():
        return True  # the usual case: one query
    try:
        with transaction.atomic():
            ThrottleWindow.objects.create(**owner, window=window, count=1)
    except IntegrityError:
        return counted()  # full, or another request made the row a moment ago
    ThrottleWindow.objects.filter(**owner, window__lt=window).delete()
    return limit > 0


class Window:
    """The current window of a rate setting, e.g. ``API_AUTH_FAILURE_RATE``."""

    def __init__(self, rate: str):
        self.limit, seconds = rate_parse(rate)
        now = timezone.now()
        self.start = window_start(now, seconds)
        self.retry_after = (self.start + dt.timedelta(seconds=seconds) - now).total_seconds()

    def wait(self) -> float:
        return max(self.retry_after, 1)


def auth_failures_full(client_address: str | None, window: Window) -> Exists | Value:
    """Whether ``client_address`` has used up its failed authentications in ``window``: an
    expression, so the key's own query answers it (no query of its own for a good key)."""
    if client_address is None:  # unknown (nothing counted): never a filter on NULL, which
        return Value(False)  # would match the keys' own rows
    return Exists(
        ThrottleWindow.objects.filter(
            client_address=client_address, window=window.start, count__gte=window.limit
        )
    )


def auth_failure_hit(client_address: str | None, window: Window) -> bool:
    """Count one failed authentication from ``client_address``; False once it is over its rate
    (an address unknown, e.g. a bad proxy header, counts nothing)."""
    if client_address is None:
        return True
    return throttle_window_hit(
        client_address=client_address, window=window.start, limit=window.limit
    )


class ApiKeyThrottle(BaseThrottle):
    """``API_THROTTLE_RATE`` per key (e.g. "600/min"); the request's user is a ``KeyActor``."""

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.user, KeyActor):
            return True  # refused by authentication anyway
        window = Window(settings.API_THROTTLE_RATE)
        self.retry_after = window.retry_after
        return throttle_window_hit(
            api_key=request.user.key, window=window.start, limit=window.limit
        )

    def wait(self) -> float:
        return max(self.retry_after, 1)
