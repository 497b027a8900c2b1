"""The address a login attempt came from, as LMP's own reverse proxies saw it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for django-axes (``AXES_CLIENT_IP_CALLABLE``).

    ``AXES_IPWARE_PROXY_COUNT`` is the number of reverse proxies in front of LMP, each of which
    appends the address it saw to X-Forwarded-For; the last proxy is REMOTE_ADDR. So the client
    is the entry just left of the other proxies' entries, counted from the right. Anything
    further left was sent by the client and is ignored, so forging it gets nobody around a
    lockout. Without a count, X-Forwarded-For is entirely the client's and REMOTE_ADDR is used.
    """
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if proxies:
        # django-ipware counts only the proxies listed in the header (not the one connecting to
        # us), and non-strict takes the position from the right even when the client prepended
        # entries of its own (strict would drop such a header and fall back to the proxy's address).
        address, _routable = get_client_ip(
            request,
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if address is not None:
            return address
    return request.META.get("REMOTE_ADDR")
