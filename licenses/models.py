"""Partners, their volume licenses, customer accounts and the seats allocated to them.

How the seat invariant is enforced
----------------------------------
Every ``VolumeLicense`` row carries ``allocated``, the sum of the seats of its *active*
``SeatAllocation`` rows. Database triggers (migration ``0003_allocation_triggers``, one body for
PostgreSQL and one for SQLite) maintain that counter on every INSERT, UPDATE and DELETE of an
allocation, and a CHECK constraint on the license row requires
``0 <= allocated <= seat_commitment``. So any write, from the ORM or raw SQL, that would oversell a
pool or shrink a commitment below what is allocated fails with ``IntegrityError`` inside the
database.

We chose a trigger-maintained counter over a constraint trigger that re-sums the allocations because
it makes the check O(1), keeps the license row as the single point that concurrent writers serialise
on (the trigger's UPDATE takes its row lock), and lets dashboards read the figure without a SUM.
Services still lock the license rows first (``select_for_update``, in primary-key order) so they can
refuse with a message a partner understands before the database has to.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from licenses import policy
from licenses.choices import (
    PRICE_LABEL,
    RENEWAL_LABEL,
    STATUS_LABEL,
    AlertKind,
    AllocationEventKind,
    AllocationEventSource,
    CommitmentChangeStatus,
    Currency,
    CustomerStatus,
    DeploymentSolution,
    HostingRegion,
    ServiceTier,
    ThresholdUnit,
    note_text,
    quoted,
    what_key,
    what_text,
)
from lmp.core.l10n import count
from lmp.partners.models import ApiKey, Partner

# Columns of VolumeLicense that only the allocation triggers write (migrations 0003 and 0007).
TRIGGER_COUNTERS = frozenset({"allocated", "holder_count"})


class VolumeLicense(models.Model):
    """One pool of user seats of one service tier, owned by a partner and optionally shared."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="licenses"
    )
    tier = models.CharField(_("tier"), max_length=20, choices=ServiceTier.choices)
    seat_commitment = models.PositiveIntegerField(
        _("seat commitment"), validators=[MinValueValidator(0)]
    )
    # Maintained by database triggers; never written by application code (see module docstring).
    allocated = models.PositiveIntegerField(_("allocated"), default=0, editable=False)
    # Customers holding seats of this pool (its active allocations), kept by the same triggers:
    # the dashboard and License tab read it instead of counting a pool's customers on every view.
    holder_count = models.PositiveIntegerField(_("holder count"), default=0, editable=False)
    renewal_date = models.DateField(_("renewal date"))
    # How far the renewal date moves on when a scheduled commitment change applies at it.
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"),
        default=12,
        validators=[MinValueValidator(1)],
        help_text=_("How far the renewal date moves on at each renewal."),
    )
    price_per_user = models.DecimalField(
        _("Price per user per month"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CAD
    )
    sub_partners = models.ManyToManyField(
        Partner,
        verbose_name=_("sub partners"),
        blank=True,
        related_name="shared_licenses",
        help_text=_("Other partners that share this pool (uncommon)."),
    )
    # Low-seats alert: fires when unallocated falls below this (users, or % of the commitment).
    # Null: no alert. Set by the partner's Administrators and Allocators on the license page.
    low_seats_threshold = models.PositiveIntegerField(
        _("Low-seats threshold"), null=True, blank=True
    )
    low_seats_unit = models.CharField(
        _("Threshold unit"),
        max_length=10,
        choices=ThresholdUnit.choices,
        default=ThresholdUnit.USERS,
    )

    class Meta:
        verbose_name = _("volume license")
        verbose_name_plural = _("volume licenses")
        ordering = ["partner__name", "tier"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=F("seat_commitment")),
                name="license_allocated_within_commitment",
                violation_error_message=_(
                    "The seat commitment cannot be lower than the seats already allocated."
                ),
            ),
            models.UniqueConstraint(
                fields=["partner", "tier"],
                name="license_one_per_tier_per_partner",
                violation_error_message=_("This partner already has a license of this tier."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} — {self.partner}"

    def save(self, *args, **kwargs) -> None:
        # The counters belong to the triggers: a save with a stale copy must not overwrite them.
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in TRIGGER_COUNTERS
            ]
        super().save(*args, **kwargs)

    @property
    def unallocated(self) -> int:
        """Seats no active customer holds (the seat policy counts them)."""
        return policy.unallocated(self)

    @property
    def can_onboard(self) -> bool:
        """Whether a new customer can be onboarded onto this pool (the seat policy decides)."""
        return policy.can_onboard(self)

    @property
    def monthly_total(self) -> Decimal:
        return self.price_per_user * self.seat_commitment

    @property
    def allocated_percent(self) -> int:
        """The share of the commitment allocated, in whole percent (0 without a commitment), as
        the pages show it (``{% widthratio %}``'s rounding)."""
        if not self.seat_commitment:
            return 0
        return round(self.allocated / self.seat_commitment * 100)

    @property
    def users_label(self) -> str:
        """The label partners know the seats by, e.g. "MDR Complete Users" (the policy's)."""
        return policy.users_label(self.tier)

    @property
    def low_seats_level(self) -> int | None:
        """The threshold in seats (a percentage of the commitment rounded up), None if unset."""
        return policy.low_seats_level(self)

    @property
    def is_low_on_seats(self) -> bool:
        """Unallocated has fallen below the partner's threshold."""
        return policy.is_low_on_seats(self)


class CustomerAccount(models.Model):
    """A partner's client, onboarded onto one volume license (its primary license)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="customers"
    )
    license = models.ForeignKey(
        VolumeLicense,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="customers",
        help_text=_("The license the customer was onboarded onto; it gives the customer's tier."),
    )
    legal_name = models.CharField(_("Customer Legal Name"), max_length=200)
    website = models.URLField(_("Web Site"), max_length=300, blank=True)
    sub_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_partner_customers",
        verbose_name=_("Sub-Partner"),
    )
    admin_email = models.EmailField(_("MDR Portal Administrator Email"), max_length=254)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    deployment = models.CharField(
        _("Deployment solution"), max_length=20, choices=DeploymentSolution.choices, blank=True
    )
    hosting_region = models.CharField(
        _("hosting region"), max_length=2, choices=HostingRegion.choices, blank=True
    )
    onboarded_at = models.DateTimeField(_("onboarded at"), default=timezone.now)
    offboarded_at = models.DateTimeField(_("offboarded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        ordering = ["legal_name", "id"]
        constraints = [
            # Unique among the active customers one partner manages on one owner's licenses: the
            # owner's own (no sub-partner) or one sub-partner's. Each is a list its manager sees,
            # so a refusal never tells a partner about a customer it cannot see.
            models.UniqueConstraint(
                Lower("legal_name"),
                "partner",
                Coalesce("sub_partner", Value(0), output_field=models.BigIntegerField()),
                condition=Q(status=CustomerStatus.ACTIVE),
                name="customer_unique_active_legal_name",
                violation_error_message=_(
                    "An active customer with this legal name already exists."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=CustomerStatus.ACTIVE, offboarded_at__isnull=True)
                    | Q(status=CustomerStatus.OFFBOARDED, offboarded_at__isnull=False)
                ),
                name="customer_offboarded_at_matches_status",
            ),
        ]
        # The license page's default order is (lower(legal_name), id) within one license, with the
        # status filter on by default: these serve page 1 straight from the index at any size.
        # Search uses pg_trgm indexes that only PostgreSQL has (migration 0004).
        indexes = [
            models.Index(
                F("license"),
                F("status"),
                Lower("legal_name"),
                F("id"),
                name="customer_license_status_name",
            ),
            models.Index(F("license"), Lower("legal_name"), F("id"), name="customer_license_name"),
            models.Index(fields=["partner", "status"], name="customer_partner_status"),
            # The admin's list, in the model's order (legal name), at a million customers.
            models.Index(fields=["legal_name", "id"], name="customer_name_id"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE


class SeatAllocation(models.Model):
    """Seats of one volume license held by one customer (and, on MDR Complete, its SAT users)."""

    customer = models.ForeignKey(
        CustomerAccount,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    license = models.ForeignKey(
        VolumeLicense,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    # Copied from the license so the database can check the SAT rule on this row alone.
    tier = models.CharField(_("tier"), max_length=20, choices=ServiceTier.choices)
    seats = models.PositiveIntegerField(_("seats"), default=0)
    sat_users = models.PositiveIntegerField(_("Beauceron SAT Users"), default=0)
    # False once the customer is offboarded: the row stays for history, its seats leave the pool.
    active = models.BooleanField(pgettext_lazy("seat allocation", "active"), default=True)

    class Meta:
        verbose_name = _("seat allocation")
        verbose_name_plural = _("seat allocations")
        ordering = ["customer_id", "license_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "license"], name="allocation_one_per_customer_license"
            ),
            models.CheckConstraint(condition=Q(seats__gte=0), name="allocation_seats_not_negative"),
            models.CheckConstraint(
                condition=Q(sat_users__gte=0) & Q(sat_users__lte=F("seats")),
                name="allocation_sat_within_seats",
                violation_error_message=_(
                    "Beauceron SAT users cannot exceed the customer's MDR Complete users."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sat_users=0) | Q(tier=ServiceTier.COMPLETE),
                name="allocation_sat_only_on_complete",
                violation_error_message=_("Beauceron SAT is only available with MDR Complete."),
            ),
        ]
        indexes = [
            models.Index(fields=["license", "active"], name="allocation_license_active"),
            # The license page joins each customer's separate MDR Cloud allocation; without this
            # the planner (expecting few cloud rows) scans every allocation once per page.
            models.Index(
                fields=["customer"],
                condition=Q(tier=ServiceTier.CLOUD),
                name="allocation_cloud_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.seats} × {self.license}"


@functools.cache
def _formatted_whats() -> dict[str, str]:
    return {what_key(STATUS_LABEL): "status", what_key(PRICE_LABEL): "price"} | {
        what_key(RENEWAL_LABEL): "date"
    }


def text_display(what: str, text: str) -> str:
    """A history text as the reader reads it: a status's name, a price, a date, or a quoted text.

    Status, price and renewal date are stored as values ("offboarded", "14.50", "2027-01-31");
    a new license's price and date come from nothing (shown as a dash).
    """
    kind = _formatted_whats().get(what)
    if kind is None:
        return quoted(text)
    if not text:
        return "—"
    if kind == "status":
        return str(CustomerStatus(text).label) if text in CustomerStatus.values else text
    if kind == "price":
        return number_format(Decimal(text), decimal_pos=2, use_l10n=True, force_grouping=True)
    return date_format(dt.date.fromisoformat(text))


def text_value(what: str, text: str) -> str:
    """A history text for a sheet's cell: a status by its name, any other text as stored."""
    if text and _formatted_whats().get(what) == "status" and text in CustomerStatus.values:
        return str(CustomerStatus(text).label)
    return text


class AllocationEvent(models.Model):
    """One recorded allocation change: who, when, which pool, what, and the number before and after.

    Written by the services in the same transaction as the change (a refused change leaves none).
    """

    # No single-column indexes: (license, at) and (customer, at) below lead with these columns.
    license = models.ForeignKey(
        VolumeLicense,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    # Null for a change of the license itself (its seat commitment).
    customer = models.ForeignKey(
        CustomerAccount,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    # Null means the system (demo data, scripts); the event outlives a deleted login.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set instead of ``actor`` for a change made through the API; the event outlives the key.
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=AllocationEventKind.choices)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=AllocationEventSource.choices,
        default=AllocationEventSource.PORTAL,
    )
    # The label partners know the figure by, e.g. "MDR Complete Users", "Seat commitment" or
    # "Legal name".
    what = models.CharField(_("what"), max_length=60)
    # A count (seats, a commitment) before and after; null when the change is of a text.
    from_value = models.PositiveIntegerField(_("From"), null=True, blank=True)
    to_value = models.PositiveIntegerField(_("To"), null=True, blank=True)
    # A text (a legal name, web site or e-mail) before and after; empty for a count.
    # Long enough for any of them: a web site is up to 300 characters.
    from_text = models.CharField(_("From (text)"), max_length=300, blank=True, default="")
    to_text = models.CharField(_("To (text)"), max_length=300, blank=True, default="")
    # Why, when the change has a reason of its own, e.g. "purchase LMP-2026-000123".
    note = models.CharField(_("note"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("allocation event")
        verbose_name_plural = _("allocation events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["license", "at"], name="event_license_at"),
            models.Index(fields=["customer", "at"], name="event_customer_at"),
            # A customer's figure as it stood (licenses.history_as_of): its latest event of
            # that figure up to an instant, one index descent per customer and figure.
            models.Index(fields=["customer", "what", "at"], name="event_customer_what_at"),
            # The admin's list, newest first across every license, and its date filter.
            models.Index(fields=["at", "id"], name="event_at_id"),
        ]
        constraints = [
            # Either a count changed (both numbers) or a text did (no numbers).
            models.CheckConstraint(
                condition=(Q(from_value__isnull=False) & Q(to_value__isnull=False))
                | (Q(from_value__isnull=True) & Q(to_value__isnull=True)),
                name="event_values_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.what_display} {self.change_text} ({self.get_kind_display()})"

    @property
    def actor_label(self) -> str:
        """Who made the change, as the history pages name them (select_related actor, api_key)."""
        if self.api_key_id is not None:
            return str(self.api_key)  # API key “…”
        if self.actor_id is not None:
            return self.actor.get_username()
        return gettext("System")

    @property
    def actor_api(self) -> str:
        """``actor_label`` as the API sends it: English whatever the Accept-Language ("System")."""
        with translation.override("en"):
            return str(self.actor_label)

    @property
    def from_api(self) -> int | str:
        return self.from_text if self.is_text else self.from_value

    @property
    def to_api(self) -> int | str:
        return self.to_text if self.is_text else self.to_value

    @property
    def is_text(self) -> bool:
        """A change of a text (the legal name) rather than of a count."""
        return self.from_value is None

    @property
    def from_display(self) -> str:
        return text_display(self.what, self.from_text) if self.is_text else count(self.from_value)

    @property
    def to_display(self) -> str:
        return text_display(self.what, self.to_text) if self.is_text else count(self.to_value)

    @property
    def what_display(self) -> str:
        """The figure changed in the reader's language ("what" is stored in English)."""
        return what_text(self.what)

    @property
    def change_text(self) -> str:
        """e.g. "100 → 120", "“Acme” → “Acme Ltd”" or "1,990 → 2,040 (purchase LMP-…)"."""
        text = f"{self.from_display} → {self.to_display}"
        return f"{text} ({self.note_display})" if self.note else text

    @property
    def note_display(self) -> str:
        """The note in the reader's language ("purchase LMP-…" is stored in English)."""
        return note_text(self.note)

    @property
    def delta(self) -> int | None:
        return None if self.is_text else self.to_value - self.from_value


class LicenseAlert(models.Model):
    """An alert sent about a license: a renewal reminder or a low-seats episode.

    The unique (license, kind, key) is what makes each alert go out once: the job inserts the row
    first (a conflict means another run sent it) and e-mails only for rows it inserted. ``key`` is
    the renewal date and the days before it ("2027-01-31/30"), or the low-seats episode's number.
    A low-seats alert is resolved when unallocated rises back to the threshold (it re-arms).
    """

    license = models.ForeignKey(
        VolumeLicense, verbose_name=_("license"), on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    key = models.CharField(_("key"), max_length=40)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipients = models.TextField(_("recipients"), blank=True, default="")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("license alert")
        verbose_name_plural = _("license alerts")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["license", "kind", "key"], name="license_alert_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} — {self.license}"


class ScheduledCommitmentChange(models.Model):
    """A seat commitment an Administrator planned for a license's renewal date.

    The figure is absolute: at the renewal the commitment becomes ``new_commitment`` whatever
    purchases raised it to meanwhile, never below what is allocated then (``licenses.renewals``).
    At most one change per license is scheduled at a time; cancelled, applied and refused ones stay
    as the record.
    """

    license = models.ForeignKey(
        VolumeLicense,
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="commitment_changes",
    )
    new_commitment = models.PositiveIntegerField(_("commitment at renewal"))
    # The license's renewal date when the change was scheduled: it applies on that date.
    renewal_date = models.DateField(_("renewal date"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CommitmentChangeStatus.choices,
        default=CommitmentChangeStatus.SCHEDULED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("scheduled at"), default=timezone.now)
    # The commitment the change replaced when it applied (or met, refused).
    previous_commitment = models.PositiveIntegerField(
        _("previous commitment"), null=True, blank=True
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    refusal_reason = models.CharField(_("refusal reason"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("scheduled commitment change")
        verbose_name_plural = _("scheduled commitment changes")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The job's due changes: scheduled ones by date.
            models.Index(fields=["status", "renewal_date"], name="commitment_change_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["license"],
                condition=Q(status="scheduled"),
                name="commitment_change_one_scheduled",
                violation_error_message=policy.RENEWAL_ALREADY_SCHEDULED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.license} → {self.new_commitment} ({self.renewal_date.isoformat()})"
