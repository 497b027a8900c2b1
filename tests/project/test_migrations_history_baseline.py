"""Migration 0016 gives the history a baseline: rows that predate it rebuild, and it reverses.

The test migrates back to 0015, writes rows as the old code left them (a license and customers
with no events, one edit recorded, one customer offboarded without a status event), migrates
forward, and rebuilds the license from the events alone. It runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from licenses.choices import AllocationEventKind, CustomerStatus, ServiceTier
from licenses.history_state import history_complete_from, license_state_at
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from lmp.partners.models import Partner

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("licenses", "0015_admin_labels")]
DAY = dt.timedelta(days=1)
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _legacy_rows() -> tuple[VolumeLicense, CustomerAccount, CustomerAccount, CustomerAccount]:
    """What the old code left: rows, and only an edit in the history (the schema is the same but
    for later licenses columns: the licenses are written with the model of that time)."""
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    OldLicense = old.get_model("licenses", "VolumeLicense")  # noqa: N806 - a model class
    partner = Partner.objects.create(name="Legacy MSP")
    complete = OldLicense.objects.create(
        partner_id=partner.pk,
        tier=ServiceTier.COMPLETE,
        seat_commitment=100,
        renewal_date=dt.date(2027, 1, 31),
        price_per_user=Decimal("14.50"),
    )
    cloud = OldLicense.objects.create(
        partner_id=partner.pk,
        tier=ServiceTier.CLOUD,
        seat_commitment=50,
        renewal_date=dt.date(2027, 1, 31),
        price_per_user=Decimal("4.00"),
    )

    def customer(name, seats, sat, cloud_users, onboarded):
        c = CustomerAccount.objects.create(
            partner=partner,
            license_id=complete.pk,
            legal_name=name,
            admin_email="it@legacy.example",
            onboarded_at=onboarded,
        )
        SeatAllocation.objects.create(
            customer=c, license_id=complete.pk, tier=complete.tier, seats=seats, sat_users=sat
        )
        if cloud_users:
            SeatAllocation.objects.create(
                customer=c, license_id=cloud.pk, tier=cloud.tier, seats=cloud_users
            )
        return c

    quiet = customer("Quiet Ltd", 10, 2, 3, T0)
    edited = customer("Edited Inc", 8, 0, 0, T0 + DAY)
    AllocationEvent.objects.create(
        license_id=complete.pk,
        customer=edited,
        kind=AllocationEventKind.EDITED,
        what="MDR Complete Users",
        from_value=5,
        to_value=8,
        at=T0 + 10 * DAY,
    )
    gone = customer("Gone Co", 4, 0, 0, T0 + 2 * DAY)
    SeatAllocation.objects.filter(customer=gone).update(active=False)
    CustomerAccount.objects.filter(pk=gone.pk).update(
        status=CustomerStatus.OFFBOARDED, offboarded_at=T0 + 20 * DAY
    )
    return complete, quiet, edited, gone


def test_the_baseline_rebuilds_rows_that_predate_it_and_reverses():
    leaves = _leaves()
    _migrate(BEFORE)
    try:
        complete, quiet, edited, gone = _legacy_rows()
        legacy = AllocationEvent.objects.count()
        _migrate(leaves)
        complete = VolumeLicense.objects.get(pk=complete.pk)

        now = license_state_at(complete, dt.datetime.now(dt.UTC))
        assert now.seat_commitment == 100
        assert now.price_per_user == Decimal("14.50")
        assert now.renewal_date == dt.date(2027, 1, 31)
        assert now.allocated == 18 == VolumeLicense.objects.get(pk=complete.pk).allocated
        figures = {
            pk: (c.legal_name, c.status, c.tier_users, c.cloud_users, c.sat_users)
            for pk, c in now.customers.items()
        }
        assert figures == {
            quiet.pk: ("Quiet Ltd", "active", 10, 3, 2),
            edited.pk: ("Edited Inc", "active", 8, 0, 0),
            gone.pk: ("Gone Co", "offboarded", 0, 0, 0),
        }
        # Before the recorded edit: the value it changed from; before the offboarding: active.
        then = license_state_at(complete, T0 + 5 * DAY).customers
        assert (then[edited.pk].tier_users, then[gone.pk].status) == (5, "active")
        assert then[gone.pk].tier_users == 4
        # Before anything existed: nothing.
        assert not license_state_at(complete, T0 - DAY).customers
        assert history_complete_from(complete) > T0 + 20 * DAY  # when the migration ran

        _migrate(BEFORE)
        assert AllocationEvent.objects.count() == legacy  # only the baseline went
    finally:
        _migrate(leaves)
