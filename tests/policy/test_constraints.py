"""The database itself refuses raw SQL that breaks the seat invariant (SQLite and PostgreSQL).

Every refusal is paired with the same statement made legal succeeding, so a test cannot pass
because the SQL was wrong for some other reason.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

OVERSOLD = "license_allocated_within_commitment"

INSERT_ALLOCATION = (
    "INSERT INTO licenses_seatallocation (customer_id, license_id, tier, seats, sat_users, active)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


def raw(sql: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params: list | tuple = (), *, constraint: str | None = None) -> None:
    """Run ``sql`` in a savepoint and require the database to refuse it (naming ``constraint``)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        raw(sql, params)
    if constraint:
        assert constraint in str(excinfo.value)


def counter(license: VolumeLicense) -> int:
    """The license's counter after checking it equals the sum of its active allocation rows.

    Also checks the customer counter the same triggers keep: one per active allocation row.
    """
    license.refresh_from_db()
    active = SeatAllocation.objects.filter(license=license, active=True)
    total = active.aggregate(n=Sum("seats"))["n"] or 0
    assert license.allocated == total
    assert license.holder_count == active.count()
    return license.allocated


@pytest.fixture
def customer(core_license):
    return make_customer(license=core_license, tier_users=490, legal_name="Prairie Agri Co-op")


def test_raw_insert_that_oversells_is_refused(customer, cloud_license):
    args = [customer.pk, cloud_license.pk, ServiceTier.CLOUD]
    refused(INSERT_ALLOCATION, [*args, 301, 0, True], constraint=OVERSOLD)
    assert counter(cloud_license) == 0
    raw(INSERT_ALLOCATION, [*args, 300, 0, True])
    assert counter(cloud_license) == 300


def test_raw_update_that_oversells_is_refused(customer, core_license):
    sql = "UPDATE licenses_seatallocation SET seats = %s WHERE customer_id = %s AND license_id = %s"
    refused(sql, [501, customer.pk, core_license.pk], constraint=OVERSOLD)
    assert counter(core_license) == 490
    assert raw(sql, [500, customer.pk, core_license.pk]) == 1
    assert counter(core_license) == 500


def test_raw_reactivation_that_oversells_is_refused(customer, core_license):
    sql = "UPDATE licenses_seatallocation SET active = %s WHERE customer_id = %s"
    raw(sql, [False, customer.pk])
    assert counter(core_license) == 0
    make_customer(license=core_license, tier_users=11)
    refused(sql, [True, customer.pk], constraint=OVERSOLD)
    assert counter(core_license) == 11


def test_raw_commitment_below_allocated_is_refused(customer, core_license):
    sql = "UPDATE licenses_volumelicense SET seat_commitment = %s WHERE id = %s"
    refused(sql, [489, core_license.pk], constraint=OVERSOLD)
    core_license.refresh_from_db()
    assert core_license.seat_commitment == 500
    raw(sql, [490, core_license.pk])
    core_license.refresh_from_db()
    assert core_license.seat_commitment == 490


def test_raw_write_of_the_counter_itself_is_checked(customer, core_license):
    sql = "UPDATE licenses_volumelicense SET allocated = %s WHERE id = %s"
    refused(sql, [501, core_license.pk], constraint=OVERSOLD)
    refused(sql, [-1, core_license.pk])
    core_license.refresh_from_db()
    assert core_license.allocated == 490


def test_raw_negative_seats_are_refused(customer, core_license, cloud_license):
    args = [customer.pk, cloud_license.pk, ServiceTier.CLOUD]
    refused(INSERT_ALLOCATION, [*args, -5, 0, True])
    refused(
        "UPDATE licenses_seatallocation SET seats = %s WHERE customer_id = %s", [-1, customer.pk]
    )
    # Not even on an inactive row, which the counter ignores.
    refused(INSERT_ALLOCATION, [*args, -5, 0, False])
    raw(INSERT_ALLOCATION, [*args, 5, 0, True])
    assert counter(cloud_license) == 5
    assert counter(core_license) == 490


def test_raw_sat_users_above_seats_are_refused(complete_license):
    customer = make_customer(license=complete_license, tier_users=100, sat_users=60)
    sql = "UPDATE licenses_seatallocation SET sat_users = %s WHERE customer_id = %s"
    refused(sql, [101, customer.pk], constraint="allocation_sat_within_seats")
    refused(sql, [-1, customer.pk])
    raw(sql, [100, customer.pk])
    assert SeatAllocation.objects.get(customer=customer).sat_users == 100


def test_raw_sat_users_on_a_non_complete_row_are_refused(customer, core_license):
    sql = "UPDATE licenses_seatallocation SET sat_users = %s, tier = %s WHERE customer_id = %s"
    refused(sql, [10, ServiceTier.CORE, customer.pk], constraint="allocation_sat_only_on_complete")
    assert SeatAllocation.objects.get(customer=customer).sat_users == 0
    raw(sql, [10, ServiceTier.COMPLETE, customer.pk])  # the rule is per row: Complete only
    assert SeatAllocation.objects.get(customer=customer).sat_users == 10


def test_counter_follows_every_raw_insert_update_delete_and_deactivation(
    customer, core_license, cloud_license, complete_license
):
    other = make_customer(license=core_license, tier_users=10, legal_name="Skyline Architects")
    assert counter(core_license) == 500 and counter(cloud_license) == 0

    raw(INSERT_ALLOCATION, [customer.pk, cloud_license.pk, ServiceTier.CLOUD, 40, 0, True])
    raw(INSERT_ALLOCATION, [other.pk, cloud_license.pk, ServiceTier.CLOUD, 7, 0, False])
    assert counter(cloud_license) == 40  # the inactive row does not count

    by_customer = "UPDATE licenses_seatallocation SET {} WHERE customer_id = %s AND license_id = %s"
    raw(by_customer.format("seats = 25"), [customer.pk, cloud_license.pk])
    assert counter(cloud_license) == 25
    raw(by_customer.format("active = %s"), [True, other.pk, cloud_license.pk])
    assert counter(cloud_license) == 32
    raw(by_customer.format("active = %s"), [False, customer.pk, core_license.pk])
    assert counter(core_license) == 10
    raw(by_customer.format("seats = 400"), [customer.pk, core_license.pk])  # inactive: no effect
    assert counter(core_license) == 10
    raw(by_customer.format("active = %s"), [True, customer.pk, core_license.pk])
    assert counter(core_license) == 410

    # Several rows in one statement, a row moved from one pool to another, then deletes.
    raw(
        "UPDATE licenses_seatallocation SET seats = seats + 1 WHERE license_id = %s",
        [cloud_license.pk],
    )
    assert counter(cloud_license) == 34
    raw(
        by_customer.format("license_id = %s, tier = %s"),
        [complete_license.pk, ServiceTier.COMPLETE, other.pk, cloud_license.pk],
    )
    assert counter(cloud_license) == 26
    assert counter(complete_license) == 8
    raw("DELETE FROM licenses_seatallocation WHERE customer_id = %s AND seats = 10", [other.pk])
    assert counter(core_license) == 400

    raw("DELETE FROM licenses_seatallocation WHERE license_id = %s", [cloud_license.pk])
    assert counter(cloud_license) == 0
    raw("DELETE FROM licenses_seatallocation")
    assert counter(core_license) == 0 and counter(complete_license) == 0


def test_raw_duplicate_active_legal_name_is_refused(customer, core_license):
    sql = (
        "INSERT INTO licenses_customeraccount (partner_id, license_id, legal_name, website,"
        " sub_partner_id, admin_email, status, deployment, hosting_region, onboarded_at,"
        " offboarded_at) VALUES (%s, %s, %s, '', NULL, 'a@b.example', %s, '', '', %s, %s)"
    )
    now = timezone.now()
    same = [customer.partner_id, core_license.pk, "PRAIRIE AGRI CO-OP"]
    refused(sql, [*same, "active", now, None], constraint="customer_unique_active_legal_name")
    raw(sql, [*same, "offboarded", now, now])  # an offboarded namesake is history, not a clash
    assert CustomerAccount.objects.filter(legal_name__iexact="prairie agri co-op").count() == 2


def test_raw_status_without_offboarded_date_is_refused(customer):
    sql = "UPDATE licenses_customeraccount SET status = %s, offboarded_at = %s WHERE id = %s"
    refused(
        sql, ["offboarded", None, customer.pk], constraint="customer_offboarded_at_matches_status"
    )
    raw(sql, ["offboarded", timezone.now(), customer.pk])


def test_a_stale_license_save_keeps_both_trigger_counters(customer, core_license):
    stale = VolumeLicense.objects.get(pk=core_license.pk)  # 1 customer, 490 seats
    make_customer(license=core_license, tier_users=10, legal_name="Skyline Architects")
    stale.price_per_user = "9.00"
    stale.save()
    assert counter(core_license) == 500
    assert core_license.holder_count == 2
    assert str(core_license.price_per_user) == "9.00"
