"""Pool locks and pool writes: how a seat write stays correct and fast on a hot pool.

Seat writes follow the "conditional UPDATE" pattern. Each service reads and validates everything
it can *before* touching a pool (so refusals a partner can fix come with a precise message and
without waiting on anyone), then writes the allocation rows in license primary-key order. The
allocation trigger's ``UPDATE licenses_volumelicense SET allocated = allocated + delta`` takes the
license row lock and the CHECK ``allocated <= seat_commitment`` refuses an oversell against the
latest committed counter, exactly like ``UPDATE ... WHERE allocated + n <= total``. The pool row is
therefore locked only from that UPDATE to COMMIT, not for the whole request.

When the database refuses (another request took the seats between our read and our write) the
transaction rolls back and ``pool_write`` re-reads the pool and raises the same "Only N ...
available" message; if the seats were freed again meanwhile it simply retries once.

Lock order, to rule out deadlocks: the customer row first (edits of one customer queue up), then
license rows in primary-key order (``allocations_write`` sorts; ``licenses_lock`` sorts).
Commitment changes lock only the license row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from licenses.policy import allowance
from licenses.services.validation import RELATIONS

P = ParamSpec("P")
R = TypeVar("R")


def licenses_lock(*, license_ids: Iterable[int]) -> dict[int, VolumeLicense]:
    """Lock the given license rows in primary-key order and return fresh copies by id."""
    ids = sorted({i for i in license_ids if i is not None})
    locked = VolumeLicense.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {lic.pk: lic for lic in locked}


def customer_lock(customer: CustomerAccount) -> CustomerAccount:
    """Lock the customer row (not its license: pools are locked by the writes, in order)."""
    return CustomerAccount.objects.select_for_update().order_by().get(pk=customer.pk)


class PoolRefused(Exception):
    """The database refused an allocation write on a pool (its CHECK); carries what to re-read."""

    def __init__(self, *, license_id: int, field: str, current: int, wanted: int) -> None:
        super().__init__(license_id)
        self.license_id, self.field, self.current, self.wanted = license_id, field, current, wanted


def pool_write(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in a transaction; turn a pool the database refused into the partner's message.

    The refusal has already rolled the transaction (or savepoint) back, so the pool can be read
    again here. If it now has room (seats were released meanwhile) the write is tried once more.
    """
    atomic_func = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(2):
            try:
                return atomic_func(*args, **kwargs)
            except PoolRefused as refused:
                pool = VolumeLicense.objects.order_by().get(pk=refused.license_id)
                room = allowance(license=pool, held=refused.current, field=refused.field)
                if refused.wanted > room.available or attempt == 1:
                    raise room.error() from refused
        raise AssertionError("unreachable")

    return wrapper


def pools_read(*, license_id: int, partner_id: int) -> tuple[VolumeLicense, VolumeLicense | None]:
    """Fresh (unlocked) copies of a license and the MDR Cloud pool its customers draw on."""
    # order_by(): the model's default ordering would join the partner table on this hot path.
    pools = {
        p.pk: p
        for p in VolumeLicense.objects.filter(
            Q(pk=license_id) | Q(partner_id=partner_id, tier=ServiceTier.CLOUD)
        ).order_by()
    }
    fresh = pools.pop(license_id)
    if fresh.tier == ServiceTier.CLOUD:
        return fresh, None
    return fresh, next(iter(pools.values()), None)


def allocations_read(
    *, customer: CustomerAccount
) -> tuple[SeatAllocation | None, SeatAllocation | None]:
    """The customer's allocations on its own pool and on MDR Cloud, each with its pool.

    Call it after ``customer_lock``, as a statement of its own. On PostgreSQL a statement reads
    what had committed when it began, so rows joined into the locking SELECT would be those from
    before it waited for the lock: it would miss what an edit of the same customer that held the
    lock wrote (new seat figures, a cloud allocation added or removed).
    """
    # order_by(): the model's default ordering is not needed for two rows.
    rows = SeatAllocation.objects.filter(customer_id=customer.pk).select_related("license")
    primary = cloud = None
    for allocation in rows.order_by():
        if allocation.license_id == customer.license_id:
            primary = allocation
        else:  # the only other pool a customer holds seats on is its partner's MDR Cloud
            cloud = allocation
    return primary, cloud


@dataclass(frozen=True)
class AllocationWrite:
    """One allocation row to create (``allocation`` None), change or, at 0 seats, delete."""

    license: VolumeLicense
    allocation: SeatAllocation | None
    seats: int
    sat_users: int
    field: str  # the count's field, for the refusal's message


def _allocation_write(*, customer: CustomerAccount, write: AllocationWrite) -> None:
    """Create, change or (seats == 0 on a secondary pool) delete one allocation row.

    The trigger moves the pool counter; if the pool's CHECK refuses, ``PoolRefused`` rolls the
    transaction back and ``pool_write`` explains why.
    """
    license, allocation, seats = write.license, write.allocation, write.seats
    current = allocation.seats if allocation is not None and allocation.active else 0
    try:
        if allocation is None:
            if seats == 0:
                return
            allocation = SeatAllocation(
                customer=customer,
                license=license,
                tier=license.tier,
                seats=seats,
                sat_users=write.sat_users,
            )
            # Relations and constraints are left to the database: the rows were just locked or
            # read, and the allocation's CHECKs hold the count rules the policy has applied.
            allocation.full_clean(
                exclude=RELATIONS, validate_unique=False, validate_constraints=False
            )
            allocation.save()
            return
        if seats == 0 and license.pk != customer.license_id:
            allocation.delete()
            return
        allocation.seats, allocation.sat_users = seats, write.sat_users
        allocation.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)
        allocation.save(update_fields=["seats", "sat_users"])
    except IntegrityError as exc:
        if "license_allocated_within_commitment" not in str(exc):
            raise
        raise PoolRefused(
            license_id=license.pk, field=write.field, current=current, wanted=seats
        ) from exc


def allocations_write(*, customer: CustomerAccount, writes: list[AllocationWrite]) -> None:
    """Write a customer's allocation rows in license primary-key order (the lock order)."""
    for write in sorted(writes, key=lambda w: w.license.pk):
        _allocation_write(customer=customer, write=write)
