"""The outside call of a webhook: which URLs may be called, the signature, the HTTP POST.

Signed as Standard Webhooks (https://www.standardwebhooks.com) with its reference library:
``webhook-id`` (the delivery's message id), ``webhook-timestamp`` (seconds, at the attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" under the secret's key>``.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from math import floor
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from lmp.webhooks.errors import (
    URL_HOST_PRIVATE,
    URL_HOST_UNKNOWN,
    URL_NOT_HTTPS,
    URL_WITH_USERINFO,
)

EXCERPT_CHARS = 500  # of a response body, kept on the delivery
USER_AGENT = "LMP-Webhooks/1"


def secret_new() -> str:
    """A new signing secret in the Standard Webhooks form: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


# IPv6 forms that carry an IPv4 address in their last 32 bits and that ipaddress calls global:
# NAT64's well-known prefix (RFC 6052: 64:ff9b::7f00:1 reaches 127.0.0.1 through a NAT64
# gateway), the deprecated IPv4-compatible ::/96 and SIIT's IPv4-translated ::ffff:0:0:0/96.
_IPV4_IN_LAST_32_BITS = [
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("::ffff:0:0:0/96"),
]
# NAT64's local-use prefix (RFC 8215) is by definition never a public address; ipaddress calls it
# global before Python 3.12.4.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped, 6to4, Teredo's server and client,
    or the last 32 bits of the prefixes above."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _refused(address: str) -> bool:
    """True for an address that is not public, or an IPv6 one whose embedded IPv4 is not."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return True
        embedded = _embedded_ipv4(ip)
        if any(_refused(str(v4)) for v4 in embedded):
            return True
        if ip.ipv4_mapped:  # ::ffff:8.8.8.8 is 8.8.8.8 (ipaddress calls the IPv6 form private)
            return False
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> None:
    """Refuse a URL LMP must not call: one with a user name or password (``https://127.0.0.1:443@
    8.8.8.8/`` reads as 127.0.0.1 but calls 8.8.8.8; and a password has no place in a URL shown
    on pages), not https, or a host that resolves to a private, loopback, link-local or otherwise
    not public address, also when embedded in an IPv6 address (NAT64, 6to4, Teredo); checked
    again at each delivery, as a name may resolve elsewhere later. ``WEBHOOKS_ALLOW_PRIVATE_URLS``
    (on under DEBUG and in tests) lets a local receiver work, never a user name or password."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ValidationError({"url": _(URL_WITH_USERINFO)})
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    if parts.scheme != "https":
        raise ValidationError({"url": _(URL_NOT_HTTPS)})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError({"url": _(URL_HOST_UNKNOWN) % {"host": parts.hostname}}) from None
    if any(_refused(info[4][0]) for info in infos):
        raise ValidationError({"url": _(URL_HOST_PRIVATE) % {"host": parts.hostname}})


def body_of(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def headers_for(*, secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


@dataclass(frozen=True)
class Answer:
    """What the endpoint answered: its HTTP status and the start of its body."""

    status: int
    excerpt: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (not 2xx), never followed: it could lead to a private address."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxies from the environment either: the address checked is the address called.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def post(*, url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST ``body`` as JSON; raises OSError (refused, timed out…) when there is no answer."""
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOKS_TIMEOUT) as response:
            return Answer(response.status, _excerpt(response))
    except urllib.error.HTTPError as error:  # an answer, only not a 2xx one
        return Answer(error.code, _excerpt(error))


def _excerpt(response) -> str:
    """The start of the body as text a database column holds: PostgreSQL's text has no NUL
    (psycopg2 refuses the whole UPDATE), so a NUL becomes U+FFFD like an undecodable byte."""
    text = response.read(EXCERPT_CHARS * 4).decode(errors="replace")[:EXCERPT_CHARS]
    return text.replace("\x00", "\ufffd")
