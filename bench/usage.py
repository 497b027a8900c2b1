"""Usage over time: the license page's chart data (licenses.usage) for 24 months of a big pool.

Each customer of the pool gets a history spread over the last two years (onboarded with 3
users, raised to 5 later: two events each), written with ``bulk_create``; the pool's own
creation is 800 days old. The series is read for the big pool and for a small one built the same
way: the queries must be the same, the time is reported (the database sums each day's changes;
Python walks 731 days).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import Row, bulk_customers, interleaved_medians, make_partner_with_license

SEATS = 5
BATCH = 5000


def _history(license, *, seed: int) -> int:
    """Two events per customer over the last 730 days, and the pool's own; returns how many."""
    from django.utils import timezone

    from licenses.choices import (
        SEAT_COMMITMENT_LABEL,
        AllocationEventKind,
        AllocationEventSource,
        what_key,
    )
    from licenses.models import AllocationEvent

    rng = random.Random(seed)
    now = timezone.now()
    users = what_key(license.users_label)
    AllocationEvent.objects.create(
        license=license,
        kind=AllocationEventKind.COMMITMENT_CHANGED,
        source=AllocationEventSource.SYSTEM,
        what=what_key(SEAT_COMMITMENT_LABEL),
        from_value=0,
        to_value=license.seat_commitment,
        at=now - dt.timedelta(days=800),
    )
    made = 1
    ids = list(license.customers.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        events = []
        for pk in ids[start : start + BATCH]:
            onboarded = now - dt.timedelta(seconds=rng.randrange(730 * 86400))
            raised = onboarded + (now - onboarded) * rng.random()
            for at, before, after, kind in (
                (onboarded, 0, 3, AllocationEventKind.ONBOARDED),
                (raised, 3, SEATS, AllocationEventKind.EDITED),
            ):
                events.append(
                    AllocationEvent(
                        license=license,
                        customer_id=pk,
                        kind=kind,
                        source=AllocationEventSource.SYSTEM,
                        what=users,
                        from_value=before,
                        to_value=after,
                        at=at,
                    )
                )
        AllocationEvent.objects.bulk_create(events, batch_size=BATCH)
        made += len(events)
    return made


def _pool(customers: int, seed: int):
    _, license, _ = make_partner_with_license(seats=10**9)
    bulk_customers(license=license, count=customers, seats=SEATS)
    events = _history(license, seed=seed)
    license.refresh_from_db()
    return license, events


def run(*, big: int, small: int, repeat: int) -> list[Row]:
    from django.db.migrations.recorder import MigrationRecorder
    from django.utils import timezone

    from licenses.charts import license_usage_chart
    from licenses.history_state import BASELINE_MIGRATION
    from licenses.usage import license_usage

    # The history began before these pools' two years: in this fresh database the baseline
    # migration ran a moment ago, which would date every backdated event before it (a state real
    # data cannot be in: events are recorded as they happen, after it).
    app, name = BASELINE_MIGRATION
    MigrationRecorder.Migration.objects.filter(app=app, name=name).update(
        applied=timezone.now() - dt.timedelta(days=1000)
    )
    pools = {size: _pool(size, seed=size) for size in (small, big)}
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE licenses_allocationevent")
        cur.execute("VACUUM ANALYZE licenses_customeraccount")
    queries = {}
    for size, (license, _) in pools.items():
        with CaptureQueriesContext(connection) as captured:
            series = license_usage(license)
        queries[size] = len(captured)
        # The walk ends on the figures held now, and starts from nothing 800 days ago.
        assert series.allocated[-1] == size * SEATS == license.allocated, series.allocated[-1]
    times = interleaved_medians(
        {size: (lambda lic=license: license_usage(lic)) for size, (license, _) in pools.items()},
        repeat=repeat,
    )
    big_license, big_events = pools[big]
    chart = interleaved_medians(
        {
            "chart": lambda: (
                license_usage_chart(license_usage(big_license), license=big_license).lines
            )
        },
        repeat=repeat,
    )["chart"]
    return [
        Row(
            f"usage series queries, {big:,} vs {small:,} customers",
            queries[big],
            queries[small],
            "q",
            "equal",
            queries[big] == queries[small],
        ),
        Row(
            f"usage series time, 24 months of {big:,} customers ({big_events:,} events) "
            f"vs {small:,}",
            times[big],
            times[small],
            "ms",
            "reported",
            None,
        ),
        Row(
            f"usage chart (series and drawing), {big:,} customers",
            chart,
            times[big],
            "ms",
            "reported",
            None,
        ),
    ]
