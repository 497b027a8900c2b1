"""``Idempotency-Key``: a retried write gets its first answer and changes nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from licenses.models import AllocationEvent, CustomerAccount
from lmp.api.models import IdempotencyRecord
from lmp.partners.choices import PartnerRole
from tests.factories import PartnerFactory, VolumeLicenseFactory, make_customer
from tests.helpers.api import key_client, make_key, problem
from tests.helpers.concurrency import race

NEW_CUSTOMER = {
    "legal_name": "Retry Dental",
    "admin_email": "it@retry.example",
    "hosting_region": "ca",
    "tier_users": 25,
}


def customers_url(license) -> str:
    return reverse("api:customer_list", kwargs={"license_pk": license.pk})


@pytest.fixture
def api(partner):
    return key_client(make_key(partner, role=PartnerRole.ALLOCATOR)[1])


@pytest.mark.django_db
def test_a_retried_create_gets_the_first_answer_and_onboards_once(api, complete_license):
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-7f3a"}
    first = api.post(customers_url(complete_license), NEW_CUSTOMER, format="json", **headers)
    assert first.status_code == 201, first.content
    again = api.post(customers_url(complete_license), NEW_CUSTOMER, format="json", **headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CustomerAccount.objects.filter(legal_name="Retry Dental").count() == 1
    complete_license.refresh_from_db()
    assert complete_license.allocated == 25
    # Without the header the same body is a new request, refused as a duplicate name.
    plain = api.post(customers_url(complete_license), NEW_CUSTOMER, format="json")
    assert problem(plain)["errors"] == {
        "legal_name": ["An active customer named “Retry Dental” already exists."]
    }


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(api, complete_license):
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-1"}
    api.post(customers_url(complete_license), NEW_CUSTOMER, format="json", **headers)
    other = {**NEW_CUSTOMER, "legal_name": "Another Dental"}
    response = api.post(customers_url(complete_license), other, format="json", **headers)
    assert problem(response)["status"] == 422
    assert "already used for a different request" in response.json()["detail"]
    assert not CustomerAccount.objects.filter(legal_name="Another Dental").exists()


@pytest.mark.django_db
def test_a_refusal_is_replayed_too_and_a_patch_is_idempotent(api, complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    headers = {"HTTP_IDEMPOTENCY_KEY": "patch-1"}
    for _ in range(2):
        response = api.patch(url, {"tier_users": 11}, format="json", **headers)
        assert response.status_code == 200
    assert AllocationEvent.objects.filter(customer=customer, to_value=11).count() == 1
    refused = {"HTTP_IDEMPOTENCY_KEY": "patch-2"}
    for _ in range(2):
        response = api.patch(url, {"tier_users": 5000}, format="json", **refused)
        assert problem(response)["status"] == 409


@pytest.mark.django_db
def test_keys_are_per_api_key(partner, complete_license):
    """Two tools that pick the same Idempotency-Key do not get each other's answers."""
    a = key_client(make_key(partner, name="A")[1])
    b = key_client(make_key(partner, name="B")[1])
    headers = {"HTTP_IDEMPOTENCY_KEY": "same"}
    assert (
        a.post(customers_url(complete_license), NEW_CUSTOMER, format="json", **headers).status_code
        == 201
    )
    other = {**NEW_CUSTOMER, "legal_name": "B Dental"}
    assert (
        b.post(customers_url(complete_license), other, format="json", **headers).status_code == 201
    )
    assert CustomerAccount.objects.count() == 2


@pytest.mark.django_db
def test_old_records_are_purged_by_the_command(api, complete_license):
    api.post(
        customers_url(complete_license),
        NEW_CUSTOMER,
        format="json",
        HTTP_IDEMPOTENCY_KEY="old",
    )
    api.post(
        customers_url(complete_license),
        {**NEW_CUSTOMER, "legal_name": "Fresh"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="fresh",
    )
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    call_command("api_idempotency_purge")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_two_identical_requests_at_once_make_one_customer():
    partner = PartnerFactory(name="Racing MSP")
    license = VolumeLicenseFactory(partner=partner, tier="complete", seat_commitment=100)
    _, key = make_key(partner)

    def post():
        response = key_client(key).post(
            customers_url(license), NEW_CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
        )
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = race([post, post, post])
    answers = [value for _, value in results]
    assert {status for status, _, _ in answers} == {201}
    assert len({body["id"] for _, body, _ in answers}) == 1
    assert sorted(str(replayed) for _, _, replayed in answers) == ["None", "true", "true"]
    assert CustomerAccount.objects.filter(partner=partner).count() == 1
    license.refresh_from_db()
    assert license.allocated == 25


@pytest.mark.django_db
def test_a_replay_says_the_language_its_stored_answer_is_in(api, complete_license):
    # Regression: a French answer replayed to an English retry said Content-Language: en.
    customer = make_customer(license=complete_license, tier_users=10)
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    key = {"HTTP_IDEMPOTENCY_KEY": "patch-fr"}
    first = api.patch(url, {"tier_users": 5000}, format="json", HTTP_ACCEPT_LANGUAGE="fr-CA", **key)
    replay = api.patch(url, {"tier_users": 5000}, format="json", HTTP_ACCEPT_LANGUAGE="en", **key)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()  # the first answer, in French
    assert replay["Content-Language"] == first["Content-Language"] == "fr-ca"
