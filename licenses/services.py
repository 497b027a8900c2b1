"""Writes to licenses, customers and seat allocations.

Every function here runs in one transaction, locks the license rows it touches (``SELECT ... FOR
UPDATE`` in primary-key order, so two requests touching the same two pools cannot deadlock),
re-checks availability against the locked rows and only then writes. The database triggers and CHECK
constraints (see ``licenses.models``) are the backstop; the checks here exist so the partner gets a
message it understands instead of an IntegrityError.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from licenses.choices import CustomerStatus, DeploymentSolution, HostingRegion, ServiceTier
from licenses.models import CustomerAccount, Partner, SeatAllocation, VolumeLicense
from licenses.selectors import cloud_license_for

# PostgreSQL's integer column tops out here; larger numbers are refused with a message, not a 500.
MAX_SEATS = 2_147_483_647


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


def licenses_lock(*, license_ids: Iterable[int]) -> dict[int, VolumeLicense]:
    """Lock the given license rows in primary-key order and return fresh copies by id."""
    ids = sorted({i for i in license_ids if i is not None})
    locked = VolumeLicense.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {lic.pk: lic for lic in locked}


def _check_count(value: object, *, field: str, label: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: f"{label} must be a whole number."})
    if value < minimum:
        if minimum == 0:
            raise ValidationError({field: f"{label} cannot be negative."})
        raise ValidationError({field: f"{label} must be at least {minimum}."})
    if value > MAX_SEATS:
        raise ValidationError({field: f"{label} is larger than any license."})
    return value


def _check_available(
    *, license: VolumeLicense, current: int, wanted: int, field: str
) -> None:
    """Refuse when ``wanted`` seats would not fit in the locked ``license``."""
    available = license.seat_commitment - license.allocated + current
    if wanted > available:
        noun = "user is" if available == 1 else "users are"
        raise ValidationError(
            {field: f"Only {available:,} {license.get_tier_display()} {noun} available."}
        )


def _check_legal_name(*, partner: Partner, legal_name: str, exclude_pk: int | None) -> str:
    name = " ".join((legal_name or "").split())
    if not name:
        raise ValidationError({"legal_name": "Enter the customer's legal name."})
    clash = CustomerAccount.objects.filter(
        partner=partner, status=CustomerStatus.ACTIVE, legal_name__iexact=name
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"legal_name": f"An active customer named “{name}” already exists."}
        )
    return name


def _save_customer(customer: CustomerAccount) -> None:
    """full_clean and save; a lost race on the unique name becomes the same field error."""
    customer.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        if "customer_unique_active_legal_name" in str(exc) or "UNIQUE" in str(exc).upper():
            raise ValidationError(
                {"legal_name": f"An active customer named “{customer.legal_name}” already exists."}
            ) from exc
        raise


def _write_allocation(
    *,
    customer: CustomerAccount,
    license: VolumeLicense,
    allocation: SeatAllocation | None,
    seats: int,
    sat_users: int = 0,
) -> SeatAllocation | None:
    """Create, change or (seats == 0 on a secondary pool) delete one allocation row."""
    if allocation is None:
        if seats == 0:
            return None
        allocation = SeatAllocation(customer=customer, license=license, tier=license.tier)
    elif seats == 0 and license.pk != customer.license_id:
        allocation.delete()
        return None
    allocation.seats = seats
    allocation.sat_users = sat_users
    allocation.full_clean(validate_constraints=False)
    allocation.save()
    return allocation


def _validate_counts(
    *,
    license: VolumeLicense,
    cloud_license: VolumeLicense | None,
    tier_users: object,
    cloud_users: object,
    sat_users: object,
) -> tuple[int, int, int]:
    label = license.users_label
    tier_users = _check_count(tier_users, field="tier_users", label=label, minimum=1)
    cloud_users = _check_count(cloud_users, field="cloud_users", label="MDR Cloud Users")
    sat_users = _check_count(sat_users, field="sat_users", label="Beauceron SAT Users")
    if license.tier == ServiceTier.CLOUD and cloud_users:
        raise ValidationError(
            {"cloud_users": "Customers of the MDR Cloud license hold only MDR Cloud users."}
        )
    if cloud_users and cloud_license is None:
        raise ValidationError({"cloud_users": "This partner has no MDR Cloud license."})
    if sat_users and license.tier != ServiceTier.COMPLETE:
        raise ValidationError({"sat_users": "Beauceron SAT is only available with MDR Complete."})
    if sat_users > tier_users:
        raise ValidationError(
            {"sat_users": f"Beauceron SAT users cannot exceed the {label} ({tier_users:,})."}
        )
    return tier_users, cloud_users, sat_users


@transaction.atomic
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
) -> CustomerAccount:
    """Create a customer on ``license`` with its tier (and optional cloud / SAT) allocations.

    ``partner`` is the acting partner: the license owner, or a sub-partner it is shared with (the
    customer then belongs to the owner and is managed by that sub-partner).
    """
    cloud_license = cloud_license_for(partner=license.partner)
    locked = licenses_lock(
        license_ids=[license.pk, cloud_license.pk if cloud_license else None]
    )
    license = locked[license.pk]
    cloud_license = locked.get(cloud_license.pk) if cloud_license else None

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
        license=license, cloud_license=cloud_license,
        tier_users=tier_users, cloud_users=cloud_users, sat_users=sat_users,
    )
    _check_available(license=license, current=0, wanted=tier_users, field="tier_users")
    if cloud_users:
        _check_available(license=cloud_license, current=0, wanted=cloud_users, field="cloud_users")

    customer = CustomerAccount(
        partner=owner,
        license=license,
        legal_name=_check_legal_name(partner=owner, legal_name=legal_name, exclude_pk=None),
        admin_email=(admin_email or "").strip(),
        website=(website or "").strip(),
        sub_partner=sub_partner,
        deployment=deployment,
        hosting_region=hosting_region,
    )
    _save_customer(customer)
    _write_allocation(
        customer=customer, license=license, allocation=None, seats=tier_users, sat_users=sat_users
    )
    if cloud_users:
        _write_allocation(
            customer=customer, license=cloud_license, allocation=None, seats=cloud_users
        )
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: CustomerAccount,
    legal_name: str,
    tier_users: int,
    cloud_users: int = 0,
    sat_users: int = 0,
    actor=None,
) -> list[Change]:
    """Rename an active customer and/or change its allocations; returns what changed."""
    license = customer.license
    cloud_license = cloud_license_for(partner=license.partner)
    locked = licenses_lock(
        license_ids=[license.pk, cloud_license.pk if cloud_license else None]
    )
    license = locked[license.pk]
    cloud_license = locked.get(cloud_license.pk) if cloud_license else None
    customer = CustomerAccount.objects.select_for_update().get(pk=customer.pk)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError("An offboarded customer cannot be edited.")

    allocations = {a.license_id: a for a in customer.allocations.all()}
    primary = allocations.get(license.pk)
    cloud = allocations.get(cloud_license.pk) if cloud_license else None
    old_tier = primary.seats if primary else 0
    old_sat = primary.sat_users if primary else 0
    old_cloud = cloud.seats if cloud else 0

    tier_users, cloud_users, sat_users = _validate_counts(
        license=license, cloud_license=cloud_license,
        tier_users=tier_users, cloud_users=cloud_users, sat_users=sat_users,
    )
    _check_available(license=license, current=old_tier, wanted=tier_users, field="tier_users")
    if cloud_users:
        _check_available(
            license=cloud_license, current=old_cloud, wanted=cloud_users, field="cloud_users"
        )

    changes: list[Change] = []
    name = _check_legal_name(
        partner=customer.partner, legal_name=legal_name, exclude_pk=customer.pk
    )
    if name != customer.legal_name:
        changes.append(Change("Legal name", customer.legal_name, name))
        customer.legal_name = name
        _save_customer(customer)
    if (tier_users, sat_users) != (old_tier, old_sat):
        _write_allocation(
            customer=customer, license=license, allocation=primary,
            seats=tier_users, sat_users=sat_users,
        )
        if tier_users != old_tier:
            changes.append(Change(license.users_label, old_tier, tier_users))
        if sat_users != old_sat:
            changes.append(Change("Beauceron SAT Users", old_sat, sat_users))
    if cloud_license is not None and cloud_users != old_cloud:
        _write_allocation(
            customer=customer, license=cloud_license, allocation=cloud, seats=cloud_users
        )
        changes.append(Change("MDR Cloud Users", old_cloud, cloud_users))
    return changes


@transaction.atomic
def allocation_set(
    *, customer: CustomerAccount, license: VolumeLicense, seats: int, sat_users: int = 0, actor=None
) -> SeatAllocation | None:
    """Set one customer's seats on one license (0 on a secondary pool releases the allocation)."""
    license = licenses_lock(license_ids=[license.pk])[license.pk]
    customer = CustomerAccount.objects.select_for_update().get(pk=customer.pk)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError("Seats cannot be allocated to an offboarded customer.")
    if license.partner_id != customer.partner_id:
        raise ValidationError("This license does not belong to the customer's partner.")
    primary = license.pk == customer.license_id
    if not primary and license.tier != ServiceTier.CLOUD:
        raise ValidationError("A customer holds seats only on its own tier and on MDR Cloud.")
    seats = _check_count(
        seats, field="seats", label=license.users_label, minimum=1 if primary else 0
    )
    sat_users = _check_count(sat_users, field="sat_users", label="Beauceron SAT Users")
    if sat_users and license.tier != ServiceTier.COMPLETE:
        raise ValidationError({"sat_users": "Beauceron SAT is only available with MDR Complete."})
    if sat_users > seats:
        raise ValidationError(
            {"sat_users": f"Beauceron SAT users cannot exceed the {license.users_label} ({seats:,})."}
        )
    allocation = customer.allocations.filter(license=license).first()
    current = allocation.seats if allocation else 0
    _check_available(license=license, current=current, wanted=seats, field="seats")
    return _write_allocation(
        customer=customer, license=license, allocation=allocation, seats=seats, sat_users=sat_users
    )


def allocation_release(*, customer: CustomerAccount, license: VolumeLicense, actor=None) -> None:
    """Give a customer's secondary (MDR Cloud) seats back to the pool."""
    allocation_set(customer=customer, license=license, seats=0, actor=actor)


@transaction.atomic
def customer_offboard(*, customer: CustomerAccount, actor=None) -> dict[VolumeLicense, int]:
    """Mark the customer offboarded (the row stays) and return its seats to their pools.

    Returns the seats released per license.
    """
    license_ids = customer.allocations.values_list("license_id", flat=True)
    locked = licenses_lock(license_ids=list(license_ids))
    customer = CustomerAccount.objects.select_for_update().get(pk=customer.pk)
    if customer.status != CustomerStatus.ACTIVE:
        raise ValidationError("This customer is already offboarded.")
    released: dict[VolumeLicense, int] = {}
    for allocation in customer.allocations.filter(active=True):
        released[locked[allocation.license_id]] = allocation.seats
        allocation.active = False
        allocation.save(update_fields=["active"])
    customer.status = CustomerStatus.OFFBOARDED
    customer.offboarded_at = timezone.now()
    customer.full_clean(validate_constraints=False)
    customer.save(update_fields=["status", "offboarded_at"])
    return released


@transaction.atomic
def license_commitment_set(
    *, license: VolumeLicense, seat_commitment: int, actor=None
) -> VolumeLicense:
    """Change a license's seat commitment; refused below what is already allocated."""
    seat_commitment = _check_count(
        seat_commitment, field="seat_commitment", label="Seat commitment"
    )
    license = licenses_lock(license_ids=[license.pk])[license.pk]
    if seat_commitment < license.allocated:
        raise ValidationError(
            {
                "seat_commitment": (
                    f"{license.allocated:,} seats are allocated; the commitment cannot go "
                    "below that."
                )
            }
        )
    license.seat_commitment = seat_commitment
    license.save(update_fields=["seat_commitment"])
    return license


@transaction.atomic
def license_save(*, license: VolumeLicense, actor=None) -> VolumeLicense:
    """Create or update a license's terms (admin); the commitment goes through the lock above."""
    if license.pk:
        wanted = license.seat_commitment
        current = licenses_lock(license_ids=[license.pk])[license.pk]
        license.allocated = current.allocated
        license.seat_commitment = current.seat_commitment
        license.full_clean()
        license.save()  # every field but the trigger-owned counter
        if wanted != current.seat_commitment:
            license_commitment_set(license=license, seat_commitment=wanted, actor=actor)
            license.refresh_from_db()
        return license
    license.full_clean()
    license.save()
    return license
