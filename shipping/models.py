"""Shipping addresses (and, with the onboarding work, the appliance catalogue and shipments)."""

from __future__ import annotations

from django.db import models

from shipping.choices import Country


class Address(models.Model):
    """A postal address a partner ships appliances to."""

    partner = models.ForeignKey(
        "licenses.Partner", on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(max_length=100, blank=True, help_text="e.g. Head office")
    recipient = models.CharField("Recipient name", max_length=200)
    company = models.CharField(max_length=200, blank=True)
    line1 = models.CharField("Address line 1", max_length=200)
    line2 = models.CharField("Address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("Province / State", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.CANADA)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["partner_id", "label", "id"]

    def __str__(self) -> str:
        parts = [self.line1, self.city, self.region, self.postal_code, self.get_country_display()]
        return ", ".join(p for p in parts if p)
