"""Reads of the appliance catalogue and addresses."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from lmp.partners.models import Partner
from shipping.models import Address, Appliance
from shipping.services import ADDRESS_FIELDS

# How many saved addresses the onboarding wizard offers, newest first.
SAVED_ADDRESSES_SHOWN = 8


def appliance_catalogue() -> QuerySet[Appliance]:
    """The appliance models partners can order now."""
    return Appliance.objects.filter(active=True).order_by("sort_order", "name")


def partner_default_address(*, partner: Partner) -> Address | None:
    """The partner's default shipping address, if it has one (its partial unique index)."""
    return Address.objects.filter(partner=partner, is_default=True).order_by().first()


def partner_saved_addresses(
    *, partner: Partner, limit: int = SAVED_ADDRESSES_SHOWN
) -> list[Address]:
    """The partner's addresses other than its default, newest first, each distinct address once.

    Every order saves the addresses typed for it, so one site shipped to twice is two rows; the
    newest row of each stands for it (and brings its label, if staff gave it one).
    """
    latest = list(
        Address.objects.filter(partner=partner, is_default=False)
        .values(*ADDRESS_FIELDS)
        .annotate(latest=Max("pk"))
        .order_by("-latest")
        .values_list("latest", flat=True)[:limit]
    )
    found = Address.objects.in_bulk(latest)
    return [found[pk] for pk in latest]
