"""Usage over time (licenses.usage): each day's figures, read with a constant number of queries.

The series are checked against ``license_state_at`` (the history folded event by event) on every
day of random histories, and on hand-written ones where the figures are known.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from licenses import services
from licenses.choices import AllocationEventKind, AllocationEventSource, ServiceTier
from licenses.history_state import license_state_at
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense
from licenses.usage import customer_usage, day_end, license_usage
from lmp.partners.models import Partner
from tests.helpers.clock import ControlledClock

# 09:00 in Toronto: a day's events stay on that day in the portal's time zone.
START = dt.datetime(2026, 1, 1, 14, 0, tzinfo=dt.UTC)
DAY = 24 * 3600
_partners = itertools.count(1)
# The random histories' pools: SAT users (Complete) are no users of a pool; Cloud holds others'.
TIERS = {ServiceTier.COMPLETE: 40, ServiceTier.CORE: 30, ServiceTier.CLOUD: 20}


def new_license(partner: Partner, tier: str, seats: int) -> VolumeLicense:
    return services.license_save(
        license=VolumeLicense(
            partner=partner,
            tier=tier,
            seat_commitment=seats,
            renewal_date=dt.date(2027, 1, 31),
            price_per_user=Decimal("14.50"),
        )
    )


def onboard(license, name, users, cloud=0, sat=0) -> CustomerAccount:
    return services.customer_create(
        partner=license.partner,
        license=license,
        legal_name=name,
        admin_email="it@usage.example",
        tier_users=users,
        cloud_users=cloud,
        sat_users=sat,
    )


def set_users(customer, users, cloud=0, sat=0) -> None:
    services.customer_update(
        customer=customer, legal_name=None, tier_users=users, cloud_users=cloud, sat_users=sat
    )


def set_commitment(license, seats) -> None:
    license = VolumeLicense.objects.get(pk=license.pk)
    license.seat_commitment = seats
    services.license_save(license=license)


@pytest.fixture
def clock():
    clock = ControlledClock(START)
    clock.start()
    yield clock
    clock.stop()


def by_day(series, key):
    return dict(zip(series.days, series.line(key).values, strict=True))


@pytest.mark.django_db
def test_a_pools_days_follow_onboarding_edits_offboarding_and_commitment(clock):
    partner = Partner.objects.create(name="Usage MSP")
    license = new_license(partner, ServiceTier.CORE, 100)  # Jan 1
    clock.advance(seconds=2 * DAY)
    acme = onboard(license, "Acme", 20)  # Jan 3
    clock.advance(seconds=2 * DAY)
    set_users(acme, 30)  # Jan 5
    globex = onboard(license, "Globex", 10)  # same day
    clock.advance(seconds=2 * DAY)
    set_commitment(license, 150)  # Jan 7
    clock.advance(seconds=DAY)
    services.customer_offboard(customer=acme)  # Jan 8: its 30 users leave the pool
    clock.advance(seconds=2 * DAY)  # today: Jan 10

    series = license_usage(license, days=11)
    allocated, commitment = by_day(series, "allocated"), by_day(series, "commitment")
    jan = dt.date(2026, 1, 1).replace
    assert series.days[0] == jan(day=1) - dt.timedelta(days=2)
    assert series.days[-1] == jan(day=10) == timezone.localdate()
    assert series.first_day == jan(day=1)
    assert [allocated[jan(day=d)] for d in range(1, 11)] == [0, 0, 20, 20, 40, 40, 40, 10, 10, 10]
    assert [commitment[jan(day=d)] for d in range(1, 11)] == [100] * 6 + [150] * 4
    # Before the license existed: no figures, not zeros.
    assert allocated[dt.date(2025, 12, 31)] is None
    assert commitment[dt.date(2025, 12, 30)] is None
    assert globex.pk  # still on the pool


@pytest.mark.django_db
def test_mdr_cloud_users_of_other_tiers_customers_sit_on_the_cloud_pool(clock):
    partner = Partner.objects.create(name="Cloud MSP")
    core = new_license(partner, ServiceTier.CORE, 100)
    cloud = new_license(partner, ServiceTier.CLOUD, 50)
    clock.advance(seconds=DAY)
    acme = onboard(core, "Acme", 20, cloud=5)  # Jan 2
    clock.advance(seconds=DAY)
    set_users(acme, 20, cloud=0)  # Jan 3: its Cloud allocation row goes
    clock.advance(seconds=DAY)
    set_users(acme, 25, cloud=8)  # Jan 4
    clock.advance(seconds=DAY)

    cloud_days = by_day(license_usage(cloud, days=4), "allocated")
    assert list(cloud_days.values()) == [0, 5, 0, 8, 8]
    assert list(by_day(license_usage(core, days=4), "allocated").values()) == [0, 20, 20, 25, 25]

    series = customer_usage(acme, days=4)
    assert [line.license for line in series.lines] == [core, cloud]  # its own pool first
    assert by_day(series, f"pool-{core.pk}") == dict(
        zip(series.days, [None, 20, 20, 25, 25], strict=True)
    )
    assert list(by_day(series, f"pool-{cloud.pk}").values()) == [None, 5, 0, 8, 8]
    assert series.first_day == dt.date(2026, 1, 2)

    clock.advance(seconds=DAY)
    services.customer_offboard(customer=acme)
    series = customer_usage(acme, days=2)
    assert [line.values for line in series.lines] == [(25, 25, 0), (8, 8, 0)]


@pytest.mark.django_db
def test_a_day_is_the_portals_day_not_utcs(clock):
    """An event at 23:30 in Toronto (04:30 UTC the next day) counts on the Toronto day."""
    partner = Partner.objects.create(name="Late MSP")
    license = new_license(partner, ServiceTier.CORE, 100)
    clock.advance(seconds=int(14.5 * 3600))  # Jan 1, 23:30 in Toronto
    onboard(license, "Acme", 7)
    clock.advance(seconds=DAY)
    series = license_usage(license, days=1)
    assert series.allocated == (7, 7)
    assert series.days == (dt.date(2026, 1, 1), dt.date(2026, 1, 2))


@pytest.mark.django_db
def test_a_window_before_the_license_existed_has_no_figures(clock):
    partner = Partner.objects.create(name="Young MSP")
    license = new_license(partner, ServiceTier.CORE, 100)
    series = license_usage(license, days=3, today=dt.date(2025, 12, 1))
    assert series.first_day is None
    assert series.allocated == (None,) * 4


@pytest.mark.django_db
@pytest.mark.parametrize(("customers", "edits"), [(5, 0), (50, 0), (2, 100)])
def test_the_series_costs_the_same_queries_whatever_the_history(
    clock, django_assert_num_queries, customers, edits
):
    partner = Partner.objects.create(name=f"Query MSP {customers} {edits}")
    license = new_license(partner, ServiceTier.CORE, 10_000)
    cloud = new_license(partner, ServiceTier.CLOUD, 10_000)
    made = []
    for i in range(customers):
        clock.advance(seconds=DAY // 2)
        made.append(onboard(license, f"Customer {i}", 5, cloud=1))
    for i in range(edits):  # 2 events each: 200 events on two customers
        clock.advance(seconds=DAY // 3)
        set_users(made[i % len(made)], 6 + i, cloud=2 + i % 3)
    for pool in (license, cloud):
        held = VolumeLicense.objects.get(pk=pool.pk).allocated
        with django_assert_num_queries(2):
            series = license_usage(pool)
        assert series.allocated[-1] == held
    with django_assert_num_queries(3):
        customer_usage(made[0])


# --- one truth checked against the other --------------------------------------------------------


class UsageMachine(RuleBasedStateMachine):
    """Random service calls, days apart; at the end every day's series equals the folded state."""

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.clock = ControlledClock(START)
        self.clock.start()
        self.partner = Partner.objects.create(name=f"Usage MSP {next(_partners)}")
        self.license = {
            tier: new_license(self.partner, tier, seats) for tier, seats in TIERS.items()
        }
        self.customers: list[int] = []

    def wait(self, seconds: int, action) -> None:
        self.clock.advance(seconds=seconds)
        with contextlib.suppress(ValidationError):
            action()

    def pick(self, index: int) -> CustomerAccount:
        return CustomerAccount.objects.get(pk=self.customers[index % len(self.customers)])

    @staticmethod
    def counts(tier: str, users: int, cloud: int, sat: int) -> tuple[int, int, int]:
        """What a customer of ``tier`` may hold: Cloud users beside another tier, SAT on Complete
        only."""
        return (
            users,
            0 if tier == ServiceTier.CLOUD else cloud,
            min(sat, users) if tier == ServiceTier.COMPLETE else 0,
        )

    @rule(
        wait=st.integers(1, 6 * DAY),
        tier=st.sampled_from(list(TIERS)),
        users=st.integers(1, 9),
        cloud=st.integers(0, 4),
        sat=st.integers(0, 4),
    )
    def onboard(self, wait, tier, users, cloud, sat):
        def action():
            name = f"C{len(self.customers)}"
            counts = self.counts(tier, users, cloud, sat)
            self.customers.append(onboard(self.license[tier], name, *counts).pk)

        self.wait(wait, action)

    @precondition(lambda self: self.customers)
    @rule(
        wait=st.integers(1, 6 * DAY),
        index=st.integers(0, 20),
        users=st.integers(1, 9),
        cloud=st.integers(0, 4),
        sat=st.integers(0, 4),
    )
    def edit(self, wait, index, users, cloud, sat):
        customer = self.pick(index)
        counts = self.counts(customer.license.tier, users, cloud, sat)
        self.wait(wait, lambda: set_users(customer, *counts))

    @precondition(lambda self: self.customers)
    @rule(wait=st.integers(1, 6 * DAY), index=st.integers(0, 20))
    def offboard(self, wait, index):
        customer = self.pick(index)
        self.wait(wait, lambda: services.customer_offboard(customer=customer))

    @rule(
        wait=st.integers(1, 6 * DAY),
        tier=st.sampled_from(list(TIERS)),
        delta=st.integers(-3, 10),
    )
    def commitment(self, wait, tier, delta):
        def action():
            license = VolumeLicense.objects.get(pk=self.license[tier].pk)
            set_commitment(license, max(0, license.allocated + delta))

        self.wait(wait, action)

    def teardown(self) -> None:
        try:
            self.check()
        finally:
            self.clock.stop()
            transaction.savepoint_rollback(self.savepoint)

    def check(self) -> None:
        today = timezone.localdate()
        days = (today - START.date()).days + 2  # from before the licenses existed
        customers = {
            pk: customer_usage(CustomerAccount.objects.get(pk=pk), days=days)
            for pk in self.customers
        }
        for license in self.license.values():
            series = license_usage(license, days=days)
            assert series.first_day == START.date()
            for i, day in enumerate(series.days):
                if day < series.first_day:
                    assert series.allocated[i] is None and series.commitment[i] is None
                    continue
                state = license_state_at(license, day_end(day))
                assert (series.allocated[i], series.commitment[i]) == (
                    state.allocated,
                    state.seat_commitment,
                ), day
                for pk, usage in customers.items():
                    lines = {line.license.pk: line.values for line in usage.lines}
                    if license.pk not in lines or usage.first_day is None:
                        continue
                    held = lines[license.pk][i]
                    if day < usage.first_day:
                        assert held is None
                        continue
                    customer = state.customers.get(pk)
                    expected = 0
                    if customer is not None and customer.is_active:
                        own = customer.license_id == license.pk
                        expected = customer.tier_users if own else customer.cloud_users
                    assert held == expected, (pk, day)


@pytest.mark.django_db
def test_every_days_figures_equal_the_history_folded_to_that_day():
    run_state_machine_as_test(
        UsageMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.mark.django_db
def test_a_history_with_a_baseline_has_figures_from_when_the_baseline_was_written():
    """As history_complete_from: before migration 0016 wrote the baseline, a count changed
    before events were recorded is unknowable, so those days have no figures."""
    partner = Partner.objects.create(name="Old MSP")
    license = new_license(partner, ServiceTier.CORE, 100)
    applied = MigrationRecorder.Migration.objects.get(
        app="licenses", name="0016_history_baseline"
    ).applied
    AllocationEvent.objects.create(
        license=license,
        kind=AllocationEventKind.BASELINE,
        source=AllocationEventSource.SYSTEM,
        what="Seat commitment",
        from_value=0,
        to_value=100,
        at=applied - dt.timedelta(days=400),
    )
    series = license_usage(license, days=5, today=timezone.localdate(applied) + dt.timedelta(2))
    assert series.first_day == timezone.localdate(applied)
    assert series.commitment == (None, None, None, 100, 100, 100)
