"""Forms of the license pages; they only parse input, the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense


class CountField(forms.IntegerField):
    """A whole number of users; limits and their messages come from the services."""

    widget = forms.NumberInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "step": "1", "class": "form-control count-input"})
        return attrs


class CustomerAccountForm(forms.Form):
    """Edit page: legal name and user allocations of one customer."""

    legal_name = forms.CharField(label="Customer Legal Name", max_length=200)
    tier_users = CountField(label="Users")
    cloud_users = CountField(label="MDR Cloud Users", required=False)
    sat_users = CountField(label="Beauceron SAT Users", required=False)

    def __init__(
        self,
        *args,
        customer: CustomerAccount,
        cloud_license: VolumeLicense | None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        license = customer.license
        self.fields[
            "legal_name"
        ].help_text = "Used as the account name in the MDR Portal, the LMP and elsewhere."
        tier = self.fields["tier_users"]
        tier.label = license.users_label
        tier.help_text = f"Taken from the {license.get_tier_display()} license."
        tier.widget.attrs["min"] = 1
        if cloud_license is None:
            del self.fields["cloud_users"]
        else:
            self.fields["cloud_users"].widget.attrs["min"] = 0
            self.fields["cloud_users"].help_text = "Cloud monitoring only; separate pool."
        if license.tier != ServiceTier.COMPLETE:
            del self.fields["sat_users"]
        else:
            self.fields["sat_users"].widget.attrs["min"] = 0
            self.fields["sat_users"].help_text = "Security awareness training add-on."

    def clean_cloud_users(self) -> int:
        return self.cleaned_data.get("cloud_users") or 0

    def clean_sat_users(self) -> int:
        return self.cleaned_data.get("sat_users") or 0

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError next to the fields it names (else above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            target = field if field in self.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            self.add_error(target, errors)
