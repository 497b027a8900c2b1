"""Reads of the Billing pages, always starting from the partner."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from lmp.billing.models import Purchase, TierPrice
from lmp.core.l10n import count
from lmp.partners.models import Partner


@dataclass(frozen=True)
class PurchaseOption:
    """A tier the partner can buy seats of: its own license, or a new one at the list price.

    ``price`` is None for a tier it does not hold that has no list price in its currency.
    """

    tier: str
    label: str
    commitment: int
    price: Decimal | None
    currency: str
    license: VolumeLicense | None

    @property
    def monthly_total(self) -> Decimal:
        return (self.price or Decimal(0)) * self.commitment

    @property
    def choice_label(self) -> str:
        if self.license is not None:
            return ngettext(
                "%(tier)s — %(count)s user now", "%(tier)s — %(count)s users now", self.commitment
            ) % {"tier": self.label, "count": count(self.commitment)}
        if self.price is None:
            return _("%(tier)s — new license (no list price yet)") % {"tier": self.label}
        return _("%(tier)s — new license at the list price") % {"tier": self.label}

    def data_attrs(self) -> dict[str, str]:
        """What ``static/js/purchase.js`` reads to show the totals as the user types."""
        return {
            "data-price": "" if self.price is None else f"{self.price:.2f}",
            "data-commitment": str(self.commitment),
            "data-currency": self.currency,
        }


def purchase_options(*, partner: Partner) -> list[PurchaseOption]:
    """The partner's own licenses, then the tiers it does not hold (licenses shared with it are
    their owner's to buy), in the product's tier order."""
    own = {lic.tier: lic for lic in VolumeLicense.objects.filter(partner=partner)}
    prices = {
        p.tier: p.price_per_user
        for p in TierPrice.objects.filter(currency=partner.billing_currency)
    }
    options = []
    for tier in ServiceTier:
        license = own.get(tier.value)
        if license is not None:
            options.append(
                PurchaseOption(
                    tier.value,
                    tier.label,
                    license.seat_commitment,
                    license.price_per_user,
                    license.currency,
                    license,
                )
            )
        else:
            options.append(
                PurchaseOption(
                    tier.value,
                    tier.label,
                    0,
                    prices.get(tier.value),
                    partner.billing_currency,
                    None,
                )
            )
    return options


def purchase_list(*, partner: Partner) -> QuerySet[Purchase]:
    """The partner's purchases, newest first."""
    return (
        Purchase.objects.filter(partner=partner)
        .select_related("buyer")
        .order_by("-created_at", "-id")
    )


def purchase_get(*, partner: Partner, reference: str) -> Purchase:
    """One of the partner's purchases by its reference, or 404 (another partner's too)."""
    return get_object_or_404(
        Purchase.objects.select_related("license", "buyer"), partner=partner, reference=reference
    )
