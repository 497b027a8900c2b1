"""The admin's lists of the tables that reach a million rows: no full count, searches that match
by key, and every filter answering (lmp.core.admin.LargeListAdmin)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation
from lmp.core.admin import CappedCountPaginator, LargeListAdmin
from onboarding.models import OnboardingRequest, Shipment
from tests.factories import AddressFactory, PartnerFactory, VolumeLicenseFactory, make_customer
from tests.factories_onboarding import ApplianceFactory, sensor_orders, submit_order
from tests.helpers.admin_site import admin_url

pytestmark = pytest.mark.django_db

LARGE = [CustomerAccount, SeatAllocation, AllocationEvent, OnboardingRequest, Shipment]


@pytest.fixture
def lists(partner, complete_license):
    """Customers of two partners, their history, and orders with shipped appliances."""
    AddressFactory(partner=partner, is_default=True, city="Rimouski")
    for i in range(6):
        make_customer(license=complete_license, tier_users=3, legal_name=f"Northern Clinic {i}")
    other = VolumeLicenseFactory(partner=PartnerFactory(name="Lakeshore IT"), tier="complete")
    make_customer(license=other, tier_users=2, legal_name="Harbour Bakery")
    appliance = ApplianceFactory()
    submitted = submit_order(
        license=complete_license, legal_name="Sensor Dental", appliances=sensor_orders(appliance)
    )
    return {"order": submitted.request, "other": other}


def _counts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if re.search(r"COUNT\(", q["sql"], re.I)]


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_a_large_list_never_counts_the_whole_table(staff_client, lists, model):
    # Every count the page makes stops at the cap (a LIMIT inside it): none over every row.
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(admin_url(model))
    assert response.status_code == 200
    counts = _counts(captured)
    assert counts, "the page counts its rows"
    for sql in counts:
        assert "LIMIT" in sql.upper(), sql


def test_past_the_cap_the_list_says_more_than(staff_client, lists, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "CAP", 5)
    response = staff_client.get(admin_url(CustomerAccount))
    page = response.content.decode()
    assert "More than 5 customer accounts" in page
    assert "Select all matching customer accounts" in page
    assert response.context["cl"].count_capped
    # Under the cap the exact number, as before.
    response = staff_client.get(admin_url(CustomerAccount), {"q": "harbour"})
    assert not response.context["cl"].count_capped
    assert "1 result (" in response.content.decode()


def test_search_by_partner_name_matches_by_key(staff_client, lists):
    response = staff_client.get(admin_url(CustomerAccount), {"q": "lakeshore"})
    assert [c.legal_name for c in response.context["cl"].result_list] == ["Harbour Bakery"]
    # Several words: each must match one of the fields (Django's own rule).
    response = staff_client.get(admin_url(CustomerAccount), {"q": "northwind clinic"})
    assert sorted(c.legal_name for c in response.context["cl"].result_list) == [
        f"Northern Clinic {i}" for i in range(6)
    ]
    response = staff_client.get(admin_url(CustomerAccount), {"q": "lakeshore clinic"})
    assert list(response.context["cl"].result_list) == []


def test_a_search_matching_many_keys_is_still_complete(staff_client, lists, monkeypatch):
    # More matching customers than the key list holds: the search goes through a subquery and
    # still finds every event of every one of them.
    monkeypatch.setattr(LargeListAdmin, "SEARCH_KEYS_MAX", 2)
    response = staff_client.get(admin_url(AllocationEvent), {"q": "northern clinic"})
    expected = AllocationEvent.objects.filter(customer__legal_name__icontains="northern clinic")
    assert {e.pk for e in response.context["cl"].result_list} == set(
        expected.values_list("pk", flat=True)
    )
    assert response.context["cl"].result_count == expected.count() > 2


def test_orders_are_found_by_their_token_and_a_non_token_finds_none(staff_client, lists):
    order = lists["order"]
    response = staff_client.get(admin_url(OnboardingRequest), {"q": str(order.token)})
    assert list(response.context["cl"].result_list) == [order]
    response = staff_client.get(admin_url(OnboardingRequest), {"q": "sensor"})
    assert list(response.context["cl"].result_list) == [order]
    response = staff_client.get(admin_url(OnboardingRequest), {"q": "not-a-token-nor-name"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []


def test_shipments_are_found_by_order_and_city(staff_client, lists):
    shipment = Shipment.objects.get()
    for term in ("sensor dental", "rimouski"):
        response = staff_client.get(admin_url(Shipment), {"q": term})
        assert list(response.context["cl"].result_list) == [shipment], term


def test_order_list_counts_appliances_and_filters_fulfilment(staff_client, lists):
    order = lists["order"]
    response = staff_client.get(admin_url(OnboardingRequest), {"fulfilment": "awaiting"})
    assert list(response.context["cl"].result_list) == [order]
    assert ">1<" in response.content.decode()  # its one appliance, in the Appliances column
    response = staff_client.get(admin_url(OnboardingRequest), {"fulfilment": "no_hardware"})
    assert order not in response.context["cl"].result_list


@pytest.mark.parametrize("model", LARGE, ids=lambda m: m.__name__)
def test_every_filter_of_a_large_list_answers(staff_client, lists, model):
    # Every choice of every filter, as staff click them: a page, never an error.
    cl = staff_client.get(admin_url(model)).context["cl"]
    followed = 0
    for spec in cl.filter_specs:
        for choice in spec.choices(cl):
            response = staff_client.get(admin_url(model) + choice["query_string"])
            assert response.status_code == 200, (spec.title, choice["display"])
            followed += 1
    assert followed >= len(cl.filter_specs) * 2


def test_a_large_list_offers_no_filter_counts(staff_client, lists):
    # Django's "Show counts" is a GROUP BY over the whole table per filter: not offered here.
    page = staff_client.get(admin_url(CustomerAccount)).content.decode()
    assert "Show counts" not in page
    with CaptureQueriesContext(connection) as captured:
        staff_client.get(admin_url(CustomerAccount), {"_facets": "True"})
    assert not [q for q in captured.captured_queries if "GROUP BY" in q["sql"].upper()]


def test_the_what_filter_lists_every_figure_without_reading_history(staff_client, lists):
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(admin_url(AllocationEvent))
    assert not [q for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
    page = response.content.decode()
    for figure in ("MDR Complete Users", "Seat commitment", "Legal name", "Renewal date"):
        assert figure in page
    response = staff_client.get(admin_url(AllocationEvent), {"what__exact": "Legal name"})
    events = response.context["cl"].result_list
    assert events and {e.what for e in events} == {"Legal name"}
