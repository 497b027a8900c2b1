"""The license as of a date read in SQL (licenses.history_as_of) equals the fold in Python
(licenses.history_state.license_state_at) on random histories: one truth checked by the other.

The history machine (tests/helpers/history_machine.py) drives the real services at random under a
controlled clock; at every recorded instant, and in the middle of each gap, each license's
customers as the SQL path lists them (their name, status and users then) and its dashboard
(commitment, price, renewal date, allocated) are the fold's.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from licenses import history_as_of
from licenses.choices import AllocationEventKind, ServiceTier
from licenses.history_as_of import (
    license_customers_as_of,
    license_then,
)
from licenses.history_state import history_complete_from, license_state_at
from licenses.models import AllocationEvent, VolumeLicense
from tests.factories import VolumeLicenseFactory, make_customer
from tests.helpers.history_machine import HistoryMachine


def by_fold(license: VolumeLicense, instant: dt.datetime) -> dict:
    state = license_state_at(license, instant)
    customers = {}
    for c in state.customers.values():
        own = c.license_id == license.pk
        customers[c.customer_id] = {
            "legal_name": c.legal_name,
            "status": c.status,
            "license_users": c.tier_users if own else c.cloud_users,
            "sat_users": c.sat_users,
            # The page's MDR Cloud Users column (a Core or Complete license's page only).
            "cloud_users": None if license.tier == ServiceTier.CLOUD else c.cloud_users,
        }
    terms = (state.seat_commitment, state.price_per_user, state.renewal_date, state.allocated)
    active = [c for c in state.customers.values() if c.is_active]
    return {"terms": terms, "customers": customers, "count": len(active)}


def by_sql(license: VolumeLicense, instant: dt.datetime) -> dict:
    rows = license_customers_as_of(partner=license.partner, license=license, instant=instant)
    customers = {
        pk: {
            "legal_name": name,
            "status": status,
            "license_users": users,
            "sat_users": sat,
            "cloud_users": None if license.tier == ServiceTier.CLOUD else cloud,
        }
        for pk, name, status, users, sat, cloud in rows.values_list(
            "pk", "legal_name_then", "status_then", "license_users", "sat_users", "cloud_users"
        )
    }
    then = license_then(partner=license.partner, license=license, instant=instant)
    terms = (then.seat_commitment, then.price_per_user, then.renewal_date, then.allocated)
    if not then.existed:
        terms = (None, None, None, 0)
    return {"terms": terms, "customers": customers, "count": then.customer_count}


class AsOfMachine(HistoryMachine):
    """The history machine, checking the SQL path against the fold instead of the live rows."""

    def check(self, number: int) -> None:
        instant, _live = self.recorded[number]
        instants = [instant, instant - dt.timedelta(seconds=1)]
        if number:
            previous, _before = self.recorded[number - 1]
            instants.append(previous + (instant - previous) / 2)
        for lic in self.license.values():
            license = VolumeLicense.objects.select_related("partner").get(pk=lic.pk)
            for moment in instants:
                assert by_sql(license, moment) == by_fold(license, moment), (
                    f"{license.get_tier_display()} at step {number}, {moment}"
                )


@pytest.mark.django_db
def test_the_sql_path_equals_the_fold_on_random_histories():
    run_state_machine_as_test(
        AsOfMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.django_db
def test_the_comparison_notices_a_wrong_figure():
    """Not vacuous: an SQL path that reads a customer's figures past the instant fails it."""
    original = history_as_of._latest
    machine = AsOfMachine()
    try:
        machine.onboard(
            wait=60, tier=ServiceTier.CORE, name="Acme Corp", tier_users=3, cloud=0, sat=0
        )
        machine.edit_counts(wait=60, index=0, tier_users=7, cloud=0, sat=0)
        machine.check_all()  # right as it is
        with (
            mock.patch.object(
                history_as_of,
                "_latest",
                lambda instant, **filters: original(instant + dt.timedelta(days=1), **filters),
            ),
            pytest.raises(AssertionError),
        ):
            machine.check_all()
    finally:
        machine.clock.stop()
        transaction.savepoint_rollback(machine.savepoint)


@pytest.mark.django_db
@pytest.mark.parametrize("opening", [AllocationEventKind.COMMITMENT_CHANGED, "baseline"])
def _complete_from_every_event(license):
    """The reference reading of "complete from": a baseline among every event of the license
    and of every customer that ever held users on it, else their first event."""
    holders = AllocationEvent.objects.filter(license=license, customer__isnull=False)
    events = AllocationEvent.objects.filter(
        Q(license=license, customer__isnull=True) | Q(customer_id__in=holders.values("customer_id"))
    )
    if events.filter(kind=AllocationEventKind.BASELINE).exists():
        return MigrationRecorder.Migration.objects.get(
            app="licenses", name="0016_history_baseline"
        ).applied
    return events.order_by("at", "id").values_list("at", flat=True).first()


@pytest.mark.django_db
@pytest.mark.parametrize("opening", [AllocationEventKind.COMMITMENT_CHANGED, "baseline"])
def test_history_complete_from_reads_the_license_alone_as_every_event_says(partner, opening):
    """``history_complete_from`` reads the license's own events (short at any size); the reading
    of every event of every customer agrees: a license created since, and one with a baseline."""
    license = VolumeLicenseFactory(partner=partner)
    customer = make_customer(license=license)
    at = timezone.now() - dt.timedelta(days=400)
    AllocationEvent.objects.create(
        license=license,
        at=at,
        kind=opening,
        what="Seat commitment",
        from_value=0,
        to_value=license.seat_commitment,
    )
    AllocationEvent.objects.filter(customer=customer).update(at=at + dt.timedelta(days=1))
    expected = _complete_from_every_event(license)
    assert history_complete_from(license) == expected
    assert (expected == at) is (opening != "baseline")
