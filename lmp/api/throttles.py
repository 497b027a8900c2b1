"""Requests per API key, counted in the shared (database) cache that every web process sees."""

from __future__ import annotations

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from lmp.partners.roles import KeyActor


class ApiKeyThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATE`` (default 600/min) per key; 429 with Retry-After beyond it."""

    scope = "api_key"

    @property
    def cache(self):
        # Not the default (per-process) cache: a second web process would count from zero.
        return caches["shared"]

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.user, KeyActor):
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": request.user.key.prefix}
