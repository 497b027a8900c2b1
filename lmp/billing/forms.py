"""The Billing page's form."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms

from lmp.billing.services import BILLING_FIELDS
from lmp.partners.models import Partner


class PartnerBillingForm(forms.ModelForm):
    """Billing contact and address, currency, purchase order number and payment reference.

    It only validates and shows what was typed: ``partner_billing_set`` saves.
    """

    class Meta:
        model = Partner
        fields = BILLING_FIELDS
        labels = {
            "billing_contact_name": "Billing contact",
            "billing_email": "Billing e-mail",
            "billing_phone": "Billing phone",
            "billing_address": "Billing address",
            "billing_currency": "Currency",
            "purchase_order_number": "Purchase order number",
            "payment_reference": "Payment reference",
        }
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, editable: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column(Field("billing_contact_name", autocomplete="name"), css_class="col-md-6"),
                Column(Field("billing_email", autocomplete="email"), css_class="col-md-6"),
            ),
            Row(
                Column(Field("billing_phone", autocomplete="tel"), css_class="col-md-6"),
                Column("billing_currency", css_class="col-md-6"),
            ),
            Field("billing_address", autocomplete="street-address"),
            Row(
                Column("purchase_order_number", css_class="col-md-6"),
                Column("payment_reference", css_class="col-md-6"),
            ),
        )
        if not editable:
            for field in self.fields.values():
                field.disabled = True

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in BILLING_FIELDS}
