"""A Hypothesis state machine that drives the real services at random under a controlled clock
and records the live state after each step (tests/properties/: the history rebuilds it, in Python
and in SQL).

Each step (onboard, edit counts, rename, offboard, a purchase, staff changing a license's
commitment, price or renewal date in the admin) runs at its own instant. After it, the live state
(the rows: each license's terms and counter, each customer's allocations, status and legal name)
is recorded with that instant; ``check(number)`` compares a rebuild with it. Each example runs in
a savepoint that is rolled back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from licenses import services
from licenses.choices import AllocationEventSource, ServiceTier
from licenses.history_state import license_state_at
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from lmp.billing.services import seats_purchase
from lmp.partners.models import Partner
from tests.helpers.clock import ControlledClock

TIERS = [ServiceTier.COMPLETE, ServiceTier.CORE, ServiceTier.CLOUD]
NAMES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli"]
COUNTS = st.integers(min_value=1, max_value=12)
SMALL = st.integers(min_value=0, max_value=5)
INDEX = st.integers(min_value=0, max_value=30)
# From a second to a few weeks between two steps.
WAIT = st.integers(min_value=1, max_value=30 * 24 * 3600)
START = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
_partners = itertools.count(1)
_tokens = itertools.count(1)


def live_state(partner: Partner) -> dict:
    """What the rows say now: per license its terms and counter, per customer its figures."""
    licenses = {
        lic.pk: (lic.seat_commitment, lic.price_per_user, lic.renewal_date, lic.allocated)
        for lic in VolumeLicense.objects.filter(partner=partner).order_by()
    }
    customers = {
        pk: {
            "license_id": license_id,
            "legal_name": name,
            "status": status,
            "tier_users": 0,
            "cloud_users": 0,
            "sat_users": 0,
        }
        for pk, license_id, name, status in CustomerAccount.objects.filter(
            partner=partner
        ).values_list("pk", "license_id", "legal_name", "status")
    }
    for customer_id, license_id, seats, sat, active in SeatAllocation.objects.filter(
        customer__partner=partner
    ).values_list("customer_id", "license_id", "seats", "sat_users", "active"):
        if not active:
            continue  # an offboarded customer's rows stay, its seats left the pools
        state = customers[customer_id]
        if license_id == state["license_id"]:
            state["tier_users"], state["sat_users"] = seats, sat
        else:
            state["cloud_users"] = seats
    return {"licenses": licenses, "customers": customers}


def rebuilt_state(license_ids: list[int], instant: dt.datetime) -> dict:
    """The same shape, from ``license_state_at`` of each license (the events alone)."""
    licenses, customers = {}, {}
    for pk in license_ids:
        state = license_state_at(VolumeLicense(pk=pk), instant)
        licenses[pk] = (
            state.seat_commitment,
            state.price_per_user,
            state.renewal_date,
            state.allocated,
        )
        for c in state.customers.values():
            figures = {
                "license_id": c.license_id,
                "legal_name": c.legal_name,
                "status": c.status,
                "tier_users": c.tier_users,
                "cloud_users": c.cloud_users,
                "sat_users": c.sat_users,
            }
            # A customer seen from its own pool and from MDR Cloud's reads the same.
            assert customers.setdefault(c.customer_id, figures) == figures, (c, instant)
    return {"licenses": licenses, "customers": customers}


class HistoryMachine(RuleBasedStateMachine):
    """Random service calls, each at its own instant; the history must replay every one."""

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.clock = ControlledClock(START)
        self.clock.start()
        self.partner = Partner.objects.create(name=f"History MSP {next(_partners)}")
        self.license = {}
        for tier, seats in (
            (ServiceTier.COMPLETE, 40),
            (ServiceTier.CORE, 30),
            (ServiceTier.CLOUD, 20),
        ):
            self.license[tier] = services.license_save(
                license=VolumeLicense(
                    partner=self.partner,
                    tier=tier,
                    seat_commitment=seats,
                    renewal_date=dt.date(2027, 1, 31),
                    price_per_user=Decimal("14.50"),
                )
            )
        self.customers: list[int] = []
        self.recorded: list[tuple[dt.datetime, dict]] = []
        self.record()

    def teardown(self) -> None:
        try:
            self.check_all()
        finally:
            self.clock.stop()
            transaction.savepoint_rollback(self.savepoint)

    def record(self) -> None:
        self.recorded.append((self.clock.now(), live_state(self.partner)))

    def step(self, wait: int, action) -> None:
        """Let ``wait`` seconds pass, run ``action`` (a refusal changes nothing), record."""
        self.clock.advance(seconds=wait)
        with contextlib.suppress(ValidationError):
            action()
        self.record()

    def pick(self, index: int) -> CustomerAccount:
        return CustomerAccount.objects.get(pk=self.customers[index % len(self.customers)])

    # --- rules --------------------------------------------------------------------------------

    @rule(
        wait=WAIT,
        tier=st.sampled_from(TIERS),
        name=st.sampled_from(NAMES),
        tier_users=COUNTS,
        cloud=SMALL,
        sat=SMALL,
    )
    def onboard(self, wait, tier, name, tier_users, cloud, sat):
        def action():
            customer = services.customer_create(
                partner=self.partner,
                license=self.license[tier],
                legal_name=name,
                admin_email="it@history.example",
                tier_users=tier_users,
                cloud_users=0 if tier == ServiceTier.CLOUD else cloud,
                sat_users=min(sat, tier_users) if tier == ServiceTier.COMPLETE else 0,
            )
            self.customers.append(customer.pk)

        self.step(wait, action)

    @precondition(lambda self: self.customers)
    @rule(wait=WAIT, index=INDEX, tier_users=COUNTS, cloud=SMALL, sat=SMALL)
    def edit_counts(self, wait, index, tier_users, cloud, sat):
        customer = self.pick(index)
        tier = customer.license.tier
        self.step(
            wait,
            lambda: services.customer_update(
                customer=customer,
                legal_name=None,
                tier_users=tier_users,
                cloud_users=0 if tier == ServiceTier.CLOUD else cloud,
                sat_users=min(sat, tier_users) if tier == ServiceTier.COMPLETE else 0,
                source=AllocationEventSource.API,
            ),
        )

    @precondition(lambda self: self.customers)
    @rule(wait=WAIT, index=INDEX, name=st.sampled_from(NAMES))
    def rename(self, wait, index, name):
        customer = self.pick(index)
        self.step(
            wait,
            lambda: services.customer_update(
                customer=customer,
                legal_name=name,
                tier_users=None,
                cloud_users=None,
                sat_users=None,
            ),
        )

    @precondition(lambda self: self.customers)
    @rule(wait=WAIT, index=INDEX)
    def offboard(self, wait, index):
        customer = self.pick(index)
        self.step(wait, lambda: services.customer_offboard(customer=customer))

    @rule(wait=WAIT, tier=st.sampled_from(TIERS), users=st.integers(min_value=1, max_value=20))
    def purchase(self, wait, tier, users):
        self.step(
            wait,
            lambda: seats_purchase(
                actor=None,
                partner=self.partner,
                tier=tier,
                users=users,
                token=f"history-{next(_tokens)}",
            ),
        )

    @rule(
        wait=WAIT,
        tier=st.sampled_from(TIERS),
        delta=st.integers(min_value=-5, max_value=10),
        price=st.one_of(st.none(), st.sampled_from(["9.99", "14.50", "16.00"])),
        renewal_days=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
    )
    def staff_edit(self, wait, tier, delta, price, renewal_days):
        """Staff save the license in Django admin: commitment, and maybe price and renewal."""

        def action():
            license = VolumeLicense.objects.get(pk=self.license[tier].pk)
            license.seat_commitment = max(0, license.allocated + delta)
            if price is not None:
                license.price_per_user = Decimal(price)
            if renewal_days is not None:
                license.renewal_date = dt.date(2027, 1, 1) + dt.timedelta(days=renewal_days)
            services.license_save(license=license, source=AllocationEventSource.ADMIN)

        self.step(wait, action)

    # --- the property -------------------------------------------------------------------------

    @invariant()
    def the_newest_instant_is_rebuilt(self):
        """After each step, the moment just recorded (and the gap before it) replays."""
        self.check(len(self.recorded) - 1)

    def check(self, number: int) -> None:
        ids = sorted(lic.pk for lic in self.license.values())
        instant, live = self.recorded[number]
        assert rebuilt_state(ids, instant) == live, f"step {number} at {instant}"
        if number:
            # Nothing happened between two steps: the middle of the gap reads as the step before.
            previous, before = self.recorded[number - 1]
            middle = previous + (instant - previous) / 2
            if middle > previous:
                assert rebuilt_state(ids, middle) == before, f"between steps {number - 1}, {number}"
        else:
            # Before the licenses existed, there was nothing.
            empty = rebuilt_state(ids, instant - dt.timedelta(seconds=1))
            assert empty["customers"] == {}
            assert all(terms == (None, None, None, 0) for terms in empty["licenses"].values())

    def check_all(self) -> None:
        """At the end, every recorded instant again: no later event changed an earlier moment."""
        for number in range(len(self.recorded)):
            self.check(number)
