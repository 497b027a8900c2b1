"""Hypothesis drives the real services at random under a controlled clock; the history rebuilds
every moment.

The machine (tests/helpers/history_machine.py) runs each step (onboard, edit counts, rename,
offboard, a purchase, staff changing a license's commitment, price or renewal date in the admin)
at its own instant and records the live state after it. After each step, and at the end for every
instant recorded (and the middle of each gap between two steps), ``license_state_at`` rebuilt
from the events alone equals what was live.
Each example runs in a savepoint that is rolled back, so it works the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from licenses import services
from licenses.choices import ServiceTier
from licenses.history_state import license_state_at
from licenses.models import VolumeLicense
from lmp.partners.models import Partner
from tests.helpers.history_machine import HistoryMachine


@pytest.mark.django_db
def test_history_rebuilds_every_recorded_instant():
    run_state_machine_as_test(
        HistoryMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            database=None,  # no .hypothesis/ directory in the checkout
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.django_db
def test_the_machine_notices_a_change_history_missed():
    """The check is not vacuous: a rename whose event is lost fails it."""
    from licenses.models import AllocationEvent

    machine = HistoryMachine()
    try:
        machine.onboard(
            wait=60, tier=ServiceTier.CORE, name="Acme Corp", tier_users=3, cloud=0, sat=0
        )
        machine.rename(wait=60, index=0, name="Globex")
        AllocationEvent.objects.filter(to_text="Globex").delete()
        with pytest.raises(AssertionError):
            machine.check_all()
    finally:
        machine.clock.stop()
        transaction.savepoint_rollback(machine.savepoint)


@pytest.mark.django_db
@pytest.mark.parametrize("customers", [2, 30])
def test_a_past_state_is_one_query_whatever_the_history(django_assert_num_queries, customers):
    partner = Partner.objects.create(name="Query MSP")
    license = services.license_save(
        license=VolumeLicense(
            partner=partner,
            tier=ServiceTier.COMPLETE,
            seat_commitment=1000,
            renewal_date=dt.date(2027, 1, 31),
            price_per_user=Decimal("14.50"),
        )
    )
    for i in range(customers):
        customer = services.customer_create(
            partner=partner,
            license=license,
            legal_name=f"Customer {i}",
            admin_email="it@query.example",
            tier_users=5,
            sat_users=1,
        )
        services.customer_update(
            customer=customer, legal_name=None, tier_users=6, cloud_users=None, sat_users=None
        )
    with django_assert_num_queries(1):
        state = license_state_at(license, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert state.allocated == 6 * customers == VolumeLicense.objects.get(pk=license.pk).allocated
