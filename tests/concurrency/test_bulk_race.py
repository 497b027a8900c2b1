"""Two bulk edits of one pool applied at once, from two real processes: nothing is oversold.

Each process applies its own set of changes to the same pool; together they need more seats
than are unallocated, each alone fits. The pool lock makes the second one check the pool as the
first left it: exactly one applies, the other is refused whole with the set's message, and the
pool's counter equals its active allocations, within its commitment.
"""

from __future__ import annotations

import multiprocessing

import pytest
from django.db import connection, connections
from django.db.models import Sum

from licenses.choices import ServiceTier
from licenses.models import AllocationEvent, SeatAllocation, VolumeLicense
from tests.factories import PartnerFactory, VolumeLicenseFactory
from tests.helpers.customers import bulk_customers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ROUNDS = 3
TIMEOUT = 60


def _apply(license_id: int, customer_ids: list[int], seats: int, barrier, queue) -> None:
    """In a child process: one bulk edit, started with the other at the barrier."""
    from licenses.services.bulk import BulkChange, BulkRefused, customers_bulk_update

    connections.close_all()  # the parent's connection is not ours to share
    license = VolumeLicense.objects.get(pk=license_id)
    changes = [BulkChange(pk, tier_users=seats, row=i) for i, pk in enumerate(customer_ids)]
    connection.ensure_connection()
    barrier.wait(TIMEOUT)
    try:
        result = customers_bulk_update(
            partner=license.partner, license=license, actor=None, changes=changes
        )
        queue.put(("applied", len(result.changed)))
    except BulkRefused as refused:
        queue.put(("refused", [r.message for r in refused.result.refusals]))
    except BaseException as exc:  # noqa: BLE001 — reported to the test
        queue.put(("error", repr(exc)))
    finally:
        connections.close_all()


def pool_figures(license: VolumeLicense) -> tuple[int, int, int]:
    license.refresh_from_db()
    rows = license.allocations.filter(active=True).aggregate(n=Sum("seats"))["n"] or 0
    return license.allocated, rows, license.seat_commitment


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_processes_applying_at_once_oversell_nothing(round_, record_property):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    partner = PartnerFactory(name=f"Bulk Racers {round_}")
    pool = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=300)
    customers = bulk_customers(pool, 20, seats=10)  # 200 of 300: 100 unallocated
    ids = [c.pk for c in customers]
    # Each wants +60 (10 customers 10 → 16): one fits, both would need 120.
    halves = [ids[:10], ids[10:]]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_apply, args=(pool.pk, half, 16, barrier, queue)) for half in halves
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=TIMEOUT) for _ in processes]
    for process in processes:
        process.join(TIMEOUT)
        assert process.exitcode == 0
    outcomes = sorted(kind for kind, _ in results)
    record_property("bulk_race", f"round {round_}: {results}")
    assert outcomes == ["applied", "refused"], results
    (refusal,) = next(value for kind, value in results if kind == "refused")
    assert refusal == (
        "Together these changes need 60 MDR Complete users more than the pool has: "
        "only 40 are unallocated."
    )
    allocated, rows, commitment = pool_figures(pool)
    assert allocated == rows == 260 <= commitment
    assert SeatAllocation.objects.filter(license=pool, seats=16).count() == 10
    assert AllocationEvent.objects.filter(license=pool, kind="edited").count() == 10
