"""The statements in the API: the list (cursor pages, newest first), one month with its
licenses and totals, its lines (cursor pages); every key reads them, another partner's is 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from licenses.choices import Currency, ServiceTier
from lmp.billing.models import StatementLine
from lmp.partners.choices import PartnerRole
from tests.factories import VolumeLicenseFactory
from tests.factories_billing import MONTH, statement_build
from tests.helpers.api import key_client, make_key, problem

LIST = reverse("api:statement_list")
DETAIL = reverse("api:statement_detail", kwargs={"month": MONTH})
LINES = reverse("api:statement_lines", kwargs={"month": MONTH})
NAMES = ["Maple Leaf Dental Group", "Harbourfront Logistics Inc.", "Bayview Clinic"]


@pytest.fixture
def statement(partner):
    VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.COMPLETE,
        seat_commitment=1990,
        price_per_user=Decimal("14.50"),
        currency=Currency.CAD,
    )
    VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.CLOUD,
        seat_commitment=300,
        price_per_user=Decimal("7.77"),
        currency=Currency.USD,
    )
    return statement_build(partner=partner, names=NAMES)


@pytest.fixture
def api(partner):
    return key_client(make_key(partner, role=PartnerRole.VIEW_ONLY, name="PSA billing")[1])


def test_the_list_is_newest_first_with_totals_per_currency(
    api, partner, statement, django_assert_max_num_queries
):
    statement_build(partner=partner, month=dt.date(2026, 10, 1), names=[], adjustment=0)
    with django_assert_max_num_queries(9):
        body = api.get(LIST).json()
    assert [s["month"] for s in body["results"]] == ["2026-11", "2026-10"]
    november = body["results"][0]
    assert november["totals"] == [
        {"currency": "CAD", "amount": "28855.00", "adjustments": "-72.50", "total": "28782.50"},
        {"currency": "USD", "amount": "2331.00", "adjustments": "0.00", "total": "2331.00"},
    ]
    assert november["period_end"].startswith("2026-12-01T00:00:00")


def test_the_list_pages_with_a_cursor(api, partner, statement):
    for month in range(1, 10):
        statement_build(partner=partner, month=dt.date(2026, month, 1), names=[])
    first = api.get(LIST, {"page_size": 4}).json()
    assert [s["month"] for s in first["results"]] == ["2026-11", "2026-09", "2026-08", "2026-07"]
    second = api.get(first["next"]).json()
    assert [s["month"] for s in second["results"]] == ["2026-06", "2026-05", "2026-04", "2026-03"]


def test_one_statement_has_its_licenses_and_totals(api, statement):
    body = api.get(DETAIL).json()
    assert body["month"] == "2026-11"
    complete, cloud = body["licenses"]
    assert complete["tier"] == "complete" and complete["currency"] == "CAD"
    assert complete["seat_commitment"] == 1990 and complete["allocated"] == 10 + 11 + 12
    assert (complete["price_per_user"], complete["amount"]) == ("14.50", "28855.00")
    assert (complete["adjustments"], complete["total"]) == ("-72.50", "28782.50")
    assert cloud["tier"] == "cloud" and cloud["total"] == "2331.00"
    assert [t["currency"] for t in body["totals"]] == ["CAD", "USD"]


def test_the_lines_page_through_every_line(api, statement, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        first = api.get(LINES, {"page_size": 4}).json()
    rest = api.get(first["next"]).json()
    lines = first["results"] + rest["results"]
    assert rest["next"] is None
    assert len(lines) == StatementLine.objects.filter(statement=statement).count() == 6
    maple = next(line for line in lines if line["legal_name"] == NAMES[0])
    assert maple["kind"] == "customer" and maple["customer"] is not None
    assert (maple["users"], maple["peak_users"], maple["sat_users"]) == (10, 10, 5)
    assert (maple["price_per_user"], maple["amount"], maple["currency"]) == (
        "14.50",
        "145.00",
        "CAD",
    )
    assert maple["adjusts"] is None
    adjustment = next(line for line in lines if line["kind"] == "adjustment")
    assert adjustment["users"] == -5 and adjustment["adjusts"] == "2026-10"
    unallocated = [line for line in lines if line["kind"] == "unallocated"]
    assert {(u["tier"], u["users"], u["customer"]) for u in unallocated} == {
        ("complete", 1990 - 33, None),
        ("cloud", 300, None),
    }


@pytest.mark.parametrize("role", [PartnerRole.VIEW_ONLY, PartnerRole.ALLOCATOR])
def test_every_key_reads_statements(partner, statement, role):
    api = key_client(make_key(partner, role=role, name=f"key {role}")[1])
    for url in (LIST, DETAIL, LINES):
        assert api.get(url).status_code == 200, url


def test_another_partners_month_is_404_and_not_listed(other_partner, statement):
    api = key_client(make_key(other_partner, name="B")[1])
    assert api.get(LIST).json()["results"] == []
    for url in (DETAIL, LINES):
        response = api.get(url)
        assert response.status_code == 404
        problem(response)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2025-11"])
def test_a_bad_or_missing_month_is_a_404_problem(api, statement, month):
    response = api.get(f"/api/v1/statements/{month}/")
    assert response.status_code == 404
    problem(response)


def test_a_bad_page_size_is_a_400_problem(api, statement):
    response = api.get(LINES, {"page_size": "0"})
    assert response.status_code == 400
    assert "page_size" in problem(response)["errors"]


def test_no_key_is_401(statement):
    response = key_client(None).get(LIST)
    assert response.status_code == 401
    problem(response)
