"""API keys and clients in tests: a key made by the real service, sent as the API expects."""

from __future__ import annotations

from rest_framework.test import APIClient

from lmp.partners.choices import PartnerRole
from lmp.partners.services import api_key_create


def make_key(partner, *, role: str = PartnerRole.ALLOCATOR, name: str = "PSA sync", **kw):
    """(the ApiKey row, the key itself) for ``partner``, made by the system."""
    return api_key_create(actor=None, partner=partner, name=name, role=role, **kw)


def key_client(key: str | None, *, scheme: str = "Api-Key") -> APIClient:
    """A client that sends ``key`` in the Authorization header (None: no header)."""
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def problem(response) -> dict:
    """The problem details of a refusal (and that it is one: RFC 9457's media type)."""
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    assert {"type", "title", "detail"} <= body.keys()
    return body
