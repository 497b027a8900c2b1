"""The vendor's price list and the partners' purchases of additional seats."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licenses.choices import Currency, ServiceTier
from licenses.models import VolumeLicense
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
