"""Django admin for vendor staff; every seat-affecting write goes through licenses.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction

from licenses import services
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, Membership, Partner, SeatAllocation, VolumeLicense
from licenses.selectors import cloud_license_for, customer_allocations


class _DryRun(Exception):
    """Raised to roll back a service call made only to validate an admin form."""


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "default_address", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]
    raw_id_fields = ["default_address"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]


class VolumeLicenseAdminForm(forms.ModelForm):
    class Meta:
        model = VolumeLicense
        fields = [
            "partner", "tier", "seat_commitment", "renewal_date", "price_per_user", "currency",
            "sub_partners",
        ]

    def clean_seat_commitment(self):
        value = self.cleaned_data["seat_commitment"]
        if self.instance.pk:
            allocated = VolumeLicense.objects.values_list("allocated", flat=True).get(
                pk=self.instance.pk
            )
            if value is not None and value < allocated:
                raise ValidationError(
                    f"{allocated:,} seats are allocated; the commitment cannot go below that."
                )
        return value


@admin.register(VolumeLicense)
class VolumeLicenseAdmin(admin.ModelAdmin):
    form = VolumeLicenseAdminForm
    list_display = [
        "__str__", "partner", "tier", "seat_commitment", "allocated", "unallocated_display",
        "renewal_date", "price_per_user", "currency",
    ]
    list_filter = ["tier", "currency", "renewal_date"]
    search_fields = ["partner__name"]
    list_select_related = ["partner"]
    readonly_fields = ["allocated", "unallocated_display"]
    filter_horizontal = ["sub_partners"]
    autocomplete_fields = ["partner"]

    @admin.display(description="Unallocated")
    def unallocated_display(self, obj: VolumeLicense) -> int:
        return obj.unallocated

    def save_model(self, request, obj, form, change):
        services.license_save(license=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        form.save_m2m()


class SeatAllocationInline(admin.TabularInline):
    """Allocations shown for reference; they are changed through the user counts above."""

    model = SeatAllocation
    extra = 0
    can_delete = False
    fields = ["license", "tier", "seats", "sat_users", "active"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CustomerAccountAdminForm(forms.ModelForm):
    """Legal name plus the user counts, validated and saved by the customer_update service."""

    tier_users = forms.IntegerField(label="Tier users", min_value=0)
    cloud_users = forms.IntegerField(label="MDR Cloud Users", min_value=0, initial=0)
    sat_users = forms.IntegerField(label="Beauceron SAT Users", min_value=0, initial=0)

    class Meta:
        model = CustomerAccount
        fields = ["legal_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            allocations = customer_allocations(customer=self.instance)
            primary, cloud = allocations["primary"], allocations["cloud"]
            self.fields["tier_users"].label = self.instance.license.users_label
            self.fields["tier_users"].initial = primary.seats if primary else 0
            self.fields["sat_users"].initial = primary.sat_users if primary else 0
            self.fields["cloud_users"].initial = cloud.seats if cloud else 0
            if self.instance.license.tier != ServiceTier.COMPLETE:
                self.fields["sat_users"].disabled = True
            if (
                self.instance.license.tier == ServiceTier.CLOUD
                or cloud_license_for(partner=self.instance.partner) is None
            ):
                self.fields["cloud_users"].disabled = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "customer": self.instance,
            "legal_name": data.get("legal_name", ""),
            "tier_users": data.get("tier_users"),
            "cloud_users": data.get("cloud_users") or 0,
            "sat_users": data.get("sat_users") or 0,
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors or not self.instance.pk:
            return cleaned
        try:
            with transaction.atomic():
                services.customer_update(**self.service_kwargs())
                raise _DryRun
        except _DryRun:
            pass
        except ValidationError as exc:
            self._update_errors(exc)
        return cleaned


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin):
    form = CustomerAccountAdminForm
    list_display = [
        "legal_name", "partner", "license", "sub_partner", "status", "onboarded_at",
    ]
    list_filter = ["status", "license__tier", "deployment", "partner"]
    search_fields = ["legal_name", "admin_email", "website", "partner__name"]
    list_select_related = ["partner", "license__partner", "sub_partner"]
    readonly_fields = [
        "partner", "license", "website", "sub_partner", "admin_email", "status", "deployment",
        "hosting_region", "onboarded_at", "offboarded_at",
    ]
    inlines = [SeatAllocationInline]
    actions = ["offboard_selected"]
    date_hierarchy = "onboarded_at"

    def has_add_permission(self, request) -> bool:
        # Customers are created by the onboarding order, which also allocates their seats.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Offboarded customers are kept for history.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != CustomerStatus.ACTIVE:
            return [*self.readonly_fields, "legal_name"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status != CustomerStatus.ACTIVE:
            return ["legal_name", *self.readonly_fields]
        return ["legal_name", "tier_users", "cloud_users", "sat_users", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if obj.status != CustomerStatus.ACTIVE:
            return
        changes = services.customer_update(**form.service_kwargs(), actor=request.user)
        if changes:
            self.message_user(request, "; ".join(str(c) for c in changes), messages.INFO)

    def save_related(self, request, form, formsets, change):
        # The allocation inline is read-only; nothing else is related.
        return None

    @admin.action(description="Offboard selected customers (returns their seats)")
    def offboard_selected(self, request, queryset):
        done = 0
        for customer in queryset.filter(status=CustomerStatus.ACTIVE):
            services.customer_offboard(customer=customer, actor=request.user)
            done += 1
        self.message_user(request, f"{done} customer(s) offboarded.", messages.SUCCESS)


@admin.register(SeatAllocation)
class SeatAllocationAdmin(admin.ModelAdmin):
    """Read-only ledger of allocations, searchable by customer and partner."""

    list_display = ["customer", "license", "tier", "seats", "sat_users", "active"]
    list_filter = ["tier", "active"]
    search_fields = ["customer__legal_name", "license__partner__name"]
    list_select_related = ["customer", "license__partner"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
