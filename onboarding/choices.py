"""Enumerations of the onboarding app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IncidentAnswer(models.TextChoices):
    """The answer to "Is this customer currently experiencing a breach or incident?"."""

    YES = "yes", _("Yes")
    NO = "no", _("No")


class ShipTo(models.TextChoices):
    """Where the appliances of an order go."""

    DEFAULT = "default", _("Our default partner address")
    CUSTOM = "custom", _("A custom address")
    PER_APPLIANCE = "per_appliance", _("A different address for each appliance")


class FulfilmentStatus(models.TextChoices):
    """How far an onboarding request has got, derived from its shipments."""

    AWAITING_SHIPMENT = "awaiting_shipment", pgettext_lazy("fulfilment status", "Awaiting shipment")
    IN_TRANSIT = "in_transit", pgettext_lazy("fulfilment status", "In transit")
    COMPLETE = "complete", pgettext_lazy("fulfilment status", "Complete")
