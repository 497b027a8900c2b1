"""Usage over time: a pool's allocated users and seat commitment, or a customer's users, per day.

Read from the history (``AllocationEvent``) with a constant number of queries, whatever the
number of customers or events: the figures held now, plus the net change of each day (the sum of
``to_value - from_value`` of that day's events, grouped by the day in the portal's time zone);
the series is then walked backwards from today in Python, one step per day. Offboarding records
each figure a customer held going to 0, so an offboarded customer's users leave the pool on the
day it left. ``licenses.history_state.license_state_at`` rebuilds the same figures by folding
every event (tests/services/test_usage.py checks one against the other on every day).

Days before the history is complete (``history_complete_from``: before the license or the
customer existed, or before the baseline of migration 0016) have no figure (``None``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from licenses.choices import (
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    AllocationEventKind,
    what_key,
)
from licenses.history_state import BASELINE_MIGRATION
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense

# Two years and today: the chart's window.
DAYS = 730

_DELTA = F("to_value") - F("from_value")


@dataclass(frozen=True)
class UsageLine:
    """One figure per day: ``values[i]`` is its value at the end of ``days[i]`` (None: no data)."""

    key: str  # "allocated", "commitment", or "pool-<license id>" for a customer's users
    license: VolumeLicense | None
    values: tuple[int | None, ...]


@dataclass(frozen=True)
class UsageSeries:
    """Figures per day over a window, oldest day first."""

    days: tuple[dt.date, ...]
    lines: tuple[UsageLine, ...]
    first_day: dt.date | None  # the first day with figures (None: none in the window)

    def line(self, key: str) -> UsageLine:
        return next(line for line in self.lines if line.key == key)

    @property
    def allocated(self) -> tuple[int | None, ...]:
        return self.line("allocated").values

    @property
    def commitment(self) -> tuple[int | None, ...]:
        return self.line("commitment").values


def day_end(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in the portal's time zone (events at it belong to the day)."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight) - dt.timedelta(microseconds=1)


def _window(days: int, today: dt.date | None) -> tuple[dt.date, ...]:
    today = today or timezone.localdate()
    return tuple(today - dt.timedelta(days=n) for n in range(days, -1, -1))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _walk(
    window: tuple[dt.date, ...], now: int, changes: dict[dt.date, int], first_day: dt.date | None
) -> tuple[int | None, ...]:
    """Each day's end value, from the value now and each day's net change, walking backwards.

    ``changes`` holds the days after the window's first (later days too: events after today's
    end are undone first).
    """
    today = window[-1]
    value = now - sum(change for day, change in changes.items() if day > today)
    values: list[int | None] = []
    for day in reversed(window):
        values.append(value if first_day is not None and day >= first_day else None)
        value -= changes.get(day, 0)
    values.reverse()
    return tuple(values)


def _history_start(events) -> dict:
    """Annotations: the first event of ``events`` (an ``OuterRef`` queryset), when migration 0016
    wrote the baseline, and whether any of ``events`` is a baseline. As
    ``history_state.history_complete_from``: a history with a baseline is complete from when the
    baseline was written, another from its first event. A baseline is dated when its customer or
    license began, before that instant, so only the events up to it are looked at (none, for a
    pool created since: the index answers at once)."""
    app, name = BASELINE_MIGRATION
    applied = MigrationRecorder.Migration.objects.filter(app=app, name=name).values("applied")
    return {
        "first_at": Subquery(events.order_by("at", "id").values("at")[:1]),
        "applied_at": Subquery(applied[:1]),
        "has_baseline": Exists(
            events.filter(kind=AllocationEventKind.BASELINE, at__lte=Subquery(applied[:1]))
        ),
    }


def _first_day(start: dict) -> dt.date | None:
    """The first day with figures: the history is complete from its end."""
    instant = start["applied_at"] if start["has_baseline"] else start["first_at"]
    return None if instant is None else timezone.localtime(instant).date()


def license_usage(
    license: VolumeLicense, *, days: int = DAYS, today: dt.date | None = None
) -> UsageSeries:
    """The pool's allocated users and seat commitment at the end of each of the last ``days``
    days and today. Two queries, whatever the number of customers or events."""
    window = _window(days, today)
    history = _history_start(AllocationEvent.objects.filter(license_id=OuterRef("pk")))
    now = (
        VolumeLicense.objects.filter(pk=license.pk)
        .annotate(**history)
        .values("allocated", "seat_commitment", *history)
        .get()
    )
    allocated_now, commitment_now = now["allocated"], now["seat_commitment"]
    # The users figures of the pool (a customer's tier users on its own pool, its MDR Cloud
    # users on the MDR Cloud pool), not its SAT users; and the pool's own commitment.
    users = Q(customer__isnull=False) & ~Q(what=what_key(SAT_USERS_LABEL))
    commitment = Q(customer__isnull=True, what=what_key(SEAT_COMMITMENT_LABEL))
    rows = (
        AllocationEvent.objects.filter(
            license_id=license.pk,
            from_value__isnull=False,
            at__gte=_day_start(window[0] + dt.timedelta(days=1)),
        )
        .order_by()
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(users=Sum(_DELTA, filter=users), commitment=Sum(_DELTA, filter=commitment))
        .values_list("day", "users", "commitment")
    )
    user_changes, commitment_changes = {}, {}
    for day, user_change, commitment_change in rows:
        user_changes[day] = user_change or 0
        commitment_changes[day] = commitment_change or 0
    first_day = _first_day(now)
    return UsageSeries(
        days=window,
        lines=(
            UsageLine("allocated", license, _walk(window, allocated_now, user_changes, first_day)),
            UsageLine(
                "commitment",
                license,
                _walk(window, commitment_now, commitment_changes, first_day),
            ),
        ),
        first_day=first_day if first_day is not None and first_day <= window[-1] else None,
    )


def customer_usage(
    customer: CustomerAccount, *, days: int = DAYS, today: dt.date | None = None
) -> UsageSeries:
    """The customer's users on each pool it holds or held (its own first, then MDR Cloud) at
    the end of each of the last ``days`` days and today. Three queries (a fourth when a pool it
    left in the window has no allocation row any more)."""
    window = _window(days, today)
    history = _history_start(AllocationEvent.objects.filter(customer_id=OuterRef("pk")))
    start = CustomerAccount.objects.filter(pk=customer.pk).values(**history).get()
    held: dict[int, int] = {}
    pools: dict[int, VolumeLicense] = {}
    for allocation in SeatAllocation.objects.filter(customer_id=customer.pk).select_related(
        "license"
    ):
        held[allocation.license_id] = allocation.seats if allocation.active else 0
        pools[allocation.license_id] = allocation.license
    changes: dict[int, dict[dt.date, int]] = defaultdict(dict)
    rows = (
        AllocationEvent.objects.filter(
            customer_id=customer.pk,
            from_value__isnull=False,
            at__gte=_day_start(window[0] + dt.timedelta(days=1)),
        )
        .exclude(what=what_key(SAT_USERS_LABEL))
        .order_by()
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("license_id", "day")
        .annotate(change=Sum(_DELTA))
        .values_list("license_id", "day", "change")
    )
    for license_id, day, change in rows:
        changes[license_id][day] = change
    # A pool whose allocation row went (MDR Cloud users set to 0) but that changed in the window.
    if missing := set(changes) - set(pools):
        for pool in VolumeLicense.objects.filter(pk__in=missing):
            pools[pool.pk], held[pool.pk] = pool, 0
    first_day = _first_day(start)
    own = customer.license_id
    order = sorted(pools, key=lambda pk: (pk != own, pk))
    return UsageSeries(
        days=window,
        lines=tuple(
            UsageLine(
                f"pool-{pk}", pools[pk], _walk(window, held[pk], changes.get(pk, {}), first_day)
            )
            for pk in order
        ),
        first_day=first_day if first_day is not None and first_day <= window[-1] else None,
    )
