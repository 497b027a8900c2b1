"""Month-end statements in Django admin: staff find and open them; nobody adds, edits or deletes."""

from __future__ import annotations

import datetime as dt

import pytest

from lmp.billing.closing import statements_close
from lmp.billing.models import Statement
from tests.factories import make_customer
from tests.helpers.admin_site import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(partner, complete_license, other_license):
    make_customer(license=complete_license, tier_users=100, legal_name="Maple Leaf Dental")
    statements_close(month=dt.date(2026, 11, 1))
    return Statement.objects.get(partner=partner)


def test_staff_list_search_filter_and_open_a_statement(staff_client, statement):
    page = staff_client.get(admin_url(Statement))
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    assert "2026-11" in page.text and "$28,855.00\u00a0CAD" in page.text  # 1,990 × 14.50
    found = staff_client.get(admin_url(Statement), {"q": "northwind"})
    assert [s.partner.name for s in found.context["cl"].result_list] == ["Northwind MSP"]
    by_month = staff_client.get(admin_url(Statement), {"month": "2026-11-01"})
    assert by_month.context["cl"].result_count == 2
    change = staff_client.get(admin_url(statement, "change"))
    assert change.status_code == 200
    assert "Unallocated users" in change.text and "Save" not in change.text


def test_nobody_adds_changes_or_deletes_a_statement(staff_client, staff_user, statement):
    assert staff_user.is_superuser
    assert staff_client.get(admin_url(Statement, "add")).status_code == 403
    assert (
        staff_client.post(admin_url(statement, "change"), {"month": "2026-10-01"}).status_code
        == 403
    )
    assert staff_client.post(admin_url(statement, "delete"), {"post": "yes"}).status_code == 403
    statement.refresh_from_db()
    assert statement.month == dt.date(2026, 11, 1)
    assert Statement.objects.count() == 2


def test_the_changelist_does_not_query_per_row(
    staff_client, statement, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert staff_client.get(admin_url(Statement)).status_code == 200
