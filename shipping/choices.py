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
