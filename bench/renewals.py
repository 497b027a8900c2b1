"""The renewals job: changes planned for a renewal date, applied by ``renewals_apply``."""

from __future__ import annotations

import time

from bench.common import Row, make_partner_with_license


def _due(count: int):
    """``count`` partners, each with an Administrator (it gets the e-mail) and a change planned
    for its license's renewal; returns the renewal date they are all due on."""
    from licenses.services import commitment_change_schedule
    from lmp.partners.models import Membership

    renewal = None
    for _ in range(count):
        partner, license, user = make_partner_with_license(seats=1_000)
        user.email = f"{user.username}@bench.example"
        user.save(update_fields=["email"])
        Membership.objects.filter(partner=partner).update(role="administrator")
        commitment_change_schedule(actor=None, partner=partner, license=license, new_commitment=900)
        renewal = license.renewal_date
    return renewal


def _apply(count: int) -> tuple[float, float]:
    """Queries and milliseconds per change, applying ``count`` due changes in one run."""
    from django.db import connection

    from licenses.services import commitment_changes_apply

    renewal = _due(count)
    executed = 0

    def counter(execute, sql, params, many, context):
        # Counted, not captured: Django's query log keeps the last 9,000 only.
        nonlocal executed
        executed += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        report = commitment_changes_apply(today=renewal)
        took = (time.perf_counter() - started) * 1000
    assert report.applied == count, report
    return executed / count, took / count


def run(*, small: int, large: int) -> list[Row]:
    small_queries, small_ms = _apply(small)
    large_queries, large_ms = _apply(large)
    return [
        Row(
            f"renewals_apply queries per change, {large:,} vs {small:,} due",
            large_queries,
            small_queries,
            "q",
            "constant (±1 listing query)",
            abs(large_queries - small_queries) < 1,
        ),
        Row(
            f"renewals_apply time per change, {large:,} vs {small:,} due",
            large_ms,
            small_ms,
            "ms",
            "reported",
            None,
        ),
    ]
