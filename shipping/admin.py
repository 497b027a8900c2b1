"""Admin for vendor staff: addresses (and each partner's default), the appliance catalogue and
shipments (with fulfilment)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from shipping import services
from shipping.models import Address, Appliance, Shipment


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    """A partner's default shipping address is chosen here: tick "Default address" or use the
    action; the partner's previous default stops being it."""

    list_display = ["__str__", "partner", "label", "recipient", "country", "is_default"]
    list_filter = ["is_default", "country"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "recipient", "line1", "city", "postal_code"]
    autocomplete_fields = ["partner"]
    actions = ["make_default"]

    def save_model(self, request, obj, form, change):
        services.address_save(address=obj, actor=request.user)

    @admin.action(description="Make the selected address its partner's default")
    def make_default(self, request, queryset):
        addresses = list(queryset.select_related("partner")[:2])
        if len(addresses) != 1:
            self.message_user(request, "Choose exactly one address.", messages.ERROR)
            return
        address = services.address_default_set(address=addresses[0], actor=request.user)
        self.message_user(
            request,
            f"{address} is now the default address of {address.partner}.",
            messages.SUCCESS,
        )


@admin.register(Appliance)
class ApplianceAdmin(admin.ModelAdmin):
    list_display = ["name", "form_factor", "site_size", "throughput", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active", "form_factor", "site_size"]
    search_fields = ["name", "description"]

    def save_model(self, request, obj, form, change):
        services.appliance_save(appliance=obj, actor=request.user)


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "appliance",
        "customer_name",
        "ship_to_city",
        "status",
        "carrier",
        "tracking_number",
    ]
    list_display_links = ["id", "appliance"]
    list_editable = ["carrier", "tracking_number"]
    list_filter = ["status", "carrier", "role", "appliance"]
    list_select_related = ["appliance", "address", "onboarding_request"]
    search_fields = [
        "tracking_number",
        "onboarding_request__legal_name",
        "address__city",
        "address__postal_code",
    ]
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

    @admin.display(description="Customer", ordering="onboarding_request__legal_name")
    def customer_name(self, obj: Shipment) -> str:
        return obj.onboarding_request.legal_name

    @admin.display(description="Ship to", ordering="address__city")
    def ship_to_city(self, obj: Shipment) -> str:
        return f"{obj.address.city}, {obj.address.get_country_display()}"

    def save_model(self, request, obj, form, change):
        services.shipment_tracking_set(
            shipment=obj,
            carrier=obj.carrier,
            tracking_number=obj.tracking_number,
            actor=request.user,
        )

    def _transition(self, request, queryset, service, verb: str) -> None:
        done, refused = 0, []
        for shipment in queryset.select_related("appliance"):
            try:
                service(shipment=shipment, actor=request.user)
            except ValidationError as exc:
                refused.extend(exc.messages)
            else:
                done += 1
        if done:
            noun = "shipment" if done == 1 else "shipments"
            self.message_user(request, f"{done} {noun} marked {verb}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark selected shipments as shipped")
    def mark_shipped(self, request, queryset):
        self._transition(request, queryset, services.shipment_mark_shipped, "shipped")

    @admin.action(description="Mark selected shipments as delivered")
    def mark_delivered(self, request, queryset):
        self._transition(request, queryset, services.shipment_mark_delivered, "delivered")
