"""Hypothesis drives the seat services at random and checks them against a plain Python model.

After every step: each license's counter equals the model's seats in use and the sum of its active
allocation rows, never above the commitment; every customer's rows match the model; and a service
refused exactly when (and with the field, and for "available" the number) the model says it must.
Each example runs in a savepoint that is rolled back, so it works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from licenses import policy, services
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from lmp.partners.models import Partner
from tests.factories import VolumeLicenseFactory

TIERS = [ServiceTier.COMPLETE, ServiceTier.CORE, ServiceTier.CLOUD]
# Case and white-space variants of a few names, so clashes are frequent.
NAMES = ["Acme Corp", "ACME corp", "  acme   CORP ", "Globex", "globex", "Initech"]
# Mostly valid numbers, sometimes 0 or negative; SAT and cloud users are often none at all.
COUNTS = st.integers(min_value=-1, max_value=20)
SAT = st.one_of(st.just(0), st.integers(min_value=0, max_value=20))
CLOUD = st.one_of(st.just(0), st.integers(min_value=-1, max_value=10))
INDEX = st.integers(min_value=0, max_value=30)
_partners = itertools.count(1)


@dataclass
class Expected:
    """One customer as the model sees it."""

    pk: int
    tier: str
    name: str
    seats: int
    cloud: int = 0
    sat: int = 0
    active: bool = True


def tidy(name: str) -> str:
    return " ".join(name.split())


class SeatMachine(RuleBasedStateMachine):
    """Random onboard / edit / allocate / release / offboard / resize against the model, each
    through the services production calls (the portal, the API and the admin share them)."""

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.partner = Partner.objects.create(name=f"Machine MSP {next(_partners)}")
        self.commitment = {ServiceTier.COMPLETE: 60, ServiceTier.CORE: 40, ServiceTier.CLOUD: 30}
        self.license = {
            tier: VolumeLicenseFactory(partner=self.partner, tier=tier, seat_commitment=seats)
            for tier, seats in self.commitment.items()
        }
        self.customers: list[Expected] = []

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # --- the model ----------------------------------------------------------------------------

    def used(self, tier: str) -> int:
        total = 0
        for c in self.customers:
            if c.active:
                total += c.seats if c.tier == tier else 0
                total += c.cloud if tier == ServiceTier.CLOUD and c.tier != tier else 0
        return total

    def available(self, tier: str, current: int = 0) -> int:
        return self.commitment[tier] - self.used(tier) + current

    def short(self, tier: str, *, field: str, current: int, wanted: int) -> dict | None:
        available = self.available(tier, current)
        if wanted > available:
            unallocated = self.commitment[tier] - self.used(tier)
            return {
                field: policy.available_message(tier=tier, unallocated=unallocated, held=current)
            }
        return None

    def count_error(self, tier: str, tier_users: int, cloud: int, sat: int) -> str | None:
        """The field _validate_counts complains about first, or None (the services' order)."""
        if tier_users < 1:
            return "tier_users"
        if cloud < 0:
            return "cloud_users"
        if sat < 0:
            return "sat_users"
        if tier == ServiceTier.CLOUD and cloud:
            return "cloud_users"
        if sat and tier != ServiceTier.COMPLETE:
            return "sat_users"
        if sat > tier_users:
            return "sat_users"
        return None

    def clash(self, name: str, *, exclude: Expected | None = None) -> dict | None:
        name = tidy(name)
        for c in self.customers:
            if c is not exclude and c.active and c.name.lower() == name.lower():
                return {"legal_name": f"An active customer named “{name}” already exists."}
        return None

    def pick(self, index: int) -> Expected:
        return self.customers[index % len(self.customers)]

    def call(self, expected: dict | str | None, action) -> object:
        """Run ``action``; it must refuse exactly as ``expected`` says (field, message or None)."""
        try:
            result = action()
        except ValidationError as exc:
            errors = (
                exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            )
            assert expected is not None, f"refused {errors}, model says allowed"
            if isinstance(expected, dict):
                ((field, message),) = expected.items()
                assert list(errors) == [field], (errors, expected)
                if message:
                    assert errors[field] == [message]
            else:
                assert list(errors) == [expected], (errors, expected)
            return None
        assert expected is None, f"allowed, model expected a refusal on {expected}"
        return result

    # --- rules --------------------------------------------------------------------------------

    @rule(
        tier=st.sampled_from(TIERS),
        name=st.sampled_from(NAMES),
        tier_users=COUNTS,
        cloud=CLOUD,
        sat=SAT,
    )
    def onboard(self, tier, name, tier_users, cloud, sat):
        expected = self.count_error(tier, tier_users, cloud, sat) or (
            self.short(tier, field="tier_users", current=0, wanted=tier_users)
            or (
                cloud
                and self.short(ServiceTier.CLOUD, field="cloud_users", current=0, wanted=cloud)
            )
            or self.clash(name)
        )
        customer = self.call(
            expected,
            lambda: services.customer_create(
                partner=self.partner,
                license=self.license[tier],
                legal_name=name,
                admin_email="it@machine.example",
                tier_users=tier_users,
                cloud_users=cloud,
                sat_users=sat,
            ),
        )
        if customer is not None:
            self.customers.append(Expected(customer.pk, tier, tidy(name), tier_users, cloud, sat))

    @precondition(lambda self: self.customers)
    @rule(
        index=INDEX,
        rename=st.sampled_from([None, None, *NAMES]),
        tier_users=COUNTS,
        cloud=CLOUD,
        sat=SAT,
    )
    def edit(self, index, rename, tier_users, cloud, sat):
        c = self.pick(index)
        name = c.name if rename is None else rename
        if not c.active:
            expected = NON_FIELD_ERRORS
        else:
            expected = self.count_error(c.tier, tier_users, cloud, sat) or (
                self.short(c.tier, field="tier_users", current=c.seats, wanted=tier_users)
                or (
                    cloud
                    and self.short(
                        ServiceTier.CLOUD, field="cloud_users", current=c.cloud, wanted=cloud
                    )
                )
                or self.clash(name, exclude=c)
            )
        customer = CustomerAccount.objects.get(pk=c.pk)
        done = self.call(
            expected,
            lambda: services.customer_update(
                customer=customer,
                legal_name=name,
                tier_users=tier_users,
                cloud_users=cloud,
                sat_users=sat,
            ),
        )
        if done is not None:
            c.name, c.seats, c.cloud, c.sat = tidy(name), tier_users, cloud, sat

    @precondition(lambda self: self.customers)
    @rule(index=INDEX, seats=COUNTS, sat=SAT)
    def allocate(self, index, seats, sat):
        """Only the tier and SAT users change (name and cloud users as they are): the Edit page's
        most common write."""
        c = self.pick(index)
        if not c.active:
            expected = NON_FIELD_ERRORS
        else:
            # The cloud users kept always fit: the customer holds them already.
            expected = self.count_error(c.tier, seats, c.cloud, sat) or self.short(
                c.tier, field="tier_users", current=c.seats, wanted=seats
            )
        customer = CustomerAccount.objects.get(pk=c.pk)
        done = self.call(
            expected,
            lambda: services.customer_update(
                customer=customer,
                legal_name=c.name,
                tier_users=seats,
                cloud_users=c.cloud,
                sat_users=sat,
            ),
        )
        if done is not None:
            c.seats, c.sat = seats, sat

    @precondition(lambda self: self.customers)
    @rule(index=INDEX)
    def release_cloud(self, index):
        """The customer's MDR Cloud users go back to the pool, the rest as it is."""
        c = self.pick(index)
        expected = NON_FIELD_ERRORS if not c.active else None
        customer = CustomerAccount.objects.get(pk=c.pk)
        done = self.call(
            expected,
            lambda: services.customer_update(
                customer=customer,
                legal_name=c.name,
                tier_users=c.seats,
                cloud_users=0,
                sat_users=c.sat,
            ),
        )
        if done is not None:
            c.cloud = 0

    @precondition(lambda self: self.customers)
    @rule(index=INDEX)
    def offboard(self, index):
        c = self.pick(index)
        customer = CustomerAccount.objects.get(pk=c.pk)
        released = self.call(
            None if c.active else NON_FIELD_ERRORS,
            lambda: services.customer_offboard(customer=customer),
        )
        if released is not None:
            expected = {c.tier: c.seats}
            if c.cloud:
                expected[ServiceTier.CLOUD] = c.cloud
            assert {lic.tier: seats for lic, seats in released.items()} == expected
            c.active = False

    @rule(tier=st.sampled_from(TIERS), delta=st.integers(min_value=-3, max_value=15))
    def resize(self, tier, delta):
        # Around what is in use, so shrinking to the edge (and one below it) is common.
        seats = self.used(tier) + delta
        if seats < 0:
            expected = "seat_commitment"
        elif seats < self.used(tier):
            used = self.used(tier)
            expected = {"seat_commitment": services.commitment_message(allocated=used)}
        else:
            expected = None
        done = self.call(
            expected,
            lambda: services.license_commitment_set(
                license=self.license[tier], seat_commitment=seats
            ),
        )
        if done is not None:
            self.commitment[tier] = seats

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def database_matches_the_model(self):
        allocations = list(
            SeatAllocation.objects.filter(license__partner=self.partner).values_list(
                "customer_id", "license_id", "seats", "sat_users", "active"
            )
        )
        pools = VolumeLicense.objects.filter(partner=self.partner).values_list(
            "tier", "allocated", "seat_commitment"
        )
        for tier, allocated, commitment in pools:
            license_id = self.license[tier].pk
            rows = sum(
                seats for _, lic, seats, _, active in allocations if lic == license_id and active
            )
            assert allocated == rows == self.used(tier), tier
            assert 0 <= allocated <= commitment == self.commitment[tier], tier

        expected = {}
        for c in self.customers:
            expected[(c.pk, self.license[c.tier].pk)] = (c.seats, c.sat, c.active)
            if c.cloud:
                expected[(c.pk, self.license[ServiceTier.CLOUD].pk)] = (c.cloud, 0, c.active)
        assert {
            (cu, lic): (seats, sat, active) for cu, lic, seats, sat, active in allocations
        } == expected

        customers = CustomerAccount.objects.filter(partner=self.partner)
        assert {
            pk: (name, status)
            for pk, name, status in customers.values_list("pk", "legal_name", "status")
        } == {
            c.pk: (c.name, CustomerStatus.ACTIVE if c.active else CustomerStatus.OFFBOARDED)
            for c in self.customers
        }


@pytest.mark.django_db
def test_seat_services_agree_with_the_model():
    run_state_machine_as_test(
        SeatMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            database=None,  # no .hypothesis/ directory in the checkout
            # Shrinking a failing run can take minutes; the unshrunk steps are printed anyway.
            # Add Phase.shrink locally (with --hypothesis-seed) to get a minimal example.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_the_machine_notices_a_wrong_refusal():
    """The model check is not vacuous: a service that refuses what the model allows fails it."""
    machine = SeatMachine.__new__(SeatMachine)

    def refuses():
        raise ValidationError({"tier_users": "nope"})

    with pytest.raises(AssertionError):
        machine.call(None, refuses)
    with pytest.raises(AssertionError):
        machine.call("cloud_users", refuses)
    with pytest.raises(AssertionError):
        machine.call("tier_users", lambda: object())
    assert machine.call("tier_users", refuses) is None
