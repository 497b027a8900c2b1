"""Partners (the MSP organisations that use the portal) and the logins that work for them.

The tables keep the names they had in the licenses app (``licenses_partner``,
``licenses_membership``): the move was state-only (partners 0001, licenses 0008), so existing
rows, foreign keys and permissions stayed where they were.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from lmp.partners.choices import (
    LANGUAGE_LABELS,
    MEMBER_ACTIVE_LABELS,
    MFA_RULE_LABELS,
    Currency,
    InvitationStatus,
    PartnerRole,
    TeamEventKind,
)
from lmp.partners.roles import API_KEY_ROLES, INVITATION_DEFAULT_ROLE


class Partner(models.Model):
    """An MSP organisation that buys volume licenses and onboards its own customers."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    require_mfa = models.BooleanField(
        _("require two-factor sign-in for every member"),
        default=False,
        help_text=_("Administrators always need it; this asks it of every role."),
    )

    # Billing details: the Billing page (Administrators and Bank Details Only).
    billing_contact_name = models.CharField(_("billing contact"), max_length=200, blank=True)
    billing_email = models.EmailField(_("billing e-mail"), blank=True)
    billing_phone = models.CharField(_("billing phone"), max_length=40, blank=True)
    billing_address = models.TextField(_("billing address"), max_length=1000, blank=True)
    billing_currency = models.CharField(
        _("billing currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    purchase_order_number = models.CharField(_("purchase order number"), max_length=60, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "For members who chose none, and their e-mails. Blank: each browser's language."
        ),
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        db_table = "licenses_partner"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Links a login to the partner it works for, with its role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=PartnerRole.choices, default=INVITATION_DEFAULT_ROLE
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Pages and e-mails in this language. Blank: the partner's default language."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        db_table = "licenses_membership"
        ordering = ["partner__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"


class LoginSessionEpoch(models.Model):
    """How many times a login's sessions were ended for good (deactivated, or its role set to No
    LMP Access): a session signed in before the last time is refused and flushed
    (``lmp.partners.middleware``), even once the login is active or has its role back."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="session_epoch",
    )
    epoch = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login session epoch")
        verbose_name_plural = _("login session epochs")

    def __str__(self) -> str:
        return f"{self.user}: sessions ended {self.epoch} time(s)"


def invitation_expiry() -> dt.datetime:
    """When an invitation sent now stops working."""
    return timezone.now() + Invitation.VALID_FOR


class Invitation(models.Model):
    """An Administrator's invitation of an e-mail address to join the partner with a role.

    The link in the e-mail carries the signed id (``selectors.invitation_token``); the row says
    whether it can still be used: at most one pending invitation per partner and address.
    """

    VALID_FOR = dt.timedelta(days=7)

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="invitations"
    )
    # The invitee signs in with it as username, whose limit is 150 characters.
    email = models.EmailField(_("e-mail address"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=PartnerRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), default=invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "partner",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="partners_invitation_one_pending_per_email",
                violation_error_message=_("This address already has a pending invitation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.partner} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        """Pending, expired, accepted or revoked (an ``InvitationStatus``)."""
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


class TeamEvent(models.Model):
    """One change to a partner's team: who did it, to whom, when, and from → to."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="team_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the vendor's system."),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The member's login (empty for an invitation not yet accepted)."),
    )
    # Blank for a change of the partner's own settings (the sign-in rule).
    email = models.EmailField(_("member's e-mail address"), max_length=254, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TeamEventKind.choices)
    from_text = models.CharField(_("from text"), max_length=100, blank=True)
    to_text = models.CharField(_("to text"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("team event")
        verbose_name_plural = _("team events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email} ({self.at:%Y-%m-%d %H:%M})"

    def change_display(self) -> str:
        """ "from → to" as the Team page shows it, in the reader's language (the texts are stored
        in English: a role, a status, a rule or a key; a name or a sign-in name stays as it is)."""
        texts = [text for text in (self.from_text, self.to_text) if text]
        if self.kind != TeamEventKind.LOGIN_CHANGED:  # sign-in names are never translated
            texts = [history_text(text) for text in texts]
        return " → ".join(texts)


# How the team history stores an API key: ``API key “PSA sync”``, with its role in parentheses
# when it was made (``lmp.partners.services.api_key_create``).
API_KEY_HISTORY_TEXT = re.compile(r"^API key “(?P<name>.*)”(?: \((?P<role>[^()]*)\))?$")


@functools.cache
def _history_labels() -> dict:
    """The team history's stored words (English) → their labels: a role, a login's status, the
    sign-in rule, a default language, a revoked key. Only these are translated."""
    labels = [
        *(label for _value, label in PartnerRole.choices),
        *MEMBER_ACTIVE_LABELS.values(),
        *MFA_RULE_LABELS.values(),
        *LANGUAGE_LABELS.values(),
        pgettext_lazy("API key", "Revoked"),
    ]
    with override("en"):
        return {str(label): label for label in labels}


def _history_word(text: str) -> str:
    """One of the stored words in the reader's language; any other text (a login's name, an
    e-mail address) as it is."""
    label = _history_labels().get(text)
    return text if label is None else str(label)


def history_text(text: str) -> str:
    """A stored English text of the team history in the reader's language."""
    if key := API_KEY_HISTORY_TEXT.match(text):
        if key["role"]:
            return gettext("API key “%(name)s” (%(role)s)") % {
                "name": key["name"],
                "role": _history_word(key["role"]),
            }
        return gettext("API key “%(name)s”") % {"name": key["name"]}
    return _history_word(text)


class ApiKeyManager(BaseAPIKeyManager):
    """Keys that still work (not revoked, not expired), with their partner (one query)."""

    def get_usable_keys(self):
        return (
            self.filter(revoked=False)
            .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gt=timezone.now()))
            .select_related("partner")
        )


class ApiKey(AbstractAPIKey):
    """A partner's key to the API: acts for the partner with its role (View Only or Allocator).

    Only the hash is stored (djangorestframework-api-key); the key itself is shown once, when an
    Administrator makes it on the Team page. ``prefix`` (the part before the dot) names it.
    """

    objects = ApiKeyManager()

    # The library's fields, the same but for their labels, which our catalogue translates (the
    # library has none); declared first, they keep their place in the admin's forms.
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    name = models.CharField(
        _("name"),
        max_length=50,
        blank=False,
        default=None,
        help_text=_("A free-form name for the API key. Need not be unique. 50 characters max."),
    )
    revoked = models.BooleanField(
        _("revoked"),
        blank=True,
        default=False,
        help_text=_(
            "If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)"
        ),
    )
    expiry_date = models.DateTimeField(
        _("Expires"),
        blank=True,
        null=True,
        help_text=_("Once API key expires, clients cannot use it anymore."),
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="api_keys"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=[(r.value, r.label) for r in API_KEY_ROLES]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Written at most once a minute (lmp.api.authentication), not on every request.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # The Team page form's one-time token: the same form sent again (a double click, a reload of
    # the page that showed the key) makes no second key.
    form_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created", "prefix"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked=False, revoked_at__isnull=True)
                | Q(revoked=True, revoked_at__isnull=False),
                name="partners_apikey_revoked_at_matches",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in API_KEY_ROLES]),
                name="partners_apikey_role",
            ),
            models.UniqueConstraint(
                fields=["partner", "form_token"],
                condition=~Q(form_token=""),
                name="partners_apikey_form_token_once",
            ),
        ]

    def __str__(self) -> str:
        return f"API key “{self.name}”"

    @property
    def status(self) -> str:
        """Active, expired or revoked (in English: a key the code compares, not a label)."""
        if self.revoked:
            return "Revoked"
        if self.has_expired:
            return "Expired"
        return "Active"

    def get_status_display(self) -> str:
        """The status as the API keys page says it, in the page's language."""
        return str(API_KEY_STATUS_LABELS[self.status])


API_KEY_STATUS_LABELS = {
    "Active": pgettext_lazy("API key", "Active"),
    "Expired": pgettext_lazy("API key", "Expired"),
    "Revoked": pgettext_lazy("API key", "Revoked"),
}
