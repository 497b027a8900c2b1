"""Enumerations of the licenses app."""

from __future__ import annotations

from django.db import models


class ServiceTier(models.TextChoices):
    """The MDR service tiers a volume license can be bought for."""

    CORE = "core", "MDR Core"
    COMPLETE = "complete", "MDR Complete"
    CLOUD = "cloud", "MDR Cloud"


class Currency(models.TextChoices):
    CAD = "CAD", "CAD"
    USD = "USD", "USD"


class PartnerRole(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    MEMBER = "member", "Member"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OFFBOARDED = "offboarded", "Offboarded"


class DeploymentSolution(models.TextChoices):
    VIRTUAL = "virtual", "Fully virtual"
    NETWORK_SENSORS = "network_sensors", "Network sensor(s)"


class HostingRegion(models.TextChoices):
    CANADA = "ca", "Canada"
    UNITED_STATES = "us", "United States"
    UK_EU = "eu", "United Kingdom / EU"
    AUSTRALIA = "au", "Australia"
