"""Admin for shipping addresses (catalogue and shipments arrive with the onboarding work)."""

from django.contrib import admin

from shipping.models import Address


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["__str__", "partner", "label", "recipient", "country"]
    list_filter = ["country"]
    search_fields = ["partner__name", "recipient", "line1", "city", "postal_code"]
    autocomplete_fields = ["partner"]
