"""API keys: ``Authorization: Api-Key <key>`` (or ``Bearer <key>``), nothing else.

No session, so no CSRF: a browser's login never reaches the API, and a key never opens a portal
page. The key is checked against its stored hash (djangorestframework-api-key); the request's user
is then a ``roles.KeyActor``, which the portal's one role policy understands.

Failed authentications are counted per client address (``API_AUTH_FAILURE_RATE``): beyond the
rate, the address's next key is refused with 429 before it is checked, a good key too (or
guessing would still tell a good key from the 429s); other addresses are not slowed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from lmp.api.throttles import Window, auth_failure_hit, auth_failures_full
from lmp.core.client_ip import client_ip
from lmp.partners.models import ApiKey
from lmp.partners.roles import KeyActor

SCHEMES = {"api-key", "bearer"}
# last_used_at is written at most this often per key (one conditional UPDATE), not every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def last_used_touch(api_key: ApiKey) -> None:
    """Record that the key was used now, unless that was already said within the last minute."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_EVERY:
        return
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now)
    api_key.last_used_at = now


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticate by API key; 401 for a key that is unknown, revoked or expired."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, key = header.partition(" ")
        if not header or scheme.lower() not in SCHEMES:
            return None
        key = key.strip()
        address = client_ip(request)
        window = Window(settings.API_AUTH_FAILURE_RATE)
        # djangorestframework-api-key's get_from_key, with the address's failures in its query.
        prefix, _, _ = key.partition(".")
        api_key = (
            ApiKey.objects.get_usable_keys()
            .annotate(address_throttled=auth_failures_full(address, window))
            .filter(prefix=prefix)
            .first()
        )
        if api_key is not None and api_key.address_throttled:
            raise exceptions.Throttled(wait=window.wait())
        if api_key is None or not api_key.is_valid(key):
            if not auth_failure_hit(address, window):
                raise exceptions.Throttled(wait=window.wait())
            raise exceptions.AuthenticationFailed(
                gettext("This API key is not valid: it is unknown, revoked or expired.")
            )
        last_used_touch(api_key)
        return KeyActor(api_key), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword
