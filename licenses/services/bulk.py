"""Bulk edit: many customers of one license changed at once, all or nothing (issue 24 §1).

The rules are the Edit page's (``customer_update``): the counts through ``policy.counts_check``,
each customer's room through ``policy.allowance`` with what it holds, the names through
``validation``; the messages are theirs. What differs is the shape of the write:

- the customers are locked once, in primary-key order, then the pools (``licenses_lock``, in
  primary-key order): the lock order of every other seat write (``locks``), so no deadlock;
- each pool's room is checked set-based: the net change of all the rows against its unallocated
  seats, under its lock, so two bulk edits of one pool at once oversell nothing;
- the writes are set-based: one INSERT of the history events, UPDATEs of the allocations (those
  that shrink first, so the pool counter the triggers keep never passes its commitment midway),
  one of the names; the webhooks are enqueued in the same transaction, one per changed customer.

A customer's *version* is the id of its latest history event (every service records one per
change, so it needs no write of its own): a row of a workbook carries the version it was
downloaded at, and a row that would change a customer changed since is refused.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Max, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licenses import webhooks
from licenses.choices import (
    LEGAL_NAME_LABEL,
    SAT_USERS_LABEL,
    AllocationEventKind,
    AllocationEventSource,
    CustomerStatus,
)
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from licenses.policy import CLOUD_USERS, SEATS_UNAVAILABLE, TIER_USERS, users_phrase
from licenses.services.history import Change, event_build, events_record
from licenses.services.locks import licenses_lock, pools_read
from licenses.services.validation import RELATIONS, legal_name_tidy, name_taken, seats_check
from lmp.core.l10n import count as count_text
from lmp.partners import roles
from lmp.partners.models import Partner

# The most changes one call takes (the workbook's rows are read in chunks of this).
MAX_BULK_ROWS = 100_000
NOT_ON_LICENSE = "not_on_license"
STALE = "stale"
BULK_OFFBOARDED = "customer_offboarded"


@dataclass(frozen=True)
class BulkChange:
    """One row: what a customer should have. None leaves a value as it is."""

    customer_id: int
    legal_name: str | None = None
    tier_users: object = None
    cloud_users: object = None
    sat_users: object = None
    version: int | None = None  # the customer's version when the row was read; None: no check
    row: int = 0  # the row number (workbook) or index (API) the refusals name


@dataclass(frozen=True)
class BulkRefusal:
    """Why one row cannot be applied: its row, the field and the Edit page's message."""

    row: int | None  # None: the set as a whole (a pool's net change)
    customer_id: int
    field: str
    message: str
    code: str = ""


@dataclass(frozen=True)
class BulkRowChange:
    """What one row changes of its customer (before → after)."""

    row: int
    customer_id: int
    legal_name: str  # before
    changes: tuple[Change, ...]


@dataclass
class BulkResult:
    """The changes (applied, or to apply in a preview), the refusals and the unchanged rows."""

    changed: list[BulkRowChange] = field(default_factory=list)
    refusals: list[BulkRefusal] = field(default_factory=list)
    unchanged: int = 0


class BulkRefused(ValidationError):
    """Raised when at least one row is refused: nothing was written."""

    def __init__(self, result: BulkResult) -> None:
        self.result = result
        super().__init__(
            [
                ValidationError(
                    r.message
                    if r.row is None
                    else _("Row %(row)s: %(message)s") % {"row": r.row, "message": r.message},
                    code=r.code or "invalid",
                )
                for r in result.refusals
            ]
        )


def customer_versions(*, customer_ids) -> dict[int, int]:
    """Each customer's version: the id of its latest history event (0 without one)."""
    rows = (
        AllocationEvent.objects.filter(customer_id__in=customer_ids)
        .order_by()
        .values("customer_id")
        .annotate(version=Max("id"))
        .values_list("customer_id", "version")
    )
    return dict(rows)


def _messages(error: ValidationError) -> list[tuple[str, str, str]]:
    """(field, message, code) of each message a service-style ValidationError carries."""
    if hasattr(error, "error_dict"):
        return [
            (name, str(e.message % e.params if e.params else e.message), e.code or "")
            for name, errors in error.error_dict.items()
            for e in errors
        ]
    return [("__all__", str(m), error.code or "") for m in error.messages]


@dataclass
class _Plan:
    """One customer's new values as checked, before they are written."""

    change: BulkChange
    customer: CustomerAccount
    primary: SeatAllocation | None
    cloud: SeatAllocation | None
    old: tuple[int, int, int]
    new: tuple[int, int, int]
    name: str


def customers_bulk_update(
    *,
    partner: Partner,
    license: VolumeLicense,
    actor,
    changes: list[BulkChange],
    source: str = AllocationEventSource.PORTAL,
    dry_run: bool = False,
) -> BulkResult:
    """Apply ``changes`` to customers of ``license``, all of them or none.

    ``dry_run``: the preview, the same checks without locks or writes; it returns the refusals
    rather than raising. Otherwise a refusal raises ``BulkRefused`` (carrying the result) and
    nothing is written. Rows that change nothing are counted, never refused, so the same file
    applied twice changes nothing the second time.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    if dry_run:
        return _plan_and_write(
            partner=partner,
            license=license,
            actor=actor,
            changes=changes,
            source=source,
            write=False,
        )
    with transaction.atomic():
        result = _plan_and_write(
            partner=partner,
            license=license,
            actor=actor,
            changes=changes,
            source=source,
            write=True,
        )
        if result.refusals:
            raise BulkRefused(result)
    return result


def _scope(*, partner: Partner, license: VolumeLicense):
    """The customers a bulk edit of ``license`` reaches: those onboarded onto it that the partner
    manages (the owner all of them, a sub-partner its own)."""
    qs = CustomerAccount.objects.filter(license_id=license.pk).order_by()
    if partner.pk != license.partner_id:
        qs = qs.filter(sub_partner_id=partner.pk)
    return qs


def _plan_and_write(
    *, partner, license, actor, changes: list[BulkChange], source: str, write: bool
) -> BulkResult:
    result = BulkResult()
    refuse = result.refusals.append
    seen: set[int] = set()
    wanted: list[BulkChange] = []
    for change in changes:
        if change.customer_id in seen:
            refuse(
                BulkRefusal(
                    change.row,
                    change.customer_id,
                    "customer",
                    _("This customer is on another row too: keep one row per customer."),
                )
            )
            continue
        seen.add(change.customer_id)
        wanted.append(change)
    ids = sorted(seen)
    customers = _scope(partner=partner, license=license).filter(pk__in=ids)
    if write:
        # The lock order of every seat write: customers (by pk), then pools (by pk).
        customers = customers.select_for_update().order_by("pk")
    by_id = {c.pk: c for c in customers}
    license, cloud_license = pools_read(license_id=license.pk, partner_id=license.partner_id)
    if write:
        locked = licenses_lock(license_ids=[license.pk, cloud_license and cloud_license.pk])
        license = locked[license.pk]
        cloud_license = locked.get(cloud_license.pk) if cloud_license else None
    versions = customer_versions(customer_ids=list(by_id))
    allocations: dict[int, list[SeatAllocation | None]] = defaultdict(lambda: [None, None])
    for a in SeatAllocation.objects.filter(customer_id__in=list(by_id)).order_by():
        allocations[a.customer_id][0 if a.license_id == license.pk else 1] = a

    plans: list[_Plan] = []
    for change in wanted:
        customer = by_id.get(change.customer_id)
        if customer is None:
            refuse(
                BulkRefusal(
                    change.row,
                    change.customer_id,
                    "customer",
                    _("No customer of this license has this id."),
                    NOT_ON_LICENSE,
                )
            )
            continue
        plan = _row_plan(change, customer, allocations[customer.pk], license, cloud_license)
        if isinstance(plan, list):
            result.refusals.extend(plan)
            continue
        if plan.old == plan.new and plan.name == customer.legal_name:
            result.unchanged += 1
            continue
        if customer.status != CustomerStatus.ACTIVE:
            refuse(
                BulkRefusal(
                    change.row,
                    customer.pk,
                    "customer",
                    _("This customer has been offboarded and can no longer be edited."),
                    BULK_OFFBOARDED,
                )
            )
            continue
        if change.version is not None and change.version != versions.get(customer.pk, 0):
            refuse(
                BulkRefusal(
                    change.row,
                    customer.pk,
                    "version",
                    _(
                        "%(name)s was changed after this file was downloaded: download the "
                        "workbook again."
                    )
                    % {"name": customer.legal_name},
                    STALE,
                )
            )
            continue
        plans.append(plan)

    result.refusals.extend(_names_check(partner=license.partner_id, plans=plans))
    result.refusals.extend(_pools_check(plans, license=license, cloud_license=cloud_license))
    result.refusals.sort(key=lambda r: (r.row is None, r.row or 0))
    result.changed = [_row_changes(plan, license, cloud_license) for plan in plans]
    if write and not result.refusals and plans:
        _write(plans, license=license, cloud_license=cloud_license, actor=actor, source=source)
    return result


def _row_plan(change, customer, held, license, cloud_license) -> _Plan | list[BulkRefusal]:
    """The row's new values checked by the policy against what the customer holds."""
    primary, cloud = held
    old_tier = primary.seats if primary and primary.active else 0
    old_sat = primary.sat_users if primary and primary.active else 0
    old_cloud = cloud.seats if cloud and cloud.active else 0
    pick = lambda value, old: old if value is None or value == "" else value  # noqa: E731
    tier_users = pick(change.tier_users, old_tier)
    cloud_users = pick(change.cloud_users, old_cloud)
    sat_users = pick(change.sat_users, old_sat)
    refusals = []
    try:
        # The room each customer may have on its own (the Edit page's message), before the
        # pools' net change is checked for the whole set.
        tier_users, cloud_users, sat_users = seats_check(
            license=license,
            cloud_license=cloud_license,
            tier_users=tier_users,
            cloud_users=cloud_users,
            sat_users=sat_users,
            held=(old_tier, old_cloud),
        )
    except ValidationError as error:
        refusals += [
            BulkRefusal(change.row, customer.pk, name, message, code)
            for name, message, code in _messages(error)
        ]
    name = customer.legal_name
    if change.legal_name is not None:
        try:
            name = legal_name_tidy(change.legal_name)
        except ValidationError as error:
            refusals += [
                BulkRefusal(change.row, customer.pk, n, m, c) for n, m, c in _messages(error)
            ]
    if refusals:
        return refusals
    return _Plan(
        change,
        customer,
        primary,
        cloud,
        (old_tier, old_cloud, old_sat),
        (tier_users, cloud_users, sat_users),
        name,
    )


def _names_check(*, partner: int, plans: list[_Plan]) -> list[BulkRefusal]:
    """Each new name against the names its manager's active customers will have (one query)."""
    renamed = [p for p in plans if p.name != p.customer.legal_name]
    if not renamed:
        return []
    final: dict[tuple[int | None, str], list[_Plan]] = defaultdict(list)
    for p in renamed:
        final[(p.customer.sub_partner_id, p.name.lower())].append(p)
    others = (
        CustomerAccount.objects.filter(partner_id=partner, status=CustomerStatus.ACTIVE)
        .annotate(lowered=Lower("legal_name"))
        .filter(lowered__in=[p.name.lower() for p in renamed])
        .order_by()
        .values_list("pk", "sub_partner_id", "lowered")
    )
    renamed_ids = {p.customer.pk for p in renamed}
    taken = {
        (sub, lowered)
        for pk, sub, lowered in others
        # Another customer keeps its name; one this batch renames frees it.
        if pk not in renamed_ids
    }
    refusals = []
    for key, group in final.items():
        clash = key in taken
        for index, p in enumerate(group):
            if clash or index:  # a name two rows of the file give: the second one is refused
                message = name_taken(p.name).message_dict["legal_name"][0]
                refusals.append(BulkRefusal(p.change.row, p.customer.pk, "legal_name", message))
    return refusals


def _pools_check(plans: list[_Plan], *, license, cloud_license) -> list[BulkRefusal]:
    """The net change of every row on each pool against its unallocated seats (as locked)."""
    refusals = []
    for pool, index, field_name in (
        (license, 0, TIER_USERS),
        (cloud_license, 1, CLOUD_USERS),
    ):
        if pool is None:
            continue
        delta = sum(p.new[index] - p.old[index] for p in plans)
        room = (pool.seat_commitment or 0) - pool.allocated
        if delta > room:
            message = ngettext(
                "Together these changes need %(users)s more than the pool has: only "
                "%(count)s is unallocated.",
                "Together these changes need %(users)s more than the pool has: only "
                "%(count)s are unallocated.",
                max(room, 0),
            ) % {"users": users_phrase(delta, pool.tier), "count": count_text(max(room, 0))}
            # The whole set's refusal: no row of its own (``row`` None).
            refusals.append(BulkRefusal(None, 0, field_name, message, SEATS_UNAVAILABLE))
    return refusals


def _row_changes(plan: _Plan, license, cloud_license) -> BulkRowChange:
    """The row's changes as the Edit page's success message lists them."""
    (old_tier, old_cloud, old_sat), (tier, cloud, sat) = plan.old, plan.new
    changes = []
    if plan.name != plan.customer.legal_name:
        changes.append(Change(LEGAL_NAME_LABEL, plan.customer.legal_name, plan.name))
    if tier != old_tier:
        changes.append(Change(license.users_label, old_tier, tier))
    if sat != old_sat:
        changes.append(Change(SAT_USERS_LABEL, old_sat, sat))
    if cloud_license is not None and cloud != old_cloud:
        changes.append(Change(cloud_license.users_label, old_cloud, cloud))
    return BulkRowChange(
        plan.change.row, plan.customer.pk, plan.customer.legal_name, tuple(changes)
    )


def _by_value(rows: list[SeatAllocation], field_name: str) -> Case:
    """``field_name``'s new value for each row: one WHEN per distinct value, not per row.

    Django's ``bulk_update`` writes one WHEN per row, and building those cost seconds at 10,000
    rows; a bulk edit gives most rows one of a few values.
    """
    ids: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        ids[getattr(row, field_name)].append(row.pk)
    whens = [When(pk__in=pks, then=Value(value)) for value, pks in ids.items()]
    return Case(*whens, default=F(field_name), output_field=IntegerField())


def _allocations_set(rows: list[SeatAllocation]) -> None:
    """Write the rows' seats and SAT users in one UPDATE (the triggers move the counters)."""
    if rows:
        for row in rows:
            row.full_clean(exclude=RELATIONS, validate_unique=False, validate_constraints=False)
        SeatAllocation.objects.filter(pk__in=[row.pk for row in rows]).update(
            seats=_by_value(rows, "seats"), sat_users=_by_value(rows, "sat_users")
        )


def _write(plans: list[_Plan], *, license, cloud_license, actor, source: str) -> None:
    """Set-based: the events, the names, the allocations (shrinking first), the webhooks."""
    at = timezone.now()
    events = []
    renamed, shrink, grow, create, delete = [], [], [], [], []
    for p in plans:
        customer = p.customer
        edited = functools.partial(
            event_build,
            kind=AllocationEventKind.EDITED,
            customer=customer,
            actor=actor,
            source=source,
            at=at,
        )
        (old_tier, old_cloud, old_sat), (tier, cloud, sat) = p.old, p.new
        if p.name != customer.legal_name:
            events.append(
                edited(license=license, what=LEGAL_NAME_LABEL, old=customer.legal_name, new=p.name)
            )
            customer.legal_name = p.name
            renamed.append(customer)
        if (tier, sat) != (old_tier, old_sat):
            if tier != old_tier:
                events.append(
                    edited(license=license, what=license.users_label, old=old_tier, new=tier)
                )
            if sat != old_sat:
                events.append(edited(license=license, what=SAT_USERS_LABEL, old=old_sat, new=sat))
            primary = p.primary
            primary.seats, primary.sat_users = tier, sat
            (shrink if tier <= old_tier else grow).append(primary)
        if cloud_license is not None and cloud != old_cloud:
            events.append(
                edited(
                    license=cloud_license, what=cloud_license.users_label, old=old_cloud, new=cloud
                )
            )
            if p.cloud is None:
                create.append(
                    SeatAllocation(
                        customer=customer,
                        license=cloud_license,
                        tier=cloud_license.tier,
                        seats=cloud,
                        sat_users=0,
                    )
                )
            elif cloud == 0:
                delete.append(p.cloud.pk)
            else:
                p.cloud.seats = cloud
                (shrink if cloud <= old_cloud else grow).append(p.cloud)
    events_record(events)
    # The events' foreign keys are checked now, not at COMMIT: then every one would walk the
    # license row's versions the allocation writes below leave in this transaction.
    connection.check_constraints()
    if renamed:
        try:
            with transaction.atomic():
                CustomerAccount.objects.bulk_update(renamed, ["legal_name"], batch_size=2000)
        except IntegrityError as exc:
            # Two names swapped in one statement meet the unique index midway.
            raise ValidationError(
                {"legal_name": _("Two customers swap names: rename them in two steps.")}
            ) from exc
    # Seats given back first: the triggers move the pool counter row by row, and its CHECK must
    # hold after each one.
    if delete:
        SeatAllocation.objects.filter(pk__in=delete).delete()
    _allocations_set(shrink)
    _allocations_set(grow)
    if create:
        SeatAllocation.objects.bulk_create(create, batch_size=2000)
    webhooks.allocations_changed(
        changes=[(p.customer, license, p.old, p.new) for p in plans if p.old != p.new]
    )
