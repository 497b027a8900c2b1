"""Writes to licenses, customers and seat allocations.

How a seat write stays correct and fast on a hot pool
-----------------------------------------------------
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
license rows in primary-key order (allocation writes are sorted; ``licenses_lock`` sorts).
Commitment changes lock only the license row.

Every allocation change is also recorded as an ``AllocationEvent`` (the audit history): one bulk
INSERT per service call, made *before* the allocation writes, so the pool row lock taken by the
trigger is not held while the events are written, and a refused write rolls them back with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from licenses import webhooks
from licenses.choices import (
    ADMIN_EMAIL_LABEL,
    LEGAL_NAME_LABEL,
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    WEBSITE_LABEL,
    AllocationEventKind,
    AllocationEventSource,
    CustomerStatus,
    DeploymentSolution,
    HostingRegion,
    ServiceTier,
    ThresholdUnit,
)
from licenses.contact import admin_email_check, website_check
from licenses.models import (
    AllocationEvent,
    CustomerAccount,
    SeatAllocation,
    VolumeLicense,
)
from licenses.policy import (
    SAT_COUNT,
    Count,
    allowance,
    count_check,
    counts_check,
    sat_check,
    tier_count,
)
from licenses.selectors import cloud_pool_for
from lmp.partners import roles
from lmp.partners.models import Partner

# The code of a refusal because the customer is offboarded (the API answers it with a 409).
CUSTOMER_OFFBOARDED = "customer_offboarded"

P = ParamSpec("P")
R = TypeVar("R")

# Foreign keys the services fill from rows they have just locked or read, so full_clean skips them.
_RELATIONS = ["partner", "license", "sub_partner", "customer"]


@dataclass(frozen=True)
class Change:
    """One field a service changed, for success messages and the audit trail."""

    label: str
    old: object
    new: object

    def __str__(self) -> str:
        old = f"{self.old:,}" if isinstance(self.old, int) else f"“{self.old}”"
        new = f"{self.new:,}" if isinstance(self.new, int) else f"“{self.new}”"
        return f"{self.label} {old} → {new}"


def _event(
    *,
    kind: str,
    license: VolumeLicense,
    customer: CustomerAccount | None,
    what: str,
    old: int | str,
    new: int | str,
    actor,
    source: str,
    at,
) -> AllocationEvent:
    """An unsaved history event; ``actor`` None (or not logged in) is recorded as the system,
    an API key (``roles.KeyActor``) as ``api_key``.

    A number (seats) goes in ``from_value``/``to_value``, a text (a legal name) in the text pair.
    """
    numbers = isinstance(old, int) and isinstance(new, int)
    return AllocationEvent(
        kind=kind,
        license=license,
        customer=customer,
        what=what,
        from_value=old if numbers else None,
        to_value=new if numbers else None,
        from_text="" if numbers else str(old),
        to_text="" if numbers else str(new),
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        api_key_id=actor.key.pk if isinstance(actor, roles.KeyActor) else None,
        source=source,
        at=at,
    )


def _events_record(events: list[AllocationEvent]) -> None:
    """Write one call's history in a single INSERT (before its allocation writes)."""
    if events:
        # Built here from figures the policy has checked, with the relations just locked or read:
        # full_clean would only re-read those rows.
        AllocationEvent.objects.bulk_create(events)


def licenses_lock(*, license_ids: Iterable[int]) -> dict[int, VolumeLicense]:
    """Lock the given license rows in primary-key order and return fresh copies by id."""
    ids = sorted({i for i in license_ids if i is not None})
    locked = VolumeLicense.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {lic.pk: lic for lic in locked}


class _PoolRefused(Exception):
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
            except _PoolRefused as refused:
                pool = VolumeLicense.objects.order_by().get(pk=refused.license_id)
                room = allowance(license=pool, held=refused.current, field=refused.field)
                if refused.wanted > room.available or attempt == 1:
                    raise room.error() from refused
        raise AssertionError("unreachable")

    return wrapper


def _pools_read(*, license_id: int, partner_id: int) -> tuple[VolumeLicense, VolumeLicense | None]:
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


# A license's seat commitment has the limits of a count of users (0..MAX_SEATS).
_COMMITMENT = Count("seat_commitment", "Seat commitment")
_THRESHOLD = Count("low_seats_threshold", "The threshold")


def commitment_message(*, allocated: int) -> str:
    """The refusal of a seat commitment below what is already allocated."""
    seats = "seat" if allocated == 1 else "seats"
    return f"The seat commitment cannot be lower than the {allocated:,} {seats} already allocated."


def _check_available(*, license: VolumeLicense, current: int, wanted: int, field: str) -> None:
    """Refuse early when ``wanted`` seats would not fit (the database re-checks at the write)."""
    allowance(license=license, held=current, field=field).check(wanted)


def _name_taken(name: str) -> ValidationError:
    return ValidationError({"legal_name": f"An active customer named “{name}” already exists."})


def legal_name_check(
    *,
    partner: Partner | int,
    sub_partner: Partner | int | None,
    legal_name: str,
    exclude_pk: int | None,
) -> str:
    """Tidy the name's white space and refuse one that the same manager's list already has.

    The scope is the active customers of one owner (``partner``, the license owner) managed by
    one partner: the owner itself (``sub_partner`` None) or one sub-partner. Every customer in it
    is one its manager sees, so the refusal tells nobody about another partner's customers; the
    database's ``customer_unique_active_legal_name`` has the same scope.

    The services call it before they save; forms that save through a service later (the admin's,
    the wizard's details step) call it to show the refusal on the field.
    """
    name = " ".join(str(legal_name or "").split())
    if not name:
        raise ValidationError({"legal_name": "Enter the customer's legal name."})
    clash = CustomerAccount.objects.filter(
        partner=partner,
        sub_partner=sub_partner,
        status=CustomerStatus.ACTIVE,
        legal_name__iexact=name,
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise _name_taken(name)
    return name


def _save_customer(customer: CustomerAccount, *, update_fields: list[str] | None = None) -> None:
    """full_clean and save; a lost race on the unique name becomes the same field error."""
    # The related rows come from the locked licenses: re-checking that they exist costs queries.
    customer.full_clean(exclude=_RELATIONS, validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError as exc:
        if "customer_unique_active_legal_name" in str(exc) or "UNIQUE" in str(exc).upper():
            raise _name_taken(customer.legal_name) from exc
        raise


def _write_allocation(
    *,
    customer: CustomerAccount,
    license: VolumeLicense,
    allocation: SeatAllocation | None,
    seats: int,
    sat_users: int = 0,
    field: str = "seats",
) -> SeatAllocation | None:
    """Create, change or (seats == 0 on a secondary pool) delete one allocation row.

    The trigger moves the pool counter; if the pool's CHECK refuses, ``_PoolRefused`` rolls the
    transaction back and ``pool_write`` explains why.
    """
    current = allocation.seats if allocation is not None and allocation.active else 0
    try:
        if allocation is None:
            if seats == 0:
                return None
            allocation = SeatAllocation(
                customer=customer,
                license=license,
                tier=license.tier,
                seats=seats,
                sat_users=sat_users,
            )
            # Relations and constraints are left to the database: the rows were just locked or
            # read, and the allocation's CHECKs hold the count rules the policy has applied.
            allocation.full_clean(
                exclude=_RELATIONS, validate_unique=False, validate_constraints=False
            )
            allocation.save()
            return allocation
        if seats == 0 and license.pk != customer.license_id:
            allocation.delete()
            return None
        allocation.seats, allocation.sat_users = seats, sat_users
        allocation.full_clean(exclude=_RELATIONS, validate_unique=False, validate_constraints=False)
        allocation.save(update_fields=["seats", "sat_users"])
    except IntegrityError as exc:
        if "license_allocated_within_commitment" not in str(exc):
            raise
        raise _PoolRefused(
            license_id=license.pk, field=field, current=current, wanted=seats
        ) from exc
    return allocation


def _validate_counts(
    *,
    license: VolumeLicense,
    cloud_license: VolumeLicense | None,
    tier_users: object,
    cloud_users: object,
    sat_users: object,
) -> tuple[int, int, int]:
    """The policy's count rules for a customer of ``license`` (cloud users need a Cloud pool)."""
    return counts_check(
        tier=license.tier,
        has_cloud=cloud_license is not None,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
    )


@pool_write
def customer_create(
    *,
    partner: Partner,
    license: VolumeLicense,
    legal_name: str,
    admin_email: str,
    tier_users: int,
    cloud_users: int = 0,
    sat_users: int = 0,
    website: str = "",
    sub_partner: Partner | None = None,
    deployment: str = "",
    hosting_region: str = "",
    actor=None,
    source: str = AllocationEventSource.PORTAL,
) -> CustomerAccount:
    """Create a customer on ``license`` with its tier (and optional cloud / SAT) allocations.

    ``partner`` is the acting partner: the license owner, or a sub-partner it is shared with (the
    customer then belongs to the owner and is managed by that sub-partner).
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    license, cloud_license = _pools_read(license_id=license.pk, partner_id=license.partner_id)
    owner = license.partner
    if partner.pk != owner.pk:
        if not license.sub_partners.filter(pk=partner.pk).exists():
            raise ValidationError("This license is not shared with your organisation.")
        sub_partner = partner
    elif sub_partner is not None and not license.sub_partners.filter(pk=sub_partner.pk).exists():
        raise ValidationError({"sub_partner": "Choose a sub-partner this license is shared with."})
    if deployment and deployment not in DeploymentSolution.values:
        raise ValidationError({"deployment": "Choose a deployment solution."})
    if hosting_region and hosting_region not in HostingRegion.values:
        raise ValidationError({"hosting_region": "Choose a hosting region."})

    tier_users, cloud_users, sat_users = _validate_counts(
        license=license,
        cloud_license=cloud_license,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
    )
    _check_available(license=license, current=0, wanted=tier_users, field="tier_users")
    if cloud_users:
        _check_available(license=cloud_license, current=0, wanted=cloud_users, field="cloud_users")

    customer = CustomerAccount(
        partner=owner,
        license=license,
        legal_name=legal_name_check(
            partner=owner, sub_partner=sub_partner, legal_name=legal_name, exclude_pk=None
        ),
        admin_email=(admin_email or "").strip(),
        website=(website or "").strip(),
        sub_partner=sub_partner,
        deployment=deployment,
        hosting_region=hosting_region,
    )
    _save_customer(customer)
    writes = [(license, tier_users, sat_users, "tier_users")]
    if cloud_users:
        writes.append((cloud_license, cloud_users, 0, "cloud_users"))
    onboarded = functools.partial(
        _event,
        kind=AllocationEventKind.ONBOARDED,
        customer=customer,
        old=0,
        actor=actor,
        source=source,
        at=timezone.now(),
    )
    events = [onboarded(license=license, what=license.users_label, new=tier_users)]
    if sat_users:
        events.append(onboarded(license=license, what=SAT_USERS_LABEL, new=sat_users))
    if cloud_users:
        events.append(
            onboarded(license=cloud_license, what=cloud_license.users_label, new=cloud_users)
        )
    _events_record(events)
    for pool, seats, sat, field in sorted(writes, key=lambda w: w[0].pk):
        _write_allocation(
            customer=customer,
            license=pool,
            allocation=None,
            seats=seats,
            sat_users=sat,
            field=field,
        )
    webhooks.customer_onboarded(
        customer=customer, license=license, counts=(tier_users, cloud_users, sat_users)
    )
    return customer


def _customer_lock(customer: CustomerAccount) -> CustomerAccount:
    """Lock the customer row (not its license: pools are locked by the writes, in order)."""
    return CustomerAccount.objects.select_for_update().order_by().get(pk=customer.pk)


def _allocations_read(
    *, customer: CustomerAccount
) -> tuple[SeatAllocation | None, SeatAllocation | None]:
    """The customer's allocations on its own pool and on MDR Cloud, each with its pool.

    Call it after ``_customer_lock``, as a statement of its own. On PostgreSQL a statement reads
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


@pool_write
def customer_update(
    *,
    customer: CustomerAccount,
    legal_name: str,
    tier_users: int,
    cloud_users: int = 0,
    sat_users: int = 0,
    website: str | None = None,
    admin_email: str | None = None,
    actor=None,
    source: str = AllocationEventSource.PORTAL,
) -> list[Change]:
    """Rename an active customer, change its web site or administrator e-mail and/or its
    allocations; returns what changed.

    ``website`` / ``admin_email`` None leave them as they are; a value must pass the onboarding
    form's rules (``licenses.contact``). The caller's ``customer`` gets the new name and contact
    details; allocations are read fresh under the customer's row lock, so two edits of one
    customer cannot interleave.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    # Checked before the lock: a refusal waits on nobody.
    contact = {}
    if website is not None:
        contact["website"] = website_check(website)
    if admin_email is not None:
        contact["admin_email"] = admin_email_check(admin_email)
    original = customer
    customer = _customer_lock(customer)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError(
            "This customer has been offboarded and can no longer be edited.",
            code=CUSTOMER_OFFBOARDED,
        )
    primary, cloud = _allocations_read(customer=customer)
    # The pools came with the allocations; one the customer holds nothing on is read only when
    # it is asked for (an active customer always holds seats on its own pool).
    license = primary.license if primary else VolumeLicense.objects.get(pk=customer.license_id)
    cloud_license = cloud.license if cloud else None
    if cloud_license is None and cloud_users:
        cloud_license = cloud_pool_for(license=license)
    old_tier = primary.seats if primary else 0
    old_sat = primary.sat_users if primary else 0
    old_cloud = cloud.seats if cloud else 0

    tier_users, cloud_users, sat_users = _validate_counts(
        license=license,
        cloud_license=cloud_license,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
    )
    _check_available(license=license, current=old_tier, wanted=tier_users, field="tier_users")
    if cloud_users:
        _check_available(
            license=cloud_license, current=old_cloud, wanted=cloud_users, field="cloud_users"
        )

    changes: list[Change] = []
    edited = functools.partial(
        _event,
        kind=AllocationEventKind.EDITED,
        customer=customer,
        actor=actor,
        source=source,
        at=timezone.now(),
    )
    events = []
    saved: list[str] = []  # the customer's own fields this edit changes (one UPDATE)
    name = " ".join(str(legal_name or "").split())
    if name != customer.legal_name:
        # Only a real rename needs the uniqueness query (a case change of its own name passes).
        name = legal_name_check(
            partner=customer.partner_id,
            sub_partner=customer.sub_partner_id,
            legal_name=legal_name,
            exclude_pk=customer.pk,
        )
        changes.append(Change(LEGAL_NAME_LABEL, customer.legal_name, name))
        events.append(
            edited(license=license, what=LEGAL_NAME_LABEL, old=customer.legal_name, new=name)
        )
        customer.legal_name = name  # the whole row came with the lock: full_clean has it all
        saved.append("legal_name")
    labels = {"website": WEBSITE_LABEL, "admin_email": ADMIN_EMAIL_LABEL}
    for field, value in contact.items():
        if value != getattr(customer, field):
            changes.append(Change(labels[field], getattr(customer, field), value))
            events.append(
                edited(license=license, what=labels[field], old=getattr(customer, field), new=value)
            )
            setattr(customer, field, value)
            saved.append(field)
    if saved:
        _save_customer(customer, update_fields=saved)

    writes = []
    if (tier_users, sat_users) != (old_tier, old_sat):
        writes.append((license, primary, tier_users, sat_users, "tier_users"))
        if tier_users != old_tier:
            changes.append(Change(license.users_label, old_tier, tier_users))
            events.append(
                edited(license=license, what=license.users_label, old=old_tier, new=tier_users)
            )
        if sat_users != old_sat:
            changes.append(Change(SAT_USERS_LABEL, old_sat, sat_users))
            events.append(edited(license=license, what=SAT_USERS_LABEL, old=old_sat, new=sat_users))
    if cloud_license is not None and cloud_users != old_cloud:
        writes.append((cloud_license, cloud, cloud_users, 0, "cloud_users"))
        changes.append(Change(cloud_license.users_label, old_cloud, cloud_users))
        events.append(
            edited(
                license=cloud_license,
                what=cloud_license.users_label,
                old=old_cloud,
                new=cloud_users,
            )
        )
    _events_record(events)
    for pool, allocation, seats, sat, field in sorted(writes, key=lambda w: w[0].pk):
        _write_allocation(
            customer=customer,
            license=pool,
            allocation=allocation,
            seats=seats,
            sat_users=sat,
            field=field,
        )
    if writes:
        webhooks.allocation_changed(
            customer=customer,
            license=license,
            before=(old_tier, old_cloud, old_sat),
            after=(tier_users, cloud_users, sat_users),
        )
    original.legal_name = customer.legal_name
    original.website, original.admin_email = customer.website, customer.admin_email
    return changes


@pool_write
def allocation_set(
    *,
    customer: CustomerAccount,
    license: VolumeLicense,
    seats: int,
    sat_users: int = 0,
    actor=None,
    source: str = AllocationEventSource.PORTAL,
) -> SeatAllocation | None:
    """Set one customer's seats on one license (0 on a secondary pool releases the allocation)."""
    customer = _customer_lock(customer)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError("Seats cannot be allocated to an offboarded customer.")
    license = VolumeLicense.objects.get(pk=license.pk)
    if license.partner_id != customer.partner_id:
        raise ValidationError("This license does not belong to the customer's partner.")
    primary = license.pk == customer.license_id
    if not primary and license.tier != ServiceTier.CLOUD:
        raise ValidationError("A customer holds seats only on its own tier and on MDR Cloud.")
    seats = count_check(
        seats,
        count=Count("seats", license.users_label, minimum=tier_count(license.tier).minimum)
        if primary
        else Count("seats", license.users_label),
    )
    sat_users = count_check(sat_users, count=SAT_COUNT)
    sat_check(tier=license.tier, tier_users=seats, sat_users=sat_users)
    allocation = customer.allocations.filter(license=license).first()
    current = allocation.seats if allocation else 0
    current_sat = allocation.sat_users if allocation else 0
    _check_available(license=license, current=current, wanted=seats, field="seats")
    edited = functools.partial(
        _event,
        kind=AllocationEventKind.EDITED,
        license=license,
        customer=customer,
        actor=actor,
        source=source,
        at=timezone.now(),
    )
    events = []
    if seats != current:
        events.append(edited(what=license.users_label, old=current, new=seats))
    if sat_users != current_sat:
        events.append(edited(what=SAT_USERS_LABEL, old=current_sat, new=sat_users))
    _events_record(events)
    return _write_allocation(
        customer=customer, license=license, allocation=allocation, seats=seats, sat_users=sat_users
    )


def allocation_release(
    *,
    customer: CustomerAccount,
    license: VolumeLicense,
    actor=None,
    source: str = AllocationEventSource.PORTAL,
) -> None:
    """Give a customer's secondary (MDR Cloud) seats back to the pool."""
    allocation_set(customer=customer, license=license, seats=0, actor=actor, source=source)


@transaction.atomic
def customer_offboard(
    *, customer: CustomerAccount, actor=None, source: str = AllocationEventSource.PORTAL
) -> dict[VolumeLicense, int]:
    """Mark the customer offboarded (the row stays) and return its seats to their pools.

    Returns the seats released per license. The customer's row lock makes a concurrent edit of
    the same customer either finish first (its seats are then released too) or see "offboarded".
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    original = customer
    customer = _customer_lock(customer)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError("This customer is already offboarded.", code=CUSTOMER_OFFBOARDED)
    released: dict[VolumeLicense, int] = {}
    active = sorted(
        customer.allocations.filter(active=True).select_related("license"),
        key=lambda a: a.license_id,
    )
    at = timezone.now()
    _events_record(
        [
            _event(
                kind=AllocationEventKind.OFFBOARDED,
                license=a.license,
                customer=customer,
                what=a.license.users_label,
                old=a.seats,
                new=0,
                actor=actor,
                source=source,
                at=at,
            )
            for a in active
            if a.seats
        ]
    )
    for allocation in active:
        allocation.active = False
        allocation.save(update_fields=["active"])
        allocation.license.allocated -= allocation.seats
        released[allocation.license] = allocation.seats
    customer.status = CustomerStatus.OFFBOARDED
    customer.offboarded_at = timezone.now()
    customer.full_clean(exclude=_RELATIONS, validate_constraints=False)
    customer.save(update_fields=["status", "offboarded_at"])
    original.status, original.offboarded_at = customer.status, customer.offboarded_at
    webhooks.customer_offboarded(customer=customer, released=released)
    return released


def license_terms_check(
    *,
    license: VolumeLicense,
    partner: Partner | None = None,
    tier: str | None = None,
    seat_commitment: object = None,
) -> VolumeLicense:
    """Check new terms for an existing license against its locked row; returns that row.

    Called inside the caller's transaction the lock lasts until it commits, so the admin can check
    in its form and save in ``save_model`` without a concurrent allocation slipping in between.
    """
    with transaction.atomic():
        current = licenses_lock(license_ids=[license.pk])[license.pk]
        errors: dict[str, str] = {}
        if seat_commitment is not None:
            try:
                wanted = count_check(seat_commitment, count=_COMMITMENT)
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
            else:
                if wanted < current.allocated:
                    errors["seat_commitment"] = commitment_message(allocated=current.allocated)
        moved = partner is not None and partner.pk != current.partner_id
        retiered = tier is not None and tier != current.tier
        # Allocations copy the tier and customers belong to the owner: both must stay put.
        if (moved or retiered) and current.allocations.exists():
            if moved:
                errors["partner"] = "A license that has customers cannot move to another partner."
            if retiered:
                errors["tier"] = "The tier of a license that has customers cannot be changed."
        if errors:
            raise ValidationError(errors)
    return current


def _commitment_change_record(
    *, license: VolumeLicense, old: int, new: int, actor, source: str, note: str = ""
) -> None:
    """Record a change of the seat commitment in the license's history (none if unchanged).

    ``note`` says why when the change has a reason of its own ("purchase LMP-2026-000123").
    """
    if new != old:
        event = _event(
            kind=AllocationEventKind.COMMITMENT_CHANGED,
            license=license,
            customer=None,
            what=SEAT_COMMITMENT_LABEL,
            old=old,
            new=new,
            actor=actor,
            source=source,
            at=timezone.now(),
        )
        event.note = note
        _events_record([event])


@transaction.atomic
def license_commitment_set(
    *,
    license: VolumeLicense,
    seat_commitment: int,
    actor=None,
    source: str = AllocationEventSource.ADMIN,
    note: str = "",
) -> VolumeLicense:
    """Change a license's seat commitment; refused below what is already allocated.

    Returns the fresh locked row; the caller's ``license`` gets its commitment and counter too.
    ``note`` goes into the history event ("purchase LMP-…").
    """
    seat_commitment = count_check(seat_commitment, count=_COMMITMENT)
    original = license
    license = licenses_lock(license_ids=[license.pk])[license.pk]
    if seat_commitment < license.allocated:
        raise ValidationError({"seat_commitment": commitment_message(allocated=license.allocated)})
    _commitment_change_record(
        license=license,
        old=license.seat_commitment,
        new=seat_commitment,
        actor=actor,
        source=source,
        note=note,
    )
    license.seat_commitment = seat_commitment
    license.save(update_fields=["seat_commitment"])
    original.seat_commitment, original.allocated = license.seat_commitment, license.allocated
    return license


@transaction.atomic
def license_save(
    *,
    license: VolumeLicense,
    actor=None,
    source: str = AllocationEventSource.ADMIN,
    note: str = "",
) -> VolumeLicense:
    """Create or update a license's terms (admin) under the row lock; the counter is never written.

    Refuses a commitment below what is allocated, and a new partner or tier once it has customers.
    """
    if not license._state.adding and license.pk:
        current = license_terms_check(
            license=license,
            partner=license.partner if license.partner_id else None,
            tier=license.tier,
            seat_commitment=license.seat_commitment,
        )
        license.allocated = current.allocated
        old_commitment = current.seat_commitment
    else:
        license.allocated = 0
        old_commitment = 0
    license.full_clean()
    try:
        with transaction.atomic():
            license.save()  # on update: every field but the trigger-owned counter
    except IntegrityError as exc:
        # Two admins creating the same partner's tier at once: the loser gets the form's message.
        if "license_one_per_tier_per_partner" in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError(
                {"tier": "This partner already has a license of this tier."}
            ) from exc
        raise
    # After the save: a new license needs its id. The row is ours (locked or just inserted).
    _commitment_change_record(
        license=license,
        old=old_commitment,
        new=license.seat_commitment,
        actor=actor,
        source=source,
        note=note,
    )
    return license


@transaction.atomic
def license_threshold_set(
    *, actor, partner: Partner, license: VolumeLicense, threshold: int | None, unit: str
) -> VolumeLicense:
    """Set (or clear, with None) the low-seats threshold of one of the partner's own licenses.

    Administrators and Allocators (they change who holds the seats); a percentage is at most 100.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    locked = licenses_lock(license_ids=[license.pk]).get(license.pk)
    if locked is None or locked.partner_id != partner.pk:
        raise VolumeLicense.DoesNotExist("Only the license's owner sets its threshold.")
    if threshold is not None:
        threshold = count_check(threshold, count=_THRESHOLD)
        if unit == ThresholdUnit.PERCENT and threshold > 100:
            raise ValidationError({"low_seats_threshold": "A percentage is at most 100."})
    locked.low_seats_threshold = threshold
    locked.low_seats_unit = unit
    locked.full_clean(exclude=_RELATIONS, validate_constraints=False)
    locked.save(update_fields=["low_seats_threshold", "low_seats_unit"])
    license.low_seats_threshold, license.low_seats_unit = threshold, unit
    return locked
