"""The partner API: what a key reads and writes, with the portal's figures, rules and messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licenses.choices import AllocationEventSource, CustomerStatus
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense
from licenses.selectors import customer_page_get
from licenses.services import customer_offboard
from lmp.partners.choices import PartnerRole
from lmp.partners.models import ApiKey
from lmp.partners.services import api_key_revoke
from tests.factories import make_customer
from tests.helpers.api import key_client, make_key, problem
from tests.helpers.auth import verified_login

# What the per-key throttle costs once its window has a row: one conditional UPDATE.
THROTTLE_QUERIES = 1


@pytest.fixture(autouse=True)
def one_throttle_window(monkeypatch):
    """Every request of a test in the same throttle window: a minute turning between two
    requests would add the new window's INSERT to a pinned count."""
    fixed = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("lmp.api.throttles.window_start", lambda now, seconds: fixed)


@pytest.fixture
def allocator_key(partner):
    return make_key(partner, role=PartnerRole.ALLOCATOR, name="PSA sync")


@pytest.fixture
def api(allocator_key):
    return key_client(allocator_key[1])


def customers_url(license) -> str:
    return reverse("api:customer_list", kwargs={"license_pk": license.pk})


def customer_url(license, customer, name: str = "api:customer_detail") -> str:
    return reverse(name, kwargs={"license_pk": license.pk, "pk": customer.pk})


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Api-Key", "Bearer"])
def test_a_key_reads_its_partners_licenses(partner, complete_license, allocator_key, scheme):
    response = key_client(allocator_key[1], scheme=scheme).get(reverse("api:license_list"))
    assert response.status_code == 200
    [license] = response.json()
    assert license["id"] == complete_license.pk
    assert license["seat_commitment"] == 1990
    assert license["unallocated"] == 1990


def test_no_key_an_unknown_a_revoked_or_an_expired_key_is_401(partner, complete_license):
    url = reverse("api:license_list")
    assert problem(key_client(None).get(url))["status"] == 401
    assert key_client(None).get(url)["WWW-Authenticate"] == "Api-Key"
    assert problem(key_client("abc.def").get(url))["status"] == 401

    row, key = make_key(partner)
    assert key_client(key).get(url).status_code == 200
    api_key_revoke(actor=None, api_key=row)
    body = problem(key_client(key).get(url))
    assert body["status"] == 401
    assert "unknown, revoked or expired" in body["detail"]

    row, key = make_key(partner, expires_at=timezone.now() + dt.timedelta(minutes=5))
    assert key_client(key).get(url).status_code == 200
    ApiKey.objects.filter(pk=row.pk).update(expiry_date=timezone.now() - dt.timedelta(seconds=1))
    assert problem(key_client(key).get(url))["status"] == 401


def test_a_signed_in_session_does_not_open_the_api(client, user, complete_license):
    verified_login(client, user)
    response = client.get(reverse("api:license_list"))
    assert response.status_code == 401


def test_a_key_does_not_open_the_portal(complete_license, allocator_key):
    response = Client(HTTP_AUTHORIZATION=f"Api-Key {allocator_key[1]}").get(
        reverse("licenses:license_list")
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_last_used_is_written_at_most_once_a_minute(
    partner, complete_license, allocator_key, django_assert_num_queries
):
    row, key = allocator_key
    client = key_client(key)
    assert row.last_used_at is None
    client.get(reverse("api:license_list"))
    first = ApiKey.objects.get(pk=row.pk).last_used_at
    assert first is not None
    # The key's row with its partner, the throttle's count, the licenses; no UPDATE of
    # last_used_at.
    with django_assert_num_queries(1 + THROTTLE_QUERIES + 1):
        client.get(reverse("api:license_list"))
    assert ApiKey.objects.get(pk=row.pk).last_used_at == first
    ApiKey.objects.filter(pk=row.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(reverse("api:license_list"))
    assert ApiKey.objects.get(pk=row.pk).last_used_at > first


# --- reads ------------------------------------------------------------------------------------


def test_license_detail_has_the_dashboard_figures(api, complete_license, cloud_license):
    make_customer(license=complete_license, tier_users=40, cloud_users=5)
    body = api.get(reverse("api:license_detail", kwargs={"license_pk": complete_license.pk})).json()
    assert body["allocated"] == 40
    assert body["unallocated"] == 1950
    assert body["customer_count"] == 1
    assert body["price_per_user"] == "14.50"
    assert body["monthly_total"] == "28855.00"
    assert body["is_own"] is True
    cloud = api.get(reverse("api:license_detail", kwargs={"license_pk": cloud_license.pk})).json()
    assert (cloud["allocated"], cloud["unallocated"]) == (5, 295)


def test_customer_list_searches_filters_orders_and_pages(api, complete_license):
    for name, users in [("Acme Dental", 12), ("Birch Law", 30), ("Cedar Clinic", 20)]:
        make_customer(license=complete_license, legal_name=name, tier_users=users)
    gone = make_customer(license=complete_license, legal_name="Delta Gone")
    customer_offboard(customer=gone)
    url = customers_url(complete_license)

    def names(response) -> list[str]:
        assert response.status_code == 200, response.content
        return [c["legal_name"] for c in response.json()["results"]]

    assert names(api.get(url)) == ["Acme Dental", "Birch Law", "Cedar Clinic"]
    assert names(api.get(url, {"status": ""})) == [
        "Acme Dental",
        "Birch Law",
        "Cedar Clinic",
        "Delta Gone",
    ]
    assert names(api.get(url, {"status": "offboarded"})) == ["Delta Gone"]
    assert names(api.get(url, {"q": "clinic"})) == ["Cedar Clinic"]
    assert names(api.get(url, {"ordering": "-users"})) == [
        "Birch Law",
        "Cedar Clinic",
        "Acme Dental",
    ]
    assert names(api.get(url, {"ordering": "-legal_name"}))[0] == "Cedar Clinic"

    first = api.get(url, {"page_size": 2}).json()
    assert [c["legal_name"] for c in first["results"]] == ["Acme Dental", "Birch Law"]
    second = api.get(first["next"]).json()
    assert [c["legal_name"] for c in second["results"]] == ["Cedar Clinic"]
    assert second["next"] is None

    acme = api.get(url, {"q": "acme"}).json()["results"][0]
    assert (acme["tier_users"], acme["cloud_users"], acme["sat_users"]) == (12, 0, 0)


def test_customer_list_orders_as_the_license_page_does(api, partner_client, complete_license):
    """The API sorts by the page's own orders: the SAT users and the status too, ties by name
    (A to Z) whichever way the first key runs, page after page."""
    for name, users, sat in [
        ("Delta Dental", 20, 4),
        ("alpha Law", 20, 9),
        ("Cedar Clinic", 30, 4),
        ("Birch Co", 20, 0),
    ]:
        make_customer(license=complete_license, legal_name=name, tier_users=users, sat_users=sat)
    url = customers_url(complete_license)
    page = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})

    def api_names(ordering: str) -> list[str]:
        names, response = [], api.get(url, {"ordering": ordering, "page_size": 1})
        while True:
            assert response.status_code == 200, response.content
            body = response.json()
            names += [c["legal_name"] for c in body["results"]]
            if body["next"] is None:
                return names
            response = api.get(body["next"])

    def page_names(sort: str) -> list[str]:
        text = partner_client.get(page, {"sort": sort}).text
        return re.findall(r'<div class="fw-semibold customer-name">(.*?)</div>', text)

    assert api_names("-users") == ["Cedar Clinic", "alpha Law", "Birch Co", "Delta Dental"]
    for api_key, sort in [
        ("users", "license_users"),
        ("-users", "-license_users"),
        ("sat_users", "sat_users"),
        ("-sat_users", "-sat_users"),
        ("-status", "-status"),
        ("-legal_name", "-legal_name"),
        ("onboarded_at", "onboarded_at"),
    ]:
        assert api_names(api_key) == page_names(sort), api_key


def test_a_bad_filter_or_ordering_is_a_400_problem_on_its_field(api, complete_license):
    body = problem(api.get(customers_url(complete_license), {"status": "gone"}))
    assert body["errors"] == {"status": ["“gone” is not a status: choose one from the list."]}
    body = problem(api.get(customers_url(complete_license), {"ordering": "admin_email"}))
    assert list(body["errors"]) == ["ordering"]


@pytest.mark.parametrize("page_size", [5, 50])
def test_customer_list_query_count_does_not_grow_with_the_page(
    api, complete_license, cloud_license, page_size, django_assert_num_queries
):
    for n in range(page_size):
        make_customer(license=complete_license, tier_users=2, cloud_users=n % 2)
    api.get(customers_url(complete_license))  # last_used_at written once
    # The key with its partner, the throttle, the license, its customers' page.
    with django_assert_num_queries(1 + THROTTLE_QUERIES + 2):
        response = api.get(customers_url(complete_license), {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_onboarding_orders_with_their_shipments(api, complete_license, default_address, rack):
    from tests.factories_onboarding import submit_order

    submission = submit_order(license=complete_license, legal_name="Ordered Bakery")
    body = api.get(reverse("api:order_list")).json()
    [order] = body["results"]
    assert order["legal_name"] == "Ordered Bakery"
    detail = api.get(reverse("api:order_detail", kwargs={"pk": submission.request.pk})).json()
    assert detail["id"] == submission.request.pk
    assert [s["id"] for s in detail["shipments"]] == [
        s.pk for s in submission.request.shipments.order_by("id")
    ]


# --- writes -----------------------------------------------------------------------------------


def test_create_onboards_a_virtual_customer_recorded_with_the_key(
    api, allocator_key, complete_license, cloud_license
):
    response = api.post(
        customers_url(complete_license),
        {
            "legal_name": "  New   Dental ",
            "admin_email": "it@new-dental.example",
            "hosting_region": "ca",
            "tier_users": 25,
            "cloud_users": 3,
            "sat_users": 10,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["legal_name"] == "New Dental"
    assert (body["tier_users"], body["cloud_users"], body["sat_users"]) == (25, 3, 10)
    customer = CustomerAccount.objects.get(pk=body["id"])
    assert customer.deployment == "virtual"
    events = AllocationEvent.objects.filter(customer=customer)
    assert {(e.api_key_id, e.actor_id, e.source) for e in events} == {
        (allocator_key[0].pk, None, AllocationEventSource.API)
    }
    complete_license.refresh_from_db()
    assert complete_license.allocated == 25


def test_update_changes_users_and_name_and_history_names_the_key(
    api, complete_license, cloud_license, client, user
):
    customer = make_customer(license=complete_license, legal_name="Acme", tier_users=10)
    response = api.patch(
        customer_url(complete_license, customer),
        {"legal_name": "Acme Ltd", "tier_users": 12},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"]["legal_name"] == "Acme Ltd"
    assert body["customer"]["tier_users"] == 12
    assert {c["label"] for c in body["changes"]} == {"Legal name", "MDR Complete Users"}

    history = api.get(customer_url(complete_license, customer, "api:customer_history")).json()
    assert {e["actor"] for e in history["results"][:2]} == {"API key “PSA sync”"}
    assert history["results"][0]["source"] == "api"

    page = verified_login(client, user).get(
        reverse(
            "licenses:customer_history",
            kwargs={"license_pk": complete_license.pk, "pk": customer.pk},
        )
    )
    assert "API key “PSA sync”" in page.content.decode()


def test_more_users_than_available_is_a_409_with_the_services_message(api, complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    make_customer(license=complete_license, tier_users=1900)
    response = api.patch(
        customer_url(complete_license, customer), {"tier_users": 200}, format="json"
    )
    body = problem(response)
    assert response.status_code == 409
    message = (
        "Only 90 MDR Complete users are available to this customer "
        "(80 unallocated plus the 10 it holds)."
    )
    assert body["errors"] == {"tier_users": [message]}
    assert body["detail"] == message
    customer.refresh_from_db()
    assert customer.allocations.get().seats == 10


def test_a_refused_field_is_a_400_problem_keyed_by_field(api, complete_license):
    make_customer(license=complete_license, legal_name="Taken Name")
    customer = make_customer(license=complete_license, legal_name="Mine")
    response = api.patch(
        customer_url(complete_license, customer), {"legal_name": "taken name"}, format="json"
    )
    body = problem(response)
    assert response.status_code == 400
    assert body["errors"] == {
        "legal_name": ["An active customer named “taken name” already exists."]
    }
    response = api.post(customers_url(complete_license), {"tier_users": "many"}, format="json")
    body = problem(response)
    assert {"legal_name", "admin_email", "hosting_region", "tier_users"} <= body["errors"].keys()


def test_offboard_returns_the_users_and_refuses_twice(api, complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    url = customer_url(complete_license, customer, "api:customer_offboard")
    response = api.post(url)
    assert response.status_code == 200, response.content
    assert response.json()["released"] == {str(complete_license.pk): 10}
    assert response.json()["customer"]["status"] == CustomerStatus.OFFBOARDED
    body = problem(api.post(url))
    assert body["errors"] == {"non_field_errors": ["This customer is already offboarded."]}
    assert VolumeLicense.objects.get(pk=complete_license.pk).allocated == 0


def test_a_view_only_key_reads_but_gets_403_on_every_write(partner, complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    _, key = make_key(partner, role=PartnerRole.VIEW_ONLY)
    api = key_client(key)
    assert api.get(customers_url(complete_license)).status_code == 200
    for response in (
        api.post(customers_url(complete_license), {"legal_name": "X"}, format="json"),
        api.patch(customer_url(complete_license, customer), {"tier_users": 1}, format="json"),
        api.post(customer_url(complete_license, customer, "api:customer_offboard")),
    ):
        assert problem(response)["status"] == 403
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


def test_a_customer_reads_with_its_sub_partner_and_its_offboarding(complete_license, partner):
    """The customer's JSON names its sub-partner, and an offboarded one says when it left."""
    from lmp.api.serializers import CustomerSerializer
    from tests.factories import PartnerFactory

    sub = PartnerFactory(name="Sub MSP")
    complete_license.sub_partners.add(sub)
    active = make_customer(license=complete_license, sub_partner=sub, website="https://a.example")
    gone = make_customer(license=complete_license)
    customer_offboard(customer=gone)
    rows = {
        customer.pk: CustomerSerializer(
            customer_page_get(partner=partner, license_pk=complete_license.pk, pk=customer.pk)
        ).data
        for customer in (active, gone)
    }
    assert set(rows[active.pk]) == set(CustomerSerializer.Meta.fields)
    assert (rows[active.pk]["sub_partner"], rows[active.pk]["website"]) == (
        "Sub MSP",
        "https://a.example",
    )
    assert (rows[active.pk]["status"], rows[active.pk]["offboarded_at"]) == ("active", None)
    assert rows[gone.pk]["sub_partner"] is None
    assert rows[gone.pk]["status"] == "offboarded" and rows[gone.pk]["offboarded_at"]
