"""Admin for vendor staff: submitted onboarding orders and their shipments (with fulfilment)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lmp.core.admin import LargeListAdmin, ReadOnlyModelAdmin
from lmp.core.l10n import count
from onboarding import services
from onboarding.choices import FulfilmentStatus
from onboarding.models import OnboardingRequest, Shipment
from shipping.choices import ShipmentStatus


class ShipmentInline(admin.TabularInline):
    """The order's appliances; carrier, tracking and status are handled on each shipment."""

    model = Shipment
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "appliance",
        "role",
        "address",
        "status",
        "carrier",
        "tracking_number",
        "shipped_at",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class FulfilmentFilter(admin.SimpleListFilter):
    title = _("fulfilment")
    parameter_name = "fulfilment"

    def lookups(self, request, model_admin):
        return [
            ("awaiting", FulfilmentStatus.AWAITING_SHIPMENT.label),
            ("no_hardware", _("Fully virtual")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            # A semi-join from the pending shipments (few), not a count over every order.
            pending = Shipment.objects.filter(status=ShipmentStatus.PENDING)
            return queryset.filter(pk__in=pending.values("onboarding_request_id"))
        if self.value() == "no_hardware":
            return queryset.filter(shipments__isnull=True)
        return queryset


@admin.register(OnboardingRequest)
class OnboardingRequestAdmin(LargeListAdmin, ReadOnlyModelAdmin):
    """Orders are created by partners through the wizard; staff read them and ship appliances.

    Read-only: the order is a record of what was submitted; fulfilment happens on its shipments.
    """

    list_display = [
        "legal_name",
        "partner",
        "license",
        "deployment",
        "appliance_count",
        "fulfilment",
        "submitted_by",
        "submitted_at",
    ]
    list_filter = [FulfilmentFilter, "deployment", "license__tier", "submitted_at"]
    list_select_related = ["partner", "license__partner", "submitted_by"]
    search_fields = ["legal_name", "admin_email", "partner__name", "=token"]
    search_by_key = ("partner",)
    inlines = [ShipmentInline]
    readonly_fields = [
        "token",
        "partner",
        "license",
        "customer",
        "submitted_by",
        "submitted_at",
        "incident_answer",
        "legal_name",
        "website",
        "sub_partner",
        "admin_email",
        "tier_users",
        "cloud_users",
        "sat_users",
        "deployment",
        "hosting_region",
        "ship_to",
        "language",
    ]
    fieldsets = [
        (
            _("Order"),
            {
                "fields": [
                    "token",
                    "partner",
                    "license",
                    "submitted_by",
                    "submitted_at",
                    "incident_answer",
                ]
            },
        ),
        (
            _("Customer as ordered"),
            {
                "fields": [
                    "customer",
                    "legal_name",
                    "website",
                    "sub_partner",
                    "admin_email",
                    "tier_users",
                    "cloud_users",
                    "sat_users",
                    "language",
                ]
            },
        ),
        (_("Deployment"), {"fields": ["deployment", "hosting_region", "ship_to"]}),
    ]

    def get_queryset(self, request):
        # Counted from the page's shipments, not by a GROUP BY over every order.
        return super().get_queryset(request).prefetch_related("shipments")

    @admin.display(description=_("Appliances"))
    def appliance_count(self, obj: OnboardingRequest) -> int:
        return len(obj.shipments.all())

    @admin.display(description=_("Fulfilment"))
    def fulfilment(self, obj: OnboardingRequest) -> str:
        return obj.fulfilment_status.label


@admin.register(Shipment)
class ShipmentAdmin(LargeListAdmin):
    """Staff type each shipment's carrier and tracking number in the list, then mark it shipped.

    The list fits a 1366 px screen beside Django's navigation and the filter panel: no ID column
    (the appliance links to the shipment), the city under the customer rather than a column of its
    own, and static/css/admin.css sizes the tracking field to a tracking number rather than
    Django's 20em text field.
    """

    list_display = [
        "appliance",
        "customer_and_city",
        "status",
        "carrier",
        "tracking_number",
    ]
    list_display_links = ["appliance"]
    list_editable = ["carrier", "tracking_number"]
    # Each row is a form (carrier, tracking number): rendering 100 of them is most of the page's
    # time at any size (the bench's admin section), so 50 a page.
    list_per_page = 50
    list_filter = ["status", "carrier", "role", "appliance"]
    list_select_related = ["appliance", "address", "onboarding_request"]
    search_fields = [
        "tracking_number",
        "onboarding_request__legal_name",
        "address__city",
        "address__postal_code",
    ]
    search_by_key = ("onboarding_request", "address")
    readonly_fields = [
        "onboarding_request",
        "appliance",
        "role",
        "address",
        "status",
        "created_at",
        "shipped_at",
        "delivered_at",
    ]
    fields = [
        "onboarding_request",
        "appliance",
        "role",
        "address",
        "status",
        "carrier",
        "tracking_number",
        "created_at",
        "shipped_at",
        "delivered_at",
    ]
    actions = ["mark_shipped", "mark_delivered"]

    def has_add_permission(self, request):
        # Shipments come from submitted onboarding orders only.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Customer, ship to"), ordering="onboarding_request__legal_name")
    def customer_and_city(self, obj: Shipment) -> str:
        return format_html(
            "{}<br>{}, {}",
            obj.onboarding_request.legal_name,
            obj.address.city,
            obj.address.get_country_display(),
        )

    def save_model(self, request, obj, form, change):
        services.shipment_tracking_set(
            shipment=obj,
            carrier=obj.carrier,
            tracking_number=obj.tracking_number,
            actor=request.user,
        )

    def _transition(self, request, queryset, service, done_message) -> None:
        """Run ``service`` on each selected shipment; ``done_message(n)`` says how many changed."""
        done, refused = 0, []
        for shipment in queryset.select_related("appliance"):
            try:
                service(
                    shipment=shipment, actor=request.user, site_url=request.build_absolute_uri("/")
                )
            except ValidationError as exc:
                refused.extend(exc.messages)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Mark selected shipments as shipped"))
    def mark_shipped(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.shipment_mark_shipped,
            lambda n: (
                ngettext(
                    "%(count)s shipment marked shipped.", "%(count)s shipments marked shipped.", n
                )
                % {"count": count(n)}
            ),
        )

    @admin.action(description=_("Mark selected shipments as delivered"))
    def mark_delivered(self, request, queryset):
        self._transition(
            request,
            queryset,
            services.shipment_mark_delivered,
            lambda n: (
                ngettext(
                    "%(count)s shipment marked delivered.",
                    "%(count)s shipments marked delivered.",
                    n,
                )
                % {"count": count(n)}
            ),
        )
