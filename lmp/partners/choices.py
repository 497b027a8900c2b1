"""Enumerations of the partners app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PartnerRole(models.TextChoices):
    """A login's permission level at its partner; ``lmp.partners.roles`` says what each may do."""

    ADMINISTRATOR = "administrator", _("Administrator")
    ALLOCATOR = "allocator", _("Allocator")
    VIEW_ONLY = "view_only", _("View Only")
    BANK_DETAILS_ONLY = "bank_details_only", _("Bank Details Only")
    NO_LMP_ACCESS = "no_lmp_access", _("No LMP Access")


class Currency(models.TextChoices):
    CAD = "CAD", "CAD"
    USD = "USD", "USD"


class TeamEventKind(models.TextChoices):
    """What happened to a partner's team: the Team page's history."""

    INVITED = "invited", _("Invited")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    JOINED = "joined", _("Joined")
    ROLE_CHANGED = "role_changed", _("Role changed")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    LOGIN_CHANGED = "login_changed", _("Sign-in name changed")
    SETTING_CHANGED = "setting_changed", _("Setting changed")
    API_KEY_CREATED = "api_key_created", _("API key created")
    API_KEY_REVOKED = "api_key_revoked", _("API key revoked")


class InvitationStatus(models.TextChoices):
    """Where an invitation stands (derived from its dates, never stored)."""

    PENDING = "pending", pgettext_lazy("invitation", "Pending")
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation", "Revoked")


# The team history's texts besides a role's name, stored in English (``TeamEvent.from_text``,
# ``to_text``) and shown translated (``lmp.partners.models.history_text``): a login's status, the
# partner's sign-in rule and its default language.
MEMBER_ACTIVE_LABELS = {True: _("Active"), False: _("Deactivated")}
MFA_RULE_LABELS = {
    True: _("Two-factor sign-in required of every member"),
    False: _("Administrators only"),
}
LANGUAGE_LABELS = {
    "": _("Each browser's language"),
    "en": _("Default language: English"),
    "fr-ca": _("Default language: French"),
}
