"""Reads of the appliance catalogue and addresses."""

from __future__ import annotations

from django.db.models import QuerySet

from licenses.models import Partner
from shipping.models import Address, Appliance


def appliance_catalogue() -> QuerySet[Appliance]:
    """The appliance models partners can order now."""
    return Appliance.objects.filter(active=True).order_by("sort_order", "name")


def partner_default_address(*, partner: Partner) -> Address | None:
    """The partner's default shipping address, if it has one."""
    if partner.default_address_id is None:
        return None
    return Address.objects.filter(pk=partner.default_address_id, partner=partner).first()
