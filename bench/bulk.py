"""Bulk edit: N changes applied in one call (set-based, one lock per pool) against N
``customer_update`` calls in a loop (what a script without the batch would do)."""

from __future__ import annotations

import time

from bench.common import Row, bulk_customers, make_partner_with_license


def _pool(count: int):
    from licenses.models import CustomerAccount

    _, license, _ = make_partner_with_license(seats=10 * count)
    bulk_customers(license=license, count=count)
    customers = list(CustomerAccount.objects.filter(license=license).order_by("pk"))
    return license, customers


def _figures(license) -> tuple[int, bool]:
    """(seats oversold, counter == Σ active allocations)."""
    from django.db.models import Sum

    license.refresh_from_db()
    rows = license.allocations.filter(active=True).aggregate(n=Sum("seats"))["n"] or 0
    return max(0, license.allocated - license.seat_commitment), rows == license.allocated


def run(*, changes: int) -> list[Row]:
    from licenses import services
    from licenses.services.bulk import BulkChange, BulkRefused, customers_bulk_update

    loop_license, loop_customers = _pool(changes)
    start = time.perf_counter()
    for customer in loop_customers:
        services.customer_update(customer=customer, legal_name=None, tier_users=6)
    loop_elapsed = time.perf_counter() - start

    license, customers = _pool(changes)
    rows = [BulkChange(c.pk, tier_users=6, row=i) for i, c in enumerate(customers)]
    start = time.perf_counter()
    result = customers_bulk_update(
        partner=license.partner, license=license, actor=None, changes=rows
    )
    bulk_elapsed = time.perf_counter() - start
    applied = len(result.changed)

    # Then a set that needs more than the pool has: refused whole, nothing oversold.
    license.refresh_from_db()
    over = [BulkChange(c.pk, tier_users=11, row=i) for i, c in enumerate(customers)]
    license.seat_commitment = license.allocated + changes  # room for 1 more each, 5 asked
    license.save(update_fields=["seat_commitment"])
    try:
        customers_bulk_update(partner=license.partner, license=license, actor=None, changes=over)
        refused = False
    except BulkRefused:
        refused = True
    oversold, consistent = _figures(license)
    loop_oversold, loop_consistent = _figures(loop_license)
    return [
        Row(
            f"bulk edit: {changes:,} changes in one call vs {changes:,} customer_update calls",
            bulk_elapsed,
            loop_elapsed,
            "s",
            "≤ 0.2×",
            bulk_elapsed <= 0.2 * loop_elapsed and applied == changes,
            note=f"{applied:,} applied; {changes / bulk_elapsed:,.0f} changes/s",
        ),
        Row(
            "bulk edit: seats oversold (bulk / loop)",
            oversold,
            loop_oversold,
            "",
            "0",
            oversold == 0 and loop_oversold == 0 and consistent and loop_consistent and refused,
            note=f"a set beyond the pool refused whole: {refused}; counter == Σ allocations: "
            f"{consistent and loop_consistent}",
        ),
    ]
