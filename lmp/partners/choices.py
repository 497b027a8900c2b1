"""Enumerations of the partners app."""

from __future__ import annotations

from django.db import models


class PartnerRole(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    MEMBER = "member", "Member"
