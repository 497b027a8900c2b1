"""POST /api/v1/licenses/{id}/customers/batch/: up to 1,000 changes, all or nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from licenses.models import AllocationEvent, SeatAllocation
from lmp.api.models import IdempotencyRecord
from lmp.partners.choices import PartnerRole
from tests.factories import make_customer
from tests.helpers.api import key_client, make_key, problem

pytestmark = pytest.mark.django_db


def batch_url(license) -> str:
    return reverse("api:customer_batch", kwargs={"license_pk": license.pk})


@pytest.fixture
def api(partner):
    _, key = make_key(partner)
    return key_client(key)


@pytest.fixture
def two(complete_license, cloud_license):
    return (
        make_customer(license=complete_license, tier_users=10, legal_name="Acme"),
        make_customer(license=complete_license, tier_users=20, legal_name="Beta"),
    )


def seats(customer, license) -> int:
    return SeatAllocation.objects.get(customer=customer, license=license).seats


def test_a_batch_applies_every_change(api, complete_license, two):
    a, b = two
    body = {
        "changes": [
            {"customer": a.pk, "tier_users": 12, "legal_name": "Acme Corp"},
            {"customer": b.pk, "tier_users": 20},
        ]
    }
    response = api.post(batch_url(complete_license), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "changed": [
            {
                "index": 0,
                "customer": a.pk,
                "changes": [
                    {"label": "Legal name", "old": "Acme", "new": "Acme Corp"},
                    {"label": "MDR Complete Users", "old": 10, "new": 12},
                ],
            }
        ],
        "unchanged": 1,
    }
    assert seats(a, complete_license) == 12
    assert AllocationEvent.objects.filter(kind="edited", source="api").count() == 2


def test_a_refused_change_refuses_the_batch_with_its_index(api, complete_license, two):
    a, b = two
    body = {
        "changes": [
            {"customer": a.pk, "tier_users": 12},
            {"customer": b.pk, "tier_users": 5, "sat_users": 9},
        ]
    }
    response = api.post(batch_url(complete_license), body, format="json")
    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "changes.1.sat_users": ["Beauceron SAT users cannot be more than the 5 MDR Complete users."]
    }
    assert seats(a, complete_license) == 10


def test_a_stale_version_is_a_409(api, complete_license, two):
    a, _ = two
    body = {"changes": [{"customer": a.pk, "tier_users": 12, "version": 1}]}
    response = api.post(batch_url(complete_license), body, format="json")
    assert response.status_code == 409
    assert "Acme was changed after" in problem(response)["errors"]["changes.0.version"][0]


def test_more_than_1000_changes_are_refused(api, complete_license, two):
    body = {"changes": [{"customer": two[0].pk, "tier_users": 10}] * 1001}
    response = api.post(batch_url(complete_license), body, format="json")
    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "changes": ["Ensure this field has no more than 1000 elements."]
    }


def test_a_batch_is_idempotent(api, complete_license, two):
    a, _ = two
    body = {"changes": [{"customer": a.pk, "tier_users": 15}]}
    first = api.post(batch_url(complete_license), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    # Someone else changes the customer; the retry replays the first answer, changes nothing.
    from licenses import services

    services.customer_update(customer=a, legal_name=None, tier_users=11)
    again = api.post(batch_url(complete_license), body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert seats(a, complete_license) == 11
    assert IdempotencyRecord.objects.count() == 1


def test_view_only_keys_get_403_and_another_partners_license_404(
    partner, other_license, complete_license, two
):
    _, key = make_key(partner, role=PartnerRole.VIEW_ONLY, name="reader")
    body = {"changes": [{"customer": two[0].pk, "tier_users": 12}]}
    assert key_client(key).post(batch_url(complete_license), body, format="json").status_code == 403
    _, key = make_key(partner, name="writer")
    assert key_client(key).post(batch_url(other_license), body, format="json").status_code == 404
    assert seats(two[0], complete_license) == 10
