"""Writes to customers: onboard one with its seats, edit its name, contact details and seats,
offboard it. How the seat writes stay correct under load is told in ``locks``; every change is
recorded in the history (``history``).
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licenses import webhooks
from licenses.choices import (
    ADMIN_EMAIL_LABEL,
    LEGAL_NAME_LABEL,
    SAT_USERS_LABEL,
    STATUS_LABEL,
    WEBSITE_LABEL,
    AllocationEventKind,
    AllocationEventSource,
    CustomerStatus,
    DeploymentSolution,
    HostingRegion,
)
from licenses.contact import admin_email_check, website_check
from licenses.models import CustomerAccount, VolumeLicense
from licenses.policy import CLOUD_USERS, TIER_USERS
from licenses.selectors import cloud_pool_for
from licenses.services.history import Change, event_build, events_record
from licenses.services.locks import (
    AllocationWrite,
    allocations_read,
    allocations_write,
    customer_lock,
    pool_write,
    pools_read,
)
from licenses.services.validation import (
    RELATIONS,
    legal_name_check,
    name_taken,
    seats_check,
    unique_refused,
)
from lmp.partners import roles
from lmp.partners.models import Partner

# The code of a refusal because the customer is offboarded (the API answers it with a 409).
CUSTOMER_OFFBOARDED = "customer_offboarded"


def _customer_save(customer: CustomerAccount, *, update_fields: list[str] | None = None) -> None:
    """full_clean and save; a lost race on the unique name becomes the same field error.

    Only ``customer_unique_active_legal_name`` is the name clash: any other violation is raised
    as it is, not passed off as one.
    """
    # The related rows come from the locked licenses: re-checking that they exist costs queries.
    customer.full_clean(exclude=RELATIONS, validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError as exc:
        if unique_refused(customer, constraint="customer_unique_active_legal_name"):
            raise name_taken(customer.legal_name) from exc
        raise


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
    license, cloud_license = pools_read(license_id=license.pk, partner_id=license.partner_id)
    owner = license.partner
    if partner.pk != owner.pk:
        if not license.sub_partners.filter(pk=partner.pk).exists():
            raise ValidationError(_("This license is not shared with your organisation."))
        sub_partner = partner
    elif sub_partner is not None and not license.sub_partners.filter(pk=sub_partner.pk).exists():
        raise ValidationError(
            {"sub_partner": _("Choose a sub-partner this license is shared with.")}
        )
    if deployment and deployment not in DeploymentSolution.values:
        raise ValidationError({"deployment": _("Choose a deployment solution.")})
    if hosting_region and hosting_region not in HostingRegion.values:
        raise ValidationError({"hosting_region": _("Choose a hosting region.")})

    tier_users, cloud_users, sat_users = seats_check(
        license=license,
        cloud_license=cloud_license,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
    )

    customer = CustomerAccount(
        partner=owner,
        license=license,
        legal_name=legal_name_check(
            partner=owner, sub_partner=sub_partner, legal_name=legal_name, exclude_pk=None
        ),
        # The onboarding form's rules (licenses.contact), as customer_update applies them.
        admin_email=admin_email_check(admin_email),
        website=website_check(website),
        sub_partner=sub_partner,
        deployment=deployment,
        hosting_region=hosting_region,
    )
    _customer_save(customer)
    writes = [AllocationWrite(license, None, tier_users, sat_users, TIER_USERS)]
    if cloud_users:
        writes.append(AllocationWrite(cloud_license, None, cloud_users, 0, CLOUD_USERS))
    onboarded = functools.partial(
        event_build,
        kind=AllocationEventKind.ONBOARDED,
        customer=customer,
        actor=actor,
        source=source,
        at=timezone.now(),
    )
    # The name it starts with (from nothing): history rebuilds the customer from its onboarding.
    events = [
        onboarded(license=license, what=LEGAL_NAME_LABEL, old="", new=customer.legal_name),
        onboarded(license=license, what=license.users_label, old=0, new=tier_users),
    ]
    if sat_users:
        events.append(onboarded(license=license, what=SAT_USERS_LABEL, old=0, new=sat_users))
    if cloud_users:
        events.append(
            onboarded(license=cloud_license, what=cloud_license.users_label, old=0, new=cloud_users)
        )
    events_record(events)
    allocations_write(customer=customer, writes=writes)
    webhooks.customer_onboarded(
        customer=customer, license=license, counts=(tier_users, cloud_users, sat_users)
    )
    return customer


@pool_write
def customer_update(
    *,
    customer: CustomerAccount,
    legal_name: str | None,
    tier_users: int | None,
    cloud_users: int | None = 0,
    sat_users: int | None = 0,
    website: str | None = None,
    admin_email: str | None = None,
    actor=None,
    source: str = AllocationEventSource.PORTAL,
) -> list[Change]:
    """Rename an active customer, change its web site or administrator e-mail and/or its
    allocations; returns what changed.

    None leaves a field as it is (the API's PATCH passes None for what its request leaves out),
    read from the row under the customer's lock, never from the caller's copy: an edit that
    waited on the lock keeps what the edit before it wrote. A ``website`` / ``admin_email`` must
    pass the onboarding form's rules (``licenses.contact``). The caller's ``customer`` gets the
    new name and contact details; allocations are read fresh under the customer's row lock, so
    two edits of one customer cannot interleave.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    # Checked before the lock: a refusal waits on nobody.
    contact = {}
    if website is not None:
        contact["website"] = website_check(website)
    if admin_email is not None:
        contact["admin_email"] = admin_email_check(admin_email)
    original = customer
    customer = customer_lock(customer)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError(
            _("This customer has been offboarded and can no longer be edited."),
            code=CUSTOMER_OFFBOARDED,
        )
    primary, cloud = allocations_read(customer=customer)
    old_tier = primary.seats if primary else 0
    old_sat = primary.sat_users if primary else 0
    old_cloud = cloud.seats if cloud else 0
    tier_users = old_tier if tier_users is None else tier_users
    cloud_users = old_cloud if cloud_users is None else cloud_users
    sat_users = old_sat if sat_users is None else sat_users
    if legal_name is None:
        legal_name = customer.legal_name
    # The pools came with the allocations; one the customer holds nothing on is read only when
    # it is asked for (an active customer always holds seats on its own pool).
    license = primary.license if primary else VolumeLicense.objects.get(pk=customer.license_id)
    cloud_license = cloud.license if cloud else None
    if cloud_license is None and cloud_users:
        cloud_license = cloud_pool_for(license=license)

    tier_users, cloud_users, sat_users = seats_check(
        license=license,
        cloud_license=cloud_license,
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
        held=(old_tier, old_cloud),
    )

    changes: list[Change] = []
    edited = functools.partial(
        event_build,
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
        _customer_save(customer, update_fields=saved)

    writes = []
    if (tier_users, sat_users) != (old_tier, old_sat):
        writes.append(AllocationWrite(license, primary, tier_users, sat_users, TIER_USERS))
        if tier_users != old_tier:
            changes.append(Change(license.users_label, old_tier, tier_users))
            events.append(
                edited(license=license, what=license.users_label, old=old_tier, new=tier_users)
            )
        if sat_users != old_sat:
            changes.append(Change(SAT_USERS_LABEL, old_sat, sat_users))
            events.append(edited(license=license, what=SAT_USERS_LABEL, old=old_sat, new=sat_users))
    if cloud_license is not None and cloud_users != old_cloud:
        writes.append(AllocationWrite(cloud_license, cloud, cloud_users, 0, CLOUD_USERS))
        changes.append(Change(cloud_license.users_label, old_cloud, cloud_users))
        events.append(
            edited(
                license=cloud_license,
                what=cloud_license.users_label,
                old=old_cloud,
                new=cloud_users,
            )
        )
    events_record(events)
    allocations_write(customer=customer, writes=writes)
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


def _own_license(customer: CustomerAccount, active: list) -> VolumeLicense:
    """The customer's own pool: from its allocations when it holds some (no query)."""
    for allocation in active:
        if allocation.license_id == customer.license_id:
            return allocation.license
    return VolumeLicense.objects.order_by().get(pk=customer.license_id)


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
    customer = customer_lock(customer)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError(_("This customer is already offboarded."), code=CUSTOMER_OFFBOARDED)
    released: dict[VolumeLicense, int] = {}
    active = sorted(
        customer.allocations.filter(active=True).select_related("license"),
        key=lambda a: a.license_id,
    )
    offboarded = functools.partial(
        event_build,
        kind=AllocationEventKind.OFFBOARDED,
        customer=customer,
        actor=actor,
        source=source,
        at=timezone.now(),
    )
    # Every figure it held goes to 0 (its SAT users too), and its status changes: recorded even
    # when it held no users, so the history knows when it left.
    events = [
        offboarded(
            license=_own_license(customer, active),
            what=STATUS_LABEL,
            old=CustomerStatus.ACTIVE.value,
            new=CustomerStatus.OFFBOARDED.value,
        )
    ]
    for a in active:
        if a.seats:
            events.append(
                offboarded(license=a.license, what=a.license.users_label, old=a.seats, new=0)
            )
        if a.sat_users:
            events.append(
                offboarded(license=a.license, what=SAT_USERS_LABEL, old=a.sat_users, new=0)
            )
    events_record(events)
    for allocation in active:
        allocation.active = False
        allocation.save(update_fields=["active"])
        # Not a seat rule: our copy follows what the trigger just did to the row, so the
        # webhook's figures (allocated, unallocated) are the pool's after the release.
        allocation.license.allocated -= allocation.seats
        released[allocation.license] = allocation.seats
    customer.status = CustomerStatus.OFFBOARDED
    customer.offboarded_at = timezone.now()
    customer.full_clean(exclude=RELATIONS, validate_constraints=False)
    customer.save(update_fields=["status", "offboarded_at"])
    original.status, original.offboarded_at = customer.status, customer.offboarded_at
    webhooks.customer_offboarded(customer=customer, released=released)
    return released
