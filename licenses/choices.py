"""Enumerations of the licenses app."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext, gettext_noop, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lmp.partners.choices import Currency  # noqa: F401  (licenses price in the partner's currencies)


class ServiceTier(models.TextChoices):
    """The MDR service tiers a volume license can be bought for."""

    CORE = "core", "MDR Core"
    COMPLETE = "complete", "MDR Complete"
    CLOUD = "cloud", "MDR Cloud"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    OFFBOARDED = "offboarded", pgettext_lazy("customer status", "Offboarded")


class DeploymentSolution(models.TextChoices):
    VIRTUAL = "virtual", _("Fully virtual")
    NETWORK_SENSORS = "network_sensors", _("Network sensor(s)")


class HostingRegion(models.TextChoices):
    CANADA = "ca", _("Canada")
    UNITED_STATES = "us", _("United States")
    UK_EU = "eu", _("United Kingdom / EU")
    AUSTRALIA = "au", _("Australia")


class AllocationEventKind(models.TextChoices):
    """What kind of change an audit-history event records."""

    ONBOARDED = "onboarded", pgettext_lazy("history action", "Onboarded")
    EDITED = "edited", pgettext_lazy("history action", "Edited")
    OFFBOARDED = "offboarded", pgettext_lazy("history action", "Offboarded")
    COMMITMENT_CHANGED = "commitment_changed", pgettext_lazy("history action", "Commitment changed")
    # A license's price per user or renewal date changed (the vendor's admin, or a new license).
    TERMS_CHANGED = "terms_changed", pgettext_lazy("history action", "Terms changed")
    # What a customer or license held when its history began (migration 0016): not a change.
    BASELINE = "baseline", pgettext_lazy("history action", "Baseline")


class AllocationEventSource(models.TextChoices):
    """Where a recorded change was made: the portal, the vendor's Django admin or the API.

    The label is the one name of each: the history page, its export and the API's schema say it.
    """

    PORTAL = "portal", _("Portal")
    ADMIN = "admin", _("Vendor admin")
    API = "api", _("API")
    # Written by LMP itself: the history's baseline (migration 0016).
    SYSTEM = "system", _("System")


# The "what" of a history event that is not a tier's users ("MDR Complete Users" and so on).
# Lazy: shown in the reader's language; a history event stores the English (``what_key``) and
# the pages show it translated (``what_text``).
SAT_USERS_LABEL = _("Beauceron SAT Users")
SEAT_COMMITMENT_LABEL = _("Seat commitment")
LEGAL_NAME_LABEL = _("Legal name")
# A customer's status (stored as its value, "active" / "offboarded"), a license's price per user
# (stored as "12.50") and renewal date (stored as "2027-01-31"): the history shows them formatted.
STATUS_LABEL = _("Status")
PRICE_LABEL = _("Price per user per month")
RENEWAL_LABEL = _("Renewal date")
# The customer's contact details, changed after onboarding (named as on its forms).
WEBSITE_LABEL = _("Web Site")
ADMIN_EMAIL_LABEL = _("MDR Portal Administrator Email")
# Each tier's users, as history stores them ("what"): the catalogue must know them.
TIER_USERS_LABELS = {
    "core": gettext_noop("MDR Core Users"),
    "complete": gettext_noop("MDR Complete Users"),
    "cloud": gettext_noop("MDR Cloud Users"),
}


# Every figure a history event can be about, in the order the admin's filter lists them.
HISTORY_FIGURE_LABELS = (
    *TIER_USERS_LABELS.values(),
    SAT_USERS_LABEL,
    LEGAL_NAME_LABEL,
    STATUS_LABEL,
    WEBSITE_LABEL,
    ADMIN_EMAIL_LABEL,
    SEAT_COMMITMENT_LABEL,
    PRICE_LABEL,
    RENEWAL_LABEL,
)


def what_key(label) -> str:
    """A label as history stores it and filters by it: its English text, whatever the language."""
    with override("en"):
        return str(label)


def quoted(text: object) -> str:
    """A text in the reader's quotation marks: “Acme” / « Acme »."""
    # Translators: a quoted text (a customer's name, a search). French: « %(text)s » with no-break
    # spaces inside the guillemets.
    return gettext("“%(text)s”") % {"text": text}


def what_text(what: str) -> str:
    """A stored history "what" (English) in the reader's language (as is when not a label)."""
    return gettext(what) if what else what


# A history event's note when a purchase raised the commitment. Stored in English (the API and
# older rows have it so); the pages, the admin and the export show it translated (``note_text``).
# Translators: a history note: the seats came from the purchase with this reference
# ("LMP-2026-000123").
PURCHASE_NOTE = gettext_noop("purchase %(reference)s")
_PURCHASE_NOTE_STORED = re.compile(r"^purchase (?P<reference>\S+)$")


def purchase_note(reference: str) -> str:
    """The note a purchase's history event stores: "purchase LMP-2026-000123" (English)."""
    return PURCHASE_NOTE % {"reference": reference}


# A history event's note when a scheduled commitment change applied at the renewal, e.g.
# "renewal 2027-03-31" (stored in English, the date in ISO; shown translated).
# Translators: a history note: the commitment changed at the renewal on this date.
RENEWAL_NOTE = gettext_noop("renewal %(date)s")
_RENEWAL_NOTE_STORED = re.compile(r"^renewal (?P<date>\d{4}-\d{2}-\d{2})$")


def renewal_note(date) -> str:
    """The note a renewal's commitment event stores: "renewal 2027-03-31" (English)."""
    return RENEWAL_NOTE % {"date": date.isoformat()}


def note_text(note: str) -> str:
    """A stored history note in the reader's language; a note LMP does not write is shown as is."""
    if stored := _PURCHASE_NOTE_STORED.match(note):
        return gettext(PURCHASE_NOTE) % {"reference": stored["reference"]}
    if stored := _RENEWAL_NOTE_STORED.match(note):
        return gettext(RENEWAL_NOTE) % {"date": stored["date"]}
    return note


class CommitmentChangeStatus(models.TextChoices):
    """Where a scheduled commitment change for the renewal stands."""

    SCHEDULED = "scheduled", pgettext_lazy("commitment change", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("commitment change", "Cancelled")
    APPLIED = "applied", pgettext_lazy("commitment change", "Applied")
    REFUSED = "refused", pgettext_lazy("commitment change", "Refused")


class ThresholdUnit(models.TextChoices):
    """How a license's low-seats threshold is expressed."""

    USERS = "users", pgettext_lazy("threshold unit", "users")
    # xgettext:no-python-format
    PERCENT = "percent", _("% of the commitment")


class AlertKind(models.TextChoices):
    """The alerts a partner gets about a license (banner and e-mail)."""

    RENEWAL = "renewal", _("Renewal reminder")
    LOW_SEATS = "low_seats", _("Low seats")


# Days before a license's renewal date when a reminder goes out.
RENEWAL_REMINDER_DAYS = (60, 30, 7)
