"""The vendor's price list, the partners' purchases of additional seats and their month-end
statements."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licenses.choices import Currency, ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from lmp.billing.choices import StatementLineKind
from lmp.core.l10n import money
from lmp.partners.models import Partner


class TierPrice(models.Model):
    """The vendor's list price per user per month of a tier, in one currency (staff edit it).

    A partner buying a tier it does not hold yet gets its license at this price; a license it
    holds keeps its own (negotiated) price.
    """

    tier = models.CharField(_("tier"), max_length=20, choices=ServiceTier.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    price_per_user = models.DecimalField(
        _("List price per user per month"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["tier", "currency"]
        verbose_name = _("tier list price")
        verbose_name_plural = _("tier list prices")
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "currency"],
                name="tier_price_one_per_tier_currency",
                violation_error_message=_("This tier already has a price in this currency."),
            ),
            models.CheckConstraint(
                condition=Q(price_per_user__gte=0), name="tier_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        # Translators: a tier list price in admin, e.g. "MDR Core: $9.95 CAD".
        return _("%(tier)s: %(price)s") % {
            "tier": self.get_tier_display(),
            "price": money(self.price_per_user, self.currency),
        }


class Purchase(models.Model):
    """Additional seats a partner bought: applied at once to the license's commitment.

    ``reference`` (LMP-YYYY-NNNNNN) is the purchase's id, given in the same transaction as the
    insert, so two purchases at once can never share one. ``token`` is the purchase form's: a
    double click or a resubmitted form finds the first purchase instead of buying again.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("partner")
    )
    license = models.ForeignKey(
        VolumeLicense, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("license")
    )
    tier = models.CharField(_("tier"), max_length=20, choices=ServiceTier.choices)
    users = models.PositiveIntegerField(_("Users added"), validators=[MinValueValidator(1)])
    price_per_user = models.DecimalField(
        _("Price per user per month"), max_digits=8, decimal_places=2
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    monthly_amount = models.DecimalField(_("Monthly amount added"), max_digits=14, decimal_places=2)
    previous_commitment = models.PositiveIntegerField(_("Seat commitment before"))
    new_commitment = models.PositiveIntegerField(_("New seat commitment"))
    new_license = models.BooleanField(
        _("License created"),
        default=False,
        help_text=_("The purchase created the partner's license."),
    )
    reference = models.CharField(
        _("reference"), max_length=20, unique=True, null=True, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("buyer"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    token = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"], name="purchase_partner_at")]
        constraints = [
            models.CheckConstraint(condition=Q(users__gte=1), name="purchase_adds_users"),
            models.CheckConstraint(
                condition=Q(new_commitment=models.F("previous_commitment") + models.F("users")),
                name="purchase_commitment_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or _("purchase %(id)s") % {"id": self.pk}

    @property
    def new_monthly_total(self) -> Decimal:
        """The license's monthly total after the purchase, at its price."""
        return self.price_per_user * self.new_commitment


def purchase_reference(*, year: int, pk: int) -> str:
    """e.g. "LMP-2026-000123": the year of the purchase and its id."""
    return f"LMP-{year}-{pk:06d}"


class Statement(models.Model):
    """A partner's month-end statement: written once when the month closes, never edited.

    It bills each of the partner's own licenses for its seat commitment at the month's end, broken
    down by customer (the users each held at the month's end, the month's peak beside it) and the
    unallocated rest, so a license's total is its monthly total on the Billing page that day. A
    correction of a closed month is an adjustment line in a later statement.
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="statements", verbose_name=_("partner")
    )
    # The first day of the month the statement covers.
    month = models.DateField(_("month"))
    # The instant the month ended (the first instant of the next month, in the portal's zone):
    # the lines are the state just before it.
    period_end = models.DateTimeField(_("period end"))
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-month", "partner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "month"],
                name="statement_one_per_partner_month",
                violation_error_message=_("This partner already has a statement for this month."),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="statement_month_first_day"),
        ]

    def __str__(self) -> str:
        return _("%(partner)s — %(month)s") % {
            "partner": self.partner,
            "month": self.month.strftime("%Y-%m"),
        }


class StatementLicense(models.Model):
    """One license's part of a statement: its terms at the month's end and its totals."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="licenses", verbose_name=_("statement")
    )
    license = models.ForeignKey(
        VolumeLicense, on_delete=models.PROTECT, related_name="+", verbose_name=_("license")
    )
    tier = models.CharField(_("tier"), max_length=20, choices=ServiceTier.choices)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    seat_commitment = models.PositiveIntegerField(_("Seat commitment"))
    allocated = models.PositiveIntegerField(_("Allocated"))
    price_per_user = models.DecimalField(
        _("Price per user per month"), max_digits=8, decimal_places=2
    )
    # seat_commitment × price_per_user: the Billing page's monthly total at the month's end.
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2)
    # The sum of the adjustment lines (corrections of earlier months); zero without any.
    adjustments = models.DecimalField(
        _("Adjustments"), max_digits=14, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("statement license")
        verbose_name_plural = _("statement licenses")
        ordering = ["statement", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "license"], name="statement_license_once"),
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("seat_commitment")),
                name="statement_license_allocated_within_commitment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement} · {self.get_tier_display()}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.adjustments


class StatementLine(models.Model):
    """One line of a statement: a customer on one pool, a pool's unallocated users, or an
    adjustment of an earlier month (``adjusts``: the first day of that month)."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines", verbose_name=_("statement")
    )
    statement_license = models.ForeignKey(
        StatementLicense,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("license"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=StatementLineKind.choices)
    # Null for the unallocated line; the name is the one it had at the month's end.
    customer = models.ForeignKey(
        CustomerAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    legal_name = models.CharField(_("Customer Legal Name"), max_length=200, blank=True)
    # Users billed: at the month's end (an adjustment: the difference, which may be negative).
    users = models.IntegerField(_("Users"))
    # The most users the customer held on the pool during the month (shown, not billed).
    peak_users = models.PositiveIntegerField(_("Peak users"), null=True, blank=True)
    sat_users = models.PositiveIntegerField(_("Beauceron SAT Users"), default=0)
    price_per_user = models.DecimalField(
        _("Price per user per month"), max_digits=8, decimal_places=2
    )
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2)
    adjusts = models.DateField(_("Adjusts month"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_license", "kind", "legal_name", "id"]
        indexes = [models.Index(fields=["statement", "legal_name"], name="statement_line_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=StatementLineKind.ADJUSTMENT) | Q(users__gte=0),
                name="statement_line_users_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(adjusts__isnull=True) | Q(kind=StatementLineKind.ADJUSTMENT),
                name="statement_line_adjusts_only_adjustment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name or self.get_kind_display()}: {self.users}"
