"""Enumerations of the partners app."""

from __future__ import annotations

from django.db import models


class PartnerRole(models.TextChoices):
    """A login's permission level at its partner; ``lmp.partners.roles`` says what each may do."""

    ADMINISTRATOR = "administrator", "Administrator"
    ALLOCATOR = "allocator", "Allocator"
    VIEW_ONLY = "view_only", "View Only"
    BANK_DETAILS_ONLY = "bank_details_only", "Bank Details Only"
    NO_LMP_ACCESS = "no_lmp_access", "No LMP Access"


class Currency(models.TextChoices):
    CAD = "CAD", "CAD"
    USD = "USD", "USD"


class TeamEventKind(models.TextChoices):
    """What happened to a partner's team: the Team page's history."""

    INVITED = "invited", "Invited"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
    JOINED = "joined", "Joined"
    ROLE_CHANGED = "role_changed", "Role changed"
    DEACTIVATED = "deactivated", "Deactivated"
    REACTIVATED = "reactivated", "Reactivated"
    LOGIN_CHANGED = "login_changed", "Sign-in name changed"
    SETTING_CHANGED = "setting_changed", "Setting changed"
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"


class InvitationStatus(models.TextChoices):
    """Where an invitation stands (derived from its dates, never stored)."""

    PENDING = "pending", "Pending"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
