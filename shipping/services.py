"""Writes to addresses, the appliance catalogue and shipments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shipping.choices import ApplianceRole, FormFactor, ShipmentStatus, SiteSize
from shipping.models import Address, Appliance, Shipment

if TYPE_CHECKING:
    from lmp.partners.models import Partner
    from onboarding.models import OnboardingRequest

# The fields an address form collects (the partner comes from the signed-in user).
ADDRESS_FIELDS = [
    "recipient",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
]

# The demo catalogue. A fully virtual deployment needs no appliance, so it is not listed here.
CATALOGUE = [
    dict(
        name="NS-100 Desktop Sensor",
        form_factor=FormFactor.DESKTOP,
        site_size=SiteSize.SMALL,
        throughput="Up to 250 Mbps",
        sort_order=10,
        description="Fanless desktop sensor for branch offices and small sites (up to ~50 users).",
    ),
    dict(
        name="NS-1000 Rack Sensor",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.MEDIUM,
        throughput="Up to 1 Gbps",
        sort_order=20,
        description="1U sensor for a mid-size site's core switch (roughly 50–500 users).",
    ),
    dict(
        name="NS-4000 High-Throughput Sensor",
        form_factor=FormFactor.RACK_1U,
        site_size=SiteSize.LARGE,
        throughput="Up to 5 Gbps",
        sort_order=30,
        description="1U sensor with 10G SFP+ capture ports for large sites and campuses.",
    ),
    dict(
        name="NS-10G Data Centre Sensor",
        form_factor=FormFactor.RACK_2U,
        site_size=SiteSize.LARGE,
        throughput="Up to 10 Gbps",
        sort_order=40,
        description="2U high-throughput sensor for data centres and head offices.",
    ),
]


@dataclass(frozen=True)
class ShipmentLine:
    """One appliance of an order and the (already saved) address it ships to."""

    appliance: Appliance
    role: str
    address: Address


def catalogue_seed() -> int:
    """Add the demo appliance models that are missing (edits made in the admin are kept)."""
    created = 0
    for spec in CATALOGUE:
        defaults = {k: v for k, v in spec.items() if k != "name"}
        _, was_created = Appliance.objects.get_or_create(name=spec["name"], defaults=defaults)
        created += was_created
    return created


@transaction.atomic
def appliance_save(*, appliance: Appliance, actor=None) -> Appliance:
    """Create or change a catalogue entry (admin)."""
    appliance.full_clean()
    appliance.save()
    return appliance


def _defaults_clear(*, partner_id: int, keep: int | None) -> None:
    """Unmark the partner's default address (other than ``keep``), so another can take its place.

    The UPDATE locks that row, so two concurrent changes queue; the partial unique index settles
    the race the lock cannot see (two first defaults at once).
    """
    others = Address.objects.filter(partner_id=partner_id, is_default=True)
    if keep is not None:
        others = others.exclude(pk=keep)
    others.update(is_default=False)


@transaction.atomic
def address_save(*, address: Address, actor=None) -> Address:
    """Create or change one address; the postal code is checked against its country.

    Saving it as the default takes that role from the partner's previous default address.
    """
    if address.is_default and address.partner_id is not None:
        _defaults_clear(partner_id=address.partner_id, keep=address.pk)
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_default_set(*, address: Address, actor=None) -> Address:
    """Make ``address`` its partner's default shipping address (the previous one stops being it)."""
    _defaults_clear(partner_id=address.partner_id, keep=address.pk)
    if not address.is_default:
        address.is_default = True
        address.full_clean()
        address.save(update_fields=["is_default"])
    return address


def addresses_create(*, partner: Partner, addresses: Sequence[dict]) -> list[Address]:
    """Validate and insert a partner's new addresses in one query, in the order given."""
    objs = []
    for data in addresses:
        address = Address(partner=partner, **{k: data.get(k, "") for k in ADDRESS_FIELDS})
        # The partner was resolved by the caller; checking the FK again would cost a query each.
        address.full_clean(exclude=["partner"], validate_unique=False, validate_constraints=False)
        objs.append(address)
    return Address.objects.bulk_create(objs)


def shipments_create(
    *, onboarding_request: OnboardingRequest, lines: Sequence[ShipmentLine]
) -> list[Shipment]:
    """Insert the pending shipments of an order in one query, whatever the number of appliances."""
    primaries = sum(1 for line in lines if line.role == ApplianceRole.PRIMARY)
    if lines and primaries != 1:
        raise ValidationError({"primary_appliance": "Choose exactly one primary appliance."})
    objs = []
    for line in lines:
        shipment = Shipment(
            onboarding_request=onboarding_request,
            appliance=line.appliance,
            role=line.role,
            address=line.address,
        )
        # The foreign keys point at rows fetched or created in this transaction.
        shipment.full_clean(
            exclude=["onboarding_request", "appliance", "address"],
            validate_unique=False,
            validate_constraints=False,
        )
        objs.append(shipment)
    return Shipment.objects.bulk_create(objs)


def _locked(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update().select_related("appliance").get(pk=shipment.pk)


@transaction.atomic
def shipment_tracking_set(
    *, shipment: Shipment, carrier: str, tracking_number: str, actor=None
) -> Shipment:
    """Record (or correct) the carrier and tracking number vendor staff got for a shipment."""
    locked = _locked(shipment)
    locked.carrier = (carrier or "").strip()
    locked.tracking_number = " ".join((tracking_number or "").split())
    locked.full_clean(
        exclude=["onboarding_request", "appliance", "address"], validate_constraints=False
    )
    locked.save(update_fields=["carrier", "tracking_number"])
    shipment.carrier, shipment.tracking_number = locked.carrier, locked.tracking_number
    return locked


@transaction.atomic
def shipment_mark_shipped(*, shipment: Shipment, actor=None) -> Shipment:
    """Pending -> shipped; needs the carrier and tracking number first."""
    locked = _locked(shipment)
    if locked.status != ShipmentStatus.PENDING:
        raise ValidationError(
            f"{locked.appliance} (shipment {locked.pk}) is already "
            f"{locked.get_status_display().lower()}."
        )
    if not (locked.carrier and locked.tracking_number):
        raise ValidationError(
            f"{locked.appliance} (shipment {locked.pk}) needs a carrier and a tracking number "
            "before it can be marked shipped."
        )
    locked.status = ShipmentStatus.SHIPPED
    locked.shipped_at = timezone.now()
    locked.save(update_fields=["status", "shipped_at"])
    return locked


@transaction.atomic
def shipment_mark_delivered(*, shipment: Shipment, actor=None) -> Shipment:
    """Shipped -> delivered."""
    locked = _locked(shipment)
    if locked.status != ShipmentStatus.SHIPPED:
        state = locked.get_status_display().lower()
        reason = "already delivered" if locked.status == ShipmentStatus.DELIVERED else state
        raise ValidationError(
            f"{locked.appliance} (shipment {locked.pk}) is {reason}; only shipped appliances "
            "can be marked delivered."
        )
    locked.status = ShipmentStatus.DELIVERED
    locked.delivered_at = timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    return locked
