"""Enumerations of the licenses app."""

from __future__ import annotations

from django.db import models

from lmp.partners.choices import Currency  # noqa: F401  (licenses price in the partner's currencies)


class ServiceTier(models.TextChoices):
    """The MDR service tiers a volume license can be bought for."""

    CORE = "core", "MDR Core"
    COMPLETE = "complete", "MDR Complete"
    CLOUD = "cloud", "MDR Cloud"


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


class AllocationEventKind(models.TextChoices):
    """What kind of change an audit-history event records."""

    ONBOARDED = "onboarded", "Onboarded"
    EDITED = "edited", "Edited"
    OFFBOARDED = "offboarded", "Offboarded"
    COMMITMENT_CHANGED = "commitment_changed", "Commitment changed"


class AllocationEventSource(models.TextChoices):
    """Where a recorded change was made: the portal, the vendor's Django admin or the API.

    The label is the one name of each: the history page, its export and the API's schema say it.
    """

    PORTAL = "portal", "Portal"
    ADMIN = "admin", "Vendor admin"
    API = "api", "API"


# The "what" of a history event that is not a tier's users ("MDR Complete Users" and so on).
SAT_USERS_LABEL = "Beauceron SAT Users"
SEAT_COMMITMENT_LABEL = "Seat commitment"
LEGAL_NAME_LABEL = "Legal name"
# The customer's contact details, changed after onboarding (named as on its forms).
WEBSITE_LABEL = "Web Site"
ADMIN_EMAIL_LABEL = "MDR Portal Administrator Email"


class ThresholdUnit(models.TextChoices):
    """How a license's low-seats threshold is expressed."""

    USERS = "users", "users"
    PERCENT = "percent", "% of the commitment"


class AlertKind(models.TextChoices):
    """The alerts a partner gets about a license (banner and e-mail)."""

    RENEWAL = "renewal", "Renewal reminder"
    LOW_SEATS = "low_seats", "Low seats"


# Days before a license's renewal date when a reminder goes out.
RENEWAL_REMINDER_DAYS = (60, 30, 7)
