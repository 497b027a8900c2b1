"""The seat forecast of a pool with many changes in its last 90 days: its queries and its time."""

from __future__ import annotations

import datetime as dt
import random

from bench.common import Row, bulk_customers, interleaved_medians, make_partner_with_license


def _pool_with_changes(changes: int):
    """A Complete pool whose history began 200 days ago, with one users event per customer
    spread over the last 89 days (in the shape the services write: 0 → 5)."""
    from django.db import connection
    from django.utils import timezone

    from licenses.choices import AllocationEventKind, what_key
    from licenses.models import AllocationEvent, CustomerAccount

    # Three times what they hold: at their pace, the users run out in 180 days.
    _, license, _ = make_partner_with_license(seats=15 * changes)
    bulk_customers(license=license, count=changes)
    now = timezone.now()
    rng = random.Random(changes)
    what = what_key(license.users_label)
    AllocationEvent.objects.create(
        license=license,
        kind=AllocationEventKind.TERMS_CHANGED,
        what="Renewal date",
        from_text="",
        to_text=license.renewal_date.isoformat(),
        at=now - dt.timedelta(days=200),
    )
    ids = CustomerAccount.objects.filter(license=license).values_list("pk", flat=True)
    events = (
        AllocationEvent(
            license=license,
            customer_id=pk,
            kind=AllocationEventKind.ONBOARDED,
            what=what,
            from_value=0,
            to_value=5,
            at=now - dt.timedelta(seconds=rng.randrange(89 * 24 * 3600)),
        )
        for pk in ids.iterator()
    )
    AllocationEvent.objects.bulk_create(events, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE licenses_allocationevent")
    license.refresh_from_db()
    return license


def run(*, sizes: tuple[int, int], repeat: int) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from licenses.forecast import RUNS_OUT, seat_forecast

    small, large = sizes
    pools = {n: _pool_with_changes(n) for n in sizes}
    queries = {}
    for n, license in pools.items():
        with CaptureQueriesContext(connection) as captured:
            forecast = seat_forecast(license)
        assert forecast.status == RUNS_OUT and forecast.net_users == 5 * n, forecast
        queries[n] = len(captured)
    times = interleaved_medians(
        {n: (lambda license=license: seat_forecast(license)) for n, license in pools.items()},
        repeat=repeat,
    )
    return [
        Row(
            f"seat forecast queries, {small:,} → {large:,} changes in 90 days",
            queries[large],
            queries[small],
            "q",
            "≤ 4, constant",
            queries[large] == queries[small] <= 4,
        ),
        Row(
            f"seat forecast time, {large:,} vs {small:,} changes in 90 days",
            times[large],
            times[small],
            "ms",
            "reported",
            None,
        ),
    ]
