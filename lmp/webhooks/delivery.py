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
from standardwebhooks import Webhook

EXCERPT_CHARS = 500  # of a response body, kept on the delivery
USER_AGENT = "LMP-Webhooks/1"


def secret_new() -> str:
    """A new signing secret in the Standard Webhooks form: whsec_ and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _refused(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> None:
    """Refuse a URL LMP must not call: not https, or a host that resolves to a private,
    loopback, link-local or otherwise not public address (checked again at each delivery, as a
    name may resolve elsewhere later). ``WEBHOOKS_ALLOW_PRIVATE_URLS`` (on under DEBUG and in
    tests) lets a local receiver work."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValidationError({"url": "Enter an https:// URL: webhooks are sent over HTTPS only."})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ValidationError({"url": f"The host “{parts.hostname}” could not be found."}) from None
    if any(_refused(info[4][0]) for info in infos):
        raise ValidationError(
            {
                "url": f"“{parts.hostname}” is a private, loopback or link-local address: "
                "webhooks go to public addresses only."
            }
        )


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
    return response.read(EXCERPT_CHARS * 4).decode(errors="replace")[:EXCERPT_CHARS]
