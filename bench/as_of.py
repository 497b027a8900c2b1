"""The license page as of a past date vs the live page, on one license with months of history."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.common import Row, interleaved_medians
from bench.data import client_for, license_with

BATCH = 5000


def history_add(*, license, months: int) -> int:
    """``months`` of history for every customer of ``license``: its onboarding (legal name and
    users) spread over the months, an edit of its users every quarter since, a rename for one in
    ten, and the license's own terms at the start. Bulk inserts, as the services would have
    written them; returns the events written."""
    from licenses.choices import TIER_USERS_LABELS, AllocationEventKind
    from licenses.models import AllocationEvent

    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=30 * months)
    users_what = TIER_USERS_LABELS[license.tier]
    opening = [
        AllocationEvent(
            license=license,
            at=start - dt.timedelta(days=1),
            kind=AllocationEventKind.COMMITMENT_CHANGED,
            what="Seat commitment",
            from_value=0,
            to_value=license.seat_commitment,
        ),
        *(
            AllocationEvent(
                license=license,
                at=start - dt.timedelta(days=1),
                kind=AllocationEventKind.TERMS_CHANGED,
                what=what,
                to_text=text,
            )
            for what, text in (
                ("Price per user per month", str(license.price_per_user)),
                ("Renewal date", license.renewal_date.isoformat()),
            )
        ),
    ]
    AllocationEvent.objects.bulk_create(opening)
    written = len(opening)
    days = 30 * months
    batch: list[AllocationEvent] = []
    customers = license.customers.order_by("pk").values_list("pk", "legal_name")
    for n, (pk, name) in enumerate(customers.iterator(chunk_size=BATCH)):
        onboarded = start + dt.timedelta(days=n % days, minutes=n % 1440)
        batch += [
            AllocationEvent(
                license=license,
                customer_id=pk,
                at=onboarded,
                kind=AllocationEventKind.ONBOARDED,
                what="Legal name",
                to_text=f"{name} (then)" if n % 10 == 0 else name,
            ),
            AllocationEvent(
                license=license,
                customer_id=pk,
                at=onboarded,
                kind=AllocationEventKind.ONBOARDED,
                what=users_what,
                from_value=0,
                to_value=1,
            ),
        ]
        users, at = 1, onboarded + dt.timedelta(days=90)
        while at < now:
            batch.append(
                AllocationEvent(
                    license=license,
                    customer_id=pk,
                    at=at,
                    kind=AllocationEventKind.EDITED,
                    what=users_what,
                    from_value=users,
                    to_value=users + 1,
                )
            )
            users, at = users + 1, at + dt.timedelta(days=90)
        if n % 10 == 0:
            batch.append(
                AllocationEvent(
                    license=license,
                    customer_id=pk,
                    at=onboarded + dt.timedelta(days=1),
                    kind=AllocationEventKind.EDITED,
                    what="Legal name",
                    from_text=f"{name} (then)",
                    to_text=name,
                )
            )
        if len(batch) >= BATCH:
            AllocationEvent.objects.bulk_create(batch)
            written, batch = written + len(batch), []
    AllocationEvent.objects.bulk_create(batch)
    written += len(batch)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE licenses_allocationevent")
    return written


def run(*, customers: int, months: int, repeat: int) -> list[Row]:
    license, user = license_with(customers)
    started = time.perf_counter()
    events = history_add(license=license, months=months)
    print(
        f"  {events:,} events of {months} months in {time.perf_counter() - started:,.1f} s",
        flush=True,
    )
    client = client_for(user)
    url = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    # Half-way through the history: about half the customers were onboarded by then.
    day = (dt.date.today() - dt.timedelta(days=15 * months)).isoformat()

    def get(path: str, **headers):
        def fetch():
            response = client.get(path, **headers)
            assert response.status_code == 200, response.status_code
            return response

        return fetch

    pages = {
        "live": get(url),
        "as_of": get(f"{url}?as_of={day}"),
        "as_of_search": get(f"{url}?as_of={day}&q=0000123", HTTP_HX_REQUEST="true"),
        "as_of_sorted": get(f"{url}?as_of={day}&sort=-license_users"),
    }
    assert "read-only" in pages["as_of"]().content.decode()
    queries = {}
    for name in ("live", "as_of"):
        with CaptureQueriesContext(connection) as captured:
            pages[name]()
        queries[name] = len(captured)
    small, _small_user = license_with(10)
    history_add(license=small, months=months)
    small_url = reverse("licenses:license_detail", kwargs={"pk": small.pk})
    small_client = client_for(_small_user)
    with CaptureQueriesContext(connection) as captured:
        assert small_client.get(f"{small_url}?as_of={day}").status_code == 200
    queries["small"] = len(captured)
    times = interleaved_medians(pages, repeat=repeat)
    size = f"{customers:,} customers, {months} months"
    return [
        Row(
            f"license page as of a date, queries: 10 customers → {size}",
            queries["as_of"],
            queries["small"],
            "q",
            "constant",
            queries["as_of"] == queries["small"],
        ),
        Row(
            f"license page as of a date vs live, {size}",
            times["as_of"],
            times["live"],
            "ms",
            "ratio ≤ 2",
            times["as_of"] / times["live"] <= 2,
        ),
        Row(
            f"as of a date: search as you type vs live page, {size}",
            times["as_of_search"],
            times["live"],
            "ms",
            "reported",
            None,
        ),
        Row(
            f"as of a date: sorted by users vs live page, {size}",
            times["as_of_sorted"],
            times["live"],
            "ms",
            "reported",
            None,
        ),
    ]
