"""Reads of the Billing pages, always starting from the partner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import Purchase, Statement, StatementLicense, StatementLine, TierPrice
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


@dataclass(frozen=True)
class CurrencyTotal:
    """What a statement bills in one currency: its licenses' amounts, adjustments and total."""

    currency: str
    amount: Decimal
    adjustments: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.adjustments


def statement_list(*, partner: Partner) -> QuerySet[Statement]:
    """The partner's statements, newest month first."""
    return Statement.objects.filter(partner=partner).order_by("-month")


def statement_totals(*, statements: Iterable[Statement]) -> dict[int, list[CurrencyTotal]]:
    """Each statement's totals per currency (one query for all of them), by statement id."""
    rows = (
        StatementLicense.objects.filter(statement__in=[s.pk for s in statements])
        .values("statement_id", "currency")
        .annotate(amount=Sum("amount"), adjustments=Sum("adjustments"))
        .order_by("statement_id", "currency")
    )
    totals: dict[int, list[CurrencyTotal]] = {}
    for row in rows:
        totals.setdefault(row["statement_id"], []).append(
            CurrencyTotal(row["currency"], row["amount"], row["adjustments"])
        )
    return totals


def statement_get(*, partner: Partner, month: dt.date) -> Statement:
    """The partner's statement of ``month`` (its first day), or 404 (another partner's too)."""
    return get_object_or_404(Statement, partner=partner, month=month)


def statement_licenses(*, statement: Statement) -> list[StatementLicense]:
    """The statement's licenses, in the product's tier order."""
    return list(
        StatementLicense.objects.filter(statement=statement)
        .annotate(tier_rank=_tier_rank("tier"))
        .order_by("tier_rank", "pk")
    )


def statement_currency_totals(licenses: Iterable[StatementLicense]) -> list[CurrencyTotal]:
    """The statement's totals per currency, from its licenses (no query)."""
    sums: dict[str, list[Decimal]] = {}
    for part in licenses:
        amount, adjustments = sums.setdefault(part.currency, [Decimal(0), Decimal(0)])
        sums[part.currency] = [amount + part.amount, adjustments + part.adjustments]
    return [CurrencyTotal(currency, *sums[currency]) for currency in sorted(sums)]


def currency_totals(licenses: Iterable[StatementLicense]) -> dict[str, Decimal]:
    """{currency: total (amounts and adjustments)} of a statement's licenses (no query)."""
    return {t.currency: t.total for t in statement_currency_totals(licenses)}


def statement_lines(*, statement: Statement) -> QuerySet[StatementLine]:
    """The statement's lines with their license (tier, currency), as the statement orders them:
    by license in the tier order, customers, then the unallocated line and the adjustments."""
    return (
        StatementLine.objects.filter(statement=statement)
        .select_related("statement_license")
        .annotate(tier_rank=_tier_rank("statement_license__tier"), kind_rank=_KIND_RANK)
        .order_by("tier_rank", "statement_license_id", "kind_rank", "legal_name", "pk")
    )


def _tier_rank(field: str) -> Case:
    """The product's order of the tiers (Core, Complete, Cloud), not the alphabet's."""
    return Case(
        *(When(**{field: tier}, then=Value(rank)) for rank, tier in enumerate(ServiceTier.values)),
        default=Value(len(ServiceTier.values)),
        output_field=IntegerField(),
    )


# Customers, then the unallocated users, then the corrections of earlier months.
_KIND_RANK = Case(
    *(
        When(kind=kind, then=Value(rank))
        # The choices' own order: customer, unallocated, adjustment.
        for rank, kind in enumerate(StatementLineKind.values)
    ),
    output_field=IntegerField(),
)
