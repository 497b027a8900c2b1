"""Enumerations of the shipping app."""

from __future__ import annotations

from django.db import models


class Country(models.TextChoices):
    CANADA = "CA", "Canada"
    UNITED_STATES = "US", "United States"
    UNITED_KINGDOM = "GB", "United Kingdom"
    AUSTRALIA = "AU", "Australia"
    GERMANY = "DE", "Germany"
    FRANCE = "FR", "France"
    IRELAND = "IE", "Ireland"
    NETHERLANDS = "NL", "Netherlands"


class FormFactor(models.TextChoices):
    """Physical shape of a network sensor."""

    DESKTOP = "desktop", "Desktop"
    RACK_1U = "rack_1u", "1U rack-mount"
    RACK_2U = "rack_2u", "2U rack-mount"


class SiteSize(models.TextChoices):
    """The size of site an appliance model is suited to."""

    SMALL = "small", "Small site / branch office"
    MEDIUM = "medium", "Mid-size site"
    LARGE = "large", "Large site / data centre"


class ApplianceRole(models.TextChoices):
    """Whether a shipped sensor is the customer's primary one or an additional (branch) sensor."""

    PRIMARY = "primary", "Primary appliance"
    ADDITIONAL = "additional", "Additional network sensor"


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"


class Carrier(models.TextChoices):
    PUROLATOR = "purolator", "Purolator"
    CANADA_POST = "canada_post", "Canada Post"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    DHL = "dhl", "DHL"
