"""Enumerations of the onboarding app."""

from __future__ import annotations

from django.db import models


class IncidentAnswer(models.TextChoices):
    """The answer to "Is this customer currently experiencing a breach or incident?"."""

    YES = "yes", "Yes"
    NO = "no", "No"


class ShipTo(models.TextChoices):
    """Where the appliances of an order go."""

    DEFAULT = "default", "Our default partner address"
    CUSTOM = "custom", "A custom address"
    PER_APPLIANCE = "per_appliance", "A different address for each appliance"


class FulfilmentStatus(models.TextChoices):
    """How far an onboarding request has got, derived from its shipments."""

    AWAITING_SHIPMENT = "awaiting_shipment", "Awaiting shipment"
    IN_TRANSIT = "in_transit", "In transit"
    COMPLETE = "complete", "Complete"
