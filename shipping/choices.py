"""Enumerations of the shipping app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Country(models.TextChoices):
    CANADA = "CA", _("Canada")
    UNITED_STATES = "US", _("United States")
    UNITED_KINGDOM = "GB", _("United Kingdom")
    AUSTRALIA = "AU", _("Australia")
    GERMANY = "DE", _("Germany")
    FRANCE = "FR", _("France")
    IRELAND = "IE", _("Ireland")
    NETHERLANDS = "NL", _("Netherlands")


class FormFactor(models.TextChoices):
    """Physical shape of a network sensor."""

    DESKTOP = "desktop", _("Desktop")
    RACK_1U = "rack_1u", _("1U rack-mount")
    RACK_2U = "rack_2u", _("2U rack-mount")


class SiteSize(models.TextChoices):
    """The size of site an appliance model is suited to."""

    SMALL = "small", _("Small site / branch office")
    MEDIUM = "medium", _("Mid-size site")
    LARGE = "large", _("Large site / data centre")


class ApplianceRole(models.TextChoices):
    """Whether a shipped sensor is the customer's primary one or an additional (branch) sensor."""

    PRIMARY = "primary", _("Primary appliance")
    ADDITIONAL = "additional", _("Additional network sensor")


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("shipment status", "Pending")
    SHIPPED = "shipped", pgettext_lazy("shipment status", "Shipped")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")


class Carrier(models.TextChoices):
    # Brand names stay as they are; only Canada Post has a French name (Postes Canada).
    PUROLATOR = "purolator", "Purolator"
    CANADA_POST = "canada_post", _("Canada Post")
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    DHL = "dhl", "DHL"
