"""Reads of the appliance catalogue and addresses."""

from __future__ import annotations

from django.db.models import QuerySet

from lmp.partners.models import Partner
from shipping.models import Address, Appliance


def appliance_catalogue() -> QuerySet[Appliance]:
    """The appliance models partners can order now."""
    return Appliance.objects.filter(active=True).order_by("sort_order", "name")


def partner_default_address(*, partner: Partner) -> Address | None:
    """The partner's default shipping address, if it has one (its partial unique index)."""
    return Address.objects.filter(partner=partner, is_default=True).order_by().first()
