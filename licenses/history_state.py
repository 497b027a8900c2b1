"""A license as it stood at any past instant, rebuilt from its history (``AllocationEvent``) alone.

Every change to a pool or a customer is an event with its value before and after (the services
write it in the same transaction as the change; migration 0016 added a baseline for what existed
before), so folding a license's events in order up to an instant gives its state at that instant:
its seat commitment, price per user and renewal date, and each customer's users on each pool,
status and legal name. The current rows are not read (only the customer's own license, which never
changes, to tell its tier users from its MDR Cloud users), so the result is what was live then.

One query: the license's own events and every event of the customers that ever had one on it,
ordered by time (a baseline before a change at the same instant), folded in Python. The answer
does not depend on how many times the page asks: ``license_state_at`` costs one query whatever
the number of customers or events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Case, IntegerField, Q, Value, When

from licenses.choices import (
    LEGAL_NAME_LABEL,
    PRICE_LABEL,
    RENEWAL_LABEL,
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    STATUS_LABEL,
    AllocationEventKind,
    CustomerStatus,
    what_key,
)
from licenses.models import AllocationEvent, VolumeLicense

# The migration that wrote the baseline: history is complete from when it was applied.
BASELINE_MIGRATION = ("licenses", "0016_history_baseline")


@dataclass(frozen=True)
class CustomerState:
    """One customer at an instant: its users on each pool, its status and legal name."""

    customer_id: int
    license_id: int  # its own pool, where its tier (and SAT) users are
    legal_name: str
    status: str
    tier_users: int
    cloud_users: int
    sat_users: int

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE


@dataclass(frozen=True)
class LicenseState:
    """One license at an instant; ``seat_commitment`` None: it did not exist yet."""

    license_id: int
    at: dt.datetime
    seat_commitment: int | None
    price_per_user: Decimal | None
    renewal_date: dt.date | None
    customers: dict[int, CustomerState] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.seat_commitment is not None

    @property
    def allocated(self) -> int:
        """The users the active customers held on this pool."""
        total = 0
        for c in self.customers.values():
            if c.is_active:
                total += c.tier_users if c.license_id == self.license_id else c.cloud_users
        return total


@cache
def _whats() -> dict[str, str]:
    """The stored "what" of each figure (English), by figure."""
    return {
        what_key(label): name
        for label, name in (
            (SEAT_COMMITMENT_LABEL, "commitment"),
            (PRICE_LABEL, "price"),
            (RENEWAL_LABEL, "renewal"),
            (LEGAL_NAME_LABEL, "name"),
            (STATUS_LABEL, "status"),
            (SAT_USERS_LABEL, "sat"),
        )
    }


def _events(license: VolumeLicense):
    """The license's own events and all events of the customers that ever had one on it."""
    holders = AllocationEvent.objects.filter(
        license_id=license.pk, customer_id__isnull=False
    ).values("customer_id")
    return AllocationEvent.objects.filter(
        Q(license_id=license.pk, customer_id__isnull=True) | Q(customer_id__in=holders)
    )


def baseline_first() -> Case:
    """The fold's order at one instant: 0 for a baseline, 1 for a change, so a baseline is applied
    before a change made at the same instant (every reader of the history orders by it)."""
    return Case(
        When(kind=AllocationEventKind.BASELINE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def license_state_at(license: VolumeLicense, instant: dt.datetime) -> LicenseState:
    """The license as it stood at ``instant`` (events at that very instant included).

    One query, folded in Python. A customer belongs to the state from its first event on this
    license (its onboarding, or, on an MDR Cloud pool, its first MDR Cloud users); an offboarded
    customer holds nothing (its allocations left the pools).
    """
    rows = (
        _events(license)
        .filter(at__lte=instant)
        .order_by("at", baseline_first(), "id")
        .values_list(
            "customer_id",
            "customer__license_id",
            "license_id",
            "what",
            "to_value",
            "to_text",
        )
    )
    whats = _whats()
    terms: dict[str, object] = {"commitment": None, "price": None, "renewal": None}
    customers: dict[int, dict] = {}
    on_pool: set[int] = set()
    for customer_id, own_license_id, license_id, what, to_value, to_text in rows:
        figure = whats.get(what)
        if customer_id is None:
            if terms["commitment"] is None:
                terms["commitment"] = 0  # the license exists from its first event
            if figure == "commitment":
                terms["commitment"] = to_value
            elif figure == "price":
                terms["price"] = Decimal(to_text) if to_text else None
            elif figure == "renewal":
                terms["renewal"] = dt.date.fromisoformat(to_text) if to_text else None
            continue
        if license_id == license.pk:
            on_pool.add(customer_id)
        state = customers.setdefault(
            customer_id,
            {
                "license_id": own_license_id,
                "legal_name": "",
                "status": CustomerStatus.ACTIVE,
                "tier_users": 0,
                "cloud_users": 0,
                "sat_users": 0,
            },
        )
        if figure == "name":
            state["legal_name"] = to_text
        elif figure == "status":
            state["status"] = to_text
            if to_text == CustomerStatus.OFFBOARDED:
                # Its allocations left the pools (older histories did not zero SAT users).
                state.update(tier_users=0, cloud_users=0, sat_users=0)
        elif figure == "sat":
            state["sat_users"] = to_value
        elif to_value is not None:
            # A tier's users: on its own pool its tier users, on the MDR Cloud pool its cloud users.
            key = "tier_users" if license_id == own_license_id else "cloud_users"
            state[key] = to_value
    return LicenseState(
        license_id=license.pk,
        at=instant,
        seat_commitment=terms["commitment"],
        price_per_user=terms["price"],
        renewal_date=terms["renewal"],
        customers={
            pk: CustomerState(customer_id=pk, **state)
            for pk, state in customers.items()
            if pk in on_pool or state["license_id"] == license.pk
        },
    )


def history_complete_from(license: VolumeLicense) -> dt.datetime | None:
    """The instant from which the license's rebuilt state is exact (None: no history yet).

    A license that existed before the history recorded everything got a baseline (migration
    0016, dated when it and each customer began, with what they held then): before that
    migration ran, its state is the baseline's best reconstruction, so it is complete from then.
    A license created since is complete from its first event.

    Read from the license's own events (its terms; the baseline gave every license one), which the
    (license, at) index serves: at most three short queries whatever the license's size. The
    license page, its page as of a date, the usage chart and the seat forecast all ask this.
    """
    own = AllocationEvent.objects.filter(license_id=license.pk, customer__isnull=True)
    first = own.order_by("at", "id").values_list("at", flat=True).first()
    if first is None:
        return None
    if own.filter(kind=AllocationEventKind.BASELINE).exists():
        applied = _baseline_applied()
        if applied is not None:
            return applied
    return first


def _baseline_applied() -> dt.datetime | None:
    """When the baseline migration ran (None: not applied)."""
    app, name = BASELINE_MIGRATION
    return (
        MigrationRecorder.Migration.objects.filter(app=app, name=name)
        .values_list("applied", flat=True)
        .first()
    )
