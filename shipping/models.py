"""Shipping addresses and the appliance catalogue (the shipments of an order are onboarding's)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shipping.choices import Country, FormFactor, SiteSize
from shipping.validators import postal_code_clean


class Address(models.Model):
    """A postal address a partner ships appliances to."""

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="addresses",
    )
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("e.g. Head office")
    )
    recipient = models.CharField(_("Recipient name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True)
    line1 = models.CharField(_("Address line 1"), max_length=200)
    line2 = models.CharField(_("Address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("Province / State"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(
        _("country"), max_length=2, choices=Country.choices, default=Country.CANADA
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The address belongs to the partner and says it is the default (not the partner pointing at
    # an address), so partners know nothing of shipping; the constraint allows one per partner.
    is_default = models.BooleanField(
        _("Default address"),
        default=False,
        help_text=_("Where appliances ship unless an onboarding order names another address."),
    )

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["partner_id", "label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(is_default=True),
                name="address_one_default_per_partner",
                violation_error_message=_("This partner already has a default address."),
            ),
        ]

    def __str__(self) -> str:
        parts = [self.line1, self.city, self.region, self.postal_code, self.get_country_display()]
        return ", ".join(p for p in parts if p)

    @property
    def one_line_en(self) -> str:
        """The address on one line with its country in English, as the API sends it."""
        with translation.override("en"):
            return str(self)

    def clean(self) -> None:
        # Only check the postal code once a country is known; a missing country is its own error.
        if self.country in Country.values and self.postal_code:
            self.postal_code = postal_code_clean(country=self.country, postal_code=self.postal_code)

    @property
    def lines(self) -> list[str]:
        """The address as the lines of a shipping label."""
        city_line = " ".join(p for p in [self.city, self.region, self.postal_code] if p)
        return [
            line
            for line in [
                self.recipient,
                self.company,
                self.line1,
                self.line2,
                city_line,
                self.get_country_display(),
            ]
            if line
        ]


class Appliance(models.Model):
    """A network sensor model in the catalogue partners order from (edited by vendor staff)."""

    name = models.CharField(_("Model name"), max_length=100, unique=True)
    form_factor = models.CharField(_("form factor"), max_length=20, choices=FormFactor.choices)
    site_size = models.CharField(_("Suited site size"), max_length=20, choices=SiteSize.choices)
    throughput = models.CharField(
        _("Rated throughput"), max_length=50, blank=True, help_text=_("e.g. Up to 1 Gbps")
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active models can be ordered.")
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("appliance")
        verbose_name_plural = _("appliances")

    def __str__(self) -> str:
        return self.name
