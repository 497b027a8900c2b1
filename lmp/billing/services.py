"""Writes of the Billing page: the billing details, and purchases of additional seats."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licenses import services as license_services
from licenses.choices import AllocationEventSource, ServiceTier, purchase_note
from licenses.models import VolumeLicense
from licenses.policy import count_check, purchase_count
from lmp.billing.models import Purchase, TierPrice, purchase_reference
from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.models import Partner
from lmp.partners.selectors import partner_member_emails

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


def _price_for(*, partner: Partner, tier: str) -> TierPrice:
    """The list price of ``tier`` in the partner's billing currency, or a refusal on the tier."""
    price = TierPrice.objects.filter(tier=tier, currency=partner.billing_currency).first()
    if price is None:
        raise ValidationError(
            {
                "tier": _(
                    "%(tier)s cannot be bought here yet: it has no list price in %(currency)s. "
                    "Ask your account manager."
                )
                % {"tier": ServiceTier(tier).label, "currency": partner.billing_currency}
            }
        )
    return price


def _new_license(*, partner: Partner, tier: str, price: TierPrice, actor) -> VolumeLicense:
    """The partner's license of a tier it did not hold, at the list price, renewing with its
    other licenses (or in a year); its commitment starts at 0 and grows with the purchase."""
    others = VolumeLicense.objects.filter(partner=partner).order_by("renewal_date")
    first = others.values_list("renewal_date", flat=True).first()
    renewal = first or timezone.localdate() + dt.timedelta(days=365)
    license = VolumeLicense(
        partner=partner,
        tier=tier,
        seat_commitment=0,
        renewal_date=renewal,
        price_per_user=price.price_per_user,
        currency=price.currency,
    )
    return license_services.license_save(
        license=license, actor=actor, source=AllocationEventSource.PORTAL
    )


def _purchase_email(purchase: Purchase, *, site_url: str) -> None:
    """The confirmation, to the buyer and the partner's ``roles.PURCHASE_EMAILS`` recipients
    (its Administrators), with the reference."""
    to = set(partner_member_emails(partner=purchase.partner, emails=roles.PURCHASE_EMAILS))
    if purchase.buyer and purchase.buyer.email:
        to.add(purchase.buyer.email)
    if not to:
        return
    path = reverse("billing:purchase_detail", kwargs={"reference": purchase.reference})
    context = {"purchase": purchase, "partner": purchase.partner, "url": site_url + path}
    # One e-mail per language: each recipient reads it in its own (lmp.partners.languages).
    for language, addresses in languages.by_language(sorted(to), partner=purchase.partner).items():
        with translation.override(language):
            email_enqueue(
                kind="purchase confirmation",
                to=sorted(addresses),
                subject=render_to_string(
                    "emails/purchase_confirmation_subject.txt", context
                ).strip(),
                body=render_to_string("emails/purchase_confirmation.txt", context),
            )


@transaction.atomic
def seats_purchase(
    *, actor, partner: Partner, tier: str, users: object, token: str, site_url: str = ""
) -> Purchase:
    """Buy ``users`` more seats of ``tier`` for the partner: applied at once, e-mailed, once.

    One transaction: the partner's row is locked (its purchases queue up, so two Administrators
    buying at once both apply, one after the other), then the license's; the commitment grows,
    the Purchase is saved with its reference, the license's history says "Seat commitment 1,990 →
    2,040 (purchase LMP-…)" and the confirmation e-mail is enqueued. The same ``token`` again (a
    double click, a resubmitted form) returns the first purchase and buys nothing. A tier the
    partner does not hold yet gets its license at the list price. Licenses shared with the
    partner are its owner's: the partner buys only for its own.
    """
    roles.require(actor, roles.BUY_SEATS)
    token = str(token or "").strip()
    if not token or len(token) > 64:
        raise ValidationError(_("This form has expired: open the Purchase page again."))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    first = Purchase.objects.filter(token=token).select_related("license").first()
    if first is not None:
        if first.partner_id != partner.pk:
            raise ValidationError(_("This form has expired: open the Purchase page again."))
        return first
    if tier not in ServiceTier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    license = VolumeLicense.objects.select_for_update().filter(partner=partner, tier=tier).first()
    count = purchase_count(commitment=license.seat_commitment if license else 0)
    if count.maximum < 1:
        raise ValidationError({"users": _("This license cannot grow any further.")})
    users = count_check(users, count=count)
    new_license = license is None
    if new_license:
        license = _new_license(
            partner=partner, tier=tier, price=_price_for(partner=partner, tier=tier), actor=actor
        )
    previous = license.seat_commitment
    purchase = Purchase(
        partner=partner,
        license=license,
        tier=tier,
        users=users,
        price_per_user=license.price_per_user,
        currency=license.currency,
        monthly_amount=license.price_per_user * users,
        previous_commitment=previous,
        new_commitment=previous + users,
        new_license=new_license,
        buyer=actor if getattr(actor, "is_authenticated", False) else None,
        token=token,
    )
    purchase.full_clean(exclude=["partner", "license", "buyer"], validate_constraints=False)
    purchase.save()
    purchase.reference = purchase_reference(year=purchase.created_at.year, pk=purchase.pk)
    purchase.save(update_fields=["reference"])
    license_services.license_commitment_set(
        license=license,
        seat_commitment=purchase.new_commitment,
        actor=actor,
        source=AllocationEventSource.PORTAL,
        note=purchase_note(purchase.reference),
    )
    _purchase_email(purchase, site_url=site_url.rstrip("/"))
    return purchase
