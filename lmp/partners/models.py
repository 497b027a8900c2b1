"""Partners (the MSP organisations that use the portal) and the logins that work for them.

The tables keep the names they had in the licenses app (``licenses_partner``,
``licenses_membership``): the move was state-only (partners 0001, licenses 0008), so existing
rows, foreign keys and permissions stayed where they were.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lmp.partners.choices import PartnerRole


class Partner(models.Model):
    """An MSP organisation that buys volume licenses and onboards its own customers."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

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
    role = models.CharField(max_length=20, choices=PartnerRole.choices, default=PartnerRole.MEMBER)

    class Meta:
        db_table = "licenses_membership"
        ordering = ["partner__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"
