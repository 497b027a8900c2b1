"""Writes of the Billing page."""

from __future__ import annotations

from django.db import transaction

from lmp.partners import roles
from lmp.partners.models import Partner

BILLING_FIELDS = (
    "billing_contact_name",
    "billing_email",
    "billing_phone",
    "billing_address",
    "billing_currency",
    "purchase_order_number",
    "payment_reference",
)


@transaction.atomic
def partner_billing_set(
    *,
    partner: Partner,
    actor,
    billing_contact_name: str,
    billing_email: str,
    billing_phone: str,
    billing_address: str,
    billing_currency: str,
    purchase_order_number: str,
    payment_reference: str,
) -> list[str]:
    """Save the partner's billing details; returns the labels of the fields that changed."""
    roles.require(actor, roles.CHANGE_BILLING)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    values = {
        "billing_contact_name": billing_contact_name,
        "billing_email": billing_email,
        "billing_phone": billing_phone,
        "billing_address": billing_address,
        "billing_currency": billing_currency,
        "purchase_order_number": purchase_order_number,
        "payment_reference": payment_reference,
    }
    changed = []
    for name, value in values.items():
        value = (value or "").strip()
        if getattr(partner, name) != value:
            setattr(partner, name, value)
            changed.append(name)
    if not changed:
        return []
    partner.full_clean()
    partner.save(update_fields=changed)
    return [str(Partner._meta.get_field(name).verbose_name) for name in changed]
