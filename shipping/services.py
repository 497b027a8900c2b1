"""Writes to addresses and the appliance catalogue (its demo entries: lmp/demo/catalogue.py)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from lmp.partners.models import Partner
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
