"""Writes to addresses and the appliance catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from lmp.partners.models import Partner
from shipping.choices import FormFactor, SiteSize
from shipping.models import Address, Appliance

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

    The partner row is locked first, so two changes of one partner's default queue instead of
    meeting at the one-default index (even when the partner has no default yet).
    """
    list(Partner.objects.select_for_update().filter(pk=partner_id).values_list("pk"))
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
