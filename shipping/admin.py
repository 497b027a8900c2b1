"""Admin for vendor staff: addresses (and each partner's default) and the appliance catalogue."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from shipping import services
from shipping.models import Address, Appliance
from shipping.services import ADDRESS_FIELDS


class AddressAdminForm(forms.ModelForm):
    """The address, and whether it is its partner's default.

    Not the model field itself: the form would check the one-default constraint against the
    partner's current default before the service could hand the role over.
    """

    default = forms.BooleanField(
        label=_("Default address"),
        required=False,
        help_text=_(
            "Where appliances ship unless an onboarding order names another address; "
            "the partner's previous default stops being it."
        ),
    )

    class Meta:
        model = Address
        fields = ["partner", "label", *ADDRESS_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default"].initial = self.instance.is_default


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    """A partner's default shipping address is chosen here: tick "Default address" or use the
    action; the partner's previous default stops being it."""

    form = AddressAdminForm

    list_display = ["__str__", "partner", "label", "recipient", "country", "is_default"]
    list_filter = ["is_default", "country"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "recipient", "line1", "city", "postal_code"]
    autocomplete_fields = ["partner"]
    actions = ["make_default"]

    def save_model(self, request, obj, form, change):
        obj.is_default = form.cleaned_data["default"]
        services.address_save(address=obj, actor=request.user)

    @admin.action(description=_("Make the selected address its partner's default"))
    def make_default(self, request, queryset):
        addresses = list(queryset.select_related("partner")[:2])
        if len(addresses) != 1:
            self.message_user(request, gettext("Choose exactly one address."), messages.ERROR)
            return
        address = services.address_default_set(address=addresses[0], actor=request.user)
        self.message_user(
            request,
            gettext("%(address)s is now the default address of %(partner)s.")
            % {"address": address, "partner": address.partner},
            messages.SUCCESS,
        )


@admin.register(Appliance)
class ApplianceAdmin(TranslationAdmin):
    """The catalogue: staff edit each model's name, description and throughput in English and in
    French (shipping/translation.py); a blank French text shows the English one."""

    list_display = ["name", "form_factor", "site_size", "throughput", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    list_filter = ["active", "form_factor", "site_size"]
    search_fields = [
        "name_en",
        "name_fr_ca",
        "description_en",
        "description_fr_ca",
    ]

    def save_model(self, request, obj, form, change):
        services.appliance_save(appliance=obj, actor=request.user)
