"""Partners (the MSP organisations that use the portal) and the logins that work for them.

The tables keep the names they had in the licenses app (``licenses_partner``,
``licenses_membership``): the move was state-only (partners 0001, licenses 0008), so existing
rows, foreign keys and permissions stayed where they were.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lmp.partners.choices import Currency, PartnerRole


class Partner(models.Model):
    """An MSP organisation that buys volume licenses and onboards its own customers."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    require_mfa = models.BooleanField(
        "require two-factor sign-in for every member",
        default=False,
        help_text="Administrators always need it; this asks it of every role.",
    )

    # Billing details: the Billing page (Administrators and Bank Details Only).
    billing_contact_name = models.CharField("billing contact", max_length=200, blank=True)
    billing_email = models.EmailField("billing e-mail", blank=True)
    billing_phone = models.CharField("billing phone", max_length=40, blank=True)
    billing_address = models.TextField("billing address", max_length=1000, blank=True)
    billing_currency = models.CharField(
        "billing currency", max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    purchase_order_number = models.CharField("purchase order number", max_length=60, blank=True)
    payment_reference = models.CharField("payment reference", max_length=60, blank=True)

    class Meta:
        db_table = "licenses_partner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a login to the partner it works for, with its role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=20, choices=PartnerRole.choices, default=PartnerRole.ALLOCATOR
    )

    class Meta:
        db_table = "licenses_membership"
        ordering = ["partner__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"
