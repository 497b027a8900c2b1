"""Onboarding requests (the orders partners submit through the wizard) and their shipments."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from licenses.choices import DeploymentSolution, HostingRegion
from onboarding.choices import FulfilmentStatus, IncidentAnswer, ShipTo
from shipping.choices import ApplianceRole, Carrier, ShipmentStatus


class OnboardingRequest(models.Model):
    """One submitted onboarding order: who, when, which license, what was asked for and shipped.

    The customer details are copied as ordered, because the customer account itself may be renamed
    or re-allocated later; the request stays the record of the order.
    """

    token = models.UUIDField(
        _("token"),
        unique=True,
        editable=False,
        help_text=_(
            "Made when the wizard starts; submitting the same wizard again finds this order."
        ),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="onboarding_requests",
        verbose_name=_("partner"),
        help_text=_("The partner that submitted the order."),
    )
    license = models.ForeignKey(
        "licenses.VolumeLicense",
        on_delete=models.PROTECT,
        related_name="onboarding_requests",
        verbose_name=_("license"),
    )
    customer = models.OneToOneField(
        "licenses.CustomerAccount",
        on_delete=models.PROTECT,
        related_name="onboarding_request",
        verbose_name=_("customer"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="onboarding_requests",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    incident_answer = models.CharField(
        _("Breach or incident reported"), max_length=3, choices=IncidentAnswer.choices
    )
    legal_name = models.CharField(_("Customer Legal Name"), max_length=200)
    website = models.URLField(_("Web Site"), max_length=300, blank=True)
    sub_partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Sub-Partner"),
    )
    admin_email = models.EmailField(_("MDR Portal Administrator Email"), max_length=254)
    tier_users = models.PositiveIntegerField(
        _("Tier users"),
        help_text=_("The users of the license's own tier, e.g. MDR Complete Users."),
    )
    cloud_users = models.PositiveIntegerField(_("MDR Cloud Users"), default=0)
    sat_users = models.PositiveIntegerField(_("Beauceron SAT Users"), default=0)
    deployment = models.CharField(
        _("Deployment solution"), max_length=20, choices=DeploymentSolution.choices
    )
    hosting_region = models.CharField(
        _("hosting region"), max_length=2, choices=HostingRegion.choices, blank=True
    )
    ship_to = models.CharField(
        _("Ship to"),
        max_length=20,
        choices=ShipTo.choices,
        blank=True,
        help_text=_("Empty for a fully virtual deployment."),
    )
    language = models.CharField(
        _("Customer language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language of the welcome e-mail to the customer's MDR Portal administrator."
        ),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # A "yes" stops the wizard; an order can only exist for a customer without an incident.
            models.CheckConstraint(
                condition=Q(incident_answer=IncidentAnswer.NO),
                name="onboarding_no_incident",
                violation_error_message=_(
                    "A customer experiencing a breach or incident cannot be onboarded."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    Q(deployment=DeploymentSolution.VIRTUAL, ship_to="") & ~Q(hosting_region="")
                )
                | (Q(deployment=DeploymentSolution.NETWORK_SENSORS) & ~Q(ship_to="")),
                name="onboarding_deployment_consistent",
                violation_error_message=_(
                    "A fully virtual deployment needs a hosting region; network sensors need "
                    "shipping."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sat_users__lte=F("tier_users")),
                name="onboarding_sat_within_tier_users",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "-submitted_at"], name="onboarding_partner_recent"),
            # The admin's list, newest first across every partner, and its date filter.
            models.Index(fields=["submitted_at", "id"], name="onboarding_submitted_id"),
        ]
        verbose_name = _("onboarding request")
        verbose_name_plural = _("onboarding requests")

    def __str__(self) -> str:
        return gettext("Onboarding of %(customer)s (%(date)s)") % {
            "customer": self.legal_name,
            "date": f"{self.submitted_at:%Y-%m-%d}",
        }

    @property
    def is_virtual(self) -> bool:
        return self.deployment == DeploymentSolution.VIRTUAL

    @property
    def fulfilment_status(self) -> FulfilmentStatus:
        """Derived from the shipments (prefetch them when listing several requests)."""
        statuses = [shipment.status for shipment in self.shipments.all()]
        if ShipmentStatus.PENDING in statuses:
            return FulfilmentStatus.AWAITING_SHIPMENT
        if any(status != ShipmentStatus.DELIVERED for status in statuses):
            return FulfilmentStatus.IN_TRANSIT
        return FulfilmentStatus.COMPLETE


class Shipment(models.Model):
    """One appliance of an onboarding order on its way to one address."""

    onboarding_request = models.ForeignKey(
        OnboardingRequest,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("onboarding request"),
    )
    appliance = models.ForeignKey(
        "shipping.Appliance",
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("appliance"),
    )
    role = models.CharField(_("role"), max_length=20, choices=ApplianceRole.choices)
    address = models.ForeignKey(
        "shipping.Address",
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("address"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING
    )
    carrier = models.CharField(_("carrier"), max_length=20, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        # Made by the shipping app; moved here (state only) so shipping no longer points at
        # onboarding. The table kept its name and rows (migrations shipping 0004, onboarding 0003).
        db_table = "shipping_shipment"
        ordering = ["onboarding_request_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        status=ShipmentStatus.PENDING,
                        shipped_at__isnull=True,
                        delivered_at__isnull=True,
                    )
                    | (
                        Q(
                            status=ShipmentStatus.SHIPPED,
                            shipped_at__isnull=False,
                            delivered_at__isnull=True,
                        )
                        & ~Q(carrier="")
                        & ~Q(tracking_number="")
                    )
                    | (
                        Q(
                            status=ShipmentStatus.DELIVERED,
                            shipped_at__isnull=False,
                            delivered_at__isnull=False,
                        )
                        & ~Q(carrier="")
                        & ~Q(tracking_number="")
                    )
                ),
                name="shipment_status_matches_dates_and_tracking",
                violation_error_message=_(
                    "A shipped or delivered shipment needs a carrier, a tracking number and its "
                    "dates."
                ),
            ),
            models.UniqueConstraint(
                fields=["onboarding_request"],
                condition=Q(role=ApplianceRole.PRIMARY),
                name="shipment_one_primary_per_request",
                violation_error_message=_("An onboarding request has only one primary appliance."),
            ),
        ]
        indexes = [models.Index(fields=["status"], name="shipment_status")]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.appliance} → {self.address.city if self.address_id else '?'}"

    def clean(self) -> None:
        if self.status != ShipmentStatus.PENDING and not (self.carrier and self.tracking_number):
            raise ValidationError(
                gettext("Enter the carrier and the tracking number before marking it shipped.")
            )

    @property
    def tracking_display(self) -> str:
        if not self.tracking_number:
            return ""
        return f"{self.get_carrier_display()} {self.tracking_number}".strip()


class OnboardingDraft(models.Model):
    """The answers of one wizard run so far, in a row of its own, keyed by the run's id.

    Not in the session: a session is one value that the last request to save replaces as a whole,
    so two tabs whose requests overlap would overwrite each other's runs. A row per run is written
    only by that run's requests (``onboarding.wizard.DraftStorage``).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # formtools' storage as JSON text: the current step, each step's posted data and the run's
    # extra data. Text, not a JSON column: PostgreSQL's jsonb refuses U+0000, which a partner can
    # type (the step's form then refuses it with a message, but the typing is kept).
    data = models.TextField(default="{}")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "updated_at"], name="draft_user_updated")]
        verbose_name = _("onboarding draft")
        verbose_name_plural = _("onboarding drafts")

    def __str__(self) -> str:
        return gettext("Onboarding run %(run)s of %(user)s") % {"run": self.id, "user": self.user}
