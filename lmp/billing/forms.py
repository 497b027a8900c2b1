"""The Billing page's form and the Purchase page's."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from licenses.policy import MAX_PURCHASE_USERS
from lmp.billing.selectors import PurchaseOption
from lmp.billing.services import BILLING_FIELDS
from lmp.core.l10n import count
from lmp.partners.models import Partner


class PartnerBillingForm(forms.ModelForm):
    """Billing contact and address, currency, purchase order number and payment reference.

    It only validates and shows what was typed: ``partner_billing_set`` saves.
    """

    class Meta:
        model = Partner
        fields = BILLING_FIELDS
        labels = {
            "billing_contact_name": gettext_lazy("Billing contact"),
            "billing_email": gettext_lazy("Billing e-mail"),
            "billing_phone": gettext_lazy("Billing phone"),
            "billing_address": gettext_lazy("Billing address"),
            "billing_currency": gettext_lazy("Currency"),
            "purchase_order_number": gettext_lazy("Purchase order number"),
            "payment_reference": gettext_lazy("Payment reference"),
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


class PurchaseForm(forms.Form):
    """Tier, additional users, the terms and the form's purchase token.

    It validates what was typed; ``seats_purchase`` decides (and checks the figures again).
    """

    tier = forms.ChoiceField(label=gettext_lazy("Tier"))
    users = forms.IntegerField(
        label=gettext_lazy("Additional users"),
        min_value=1,
        max_value=MAX_PURCHASE_USERS,
        error_messages={
            "required": gettext_lazy("Enter how many users to add."),
            "invalid": gettext_lazy("Additional users must be a whole number."),
            "min_value": gettext_lazy("Additional users must be at least 1."),
        },
    )
    terms = forms.BooleanField(
        label=gettext_lazy(
            "I agree to the purchase terms: the users are added now and billed monthly at the "
            "price per user until the license's renewal."
        ),
        error_messages={"required": gettext_lazy("Tick the box to agree to the purchase terms.")},
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, options: list[PurchaseOption], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = {option.tier: option for option in options}
        self.fields["tier"].choices = [(o.tier, o.choice_label) for o in options]
        self.fields["users"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        # Here, not on the class: the number is written in the reader's language.
        self.fields["users"].error_messages["max_value"] = _(
            "Additional users must be at most %(most)s in one purchase (for more, ask your "
            "account manager)."
        ) % {"most": count(MAX_PURCHASE_USERS)}

    def clean_tier(self) -> str:
        tier = self.cleaned_data["tier"]
        option = self.options[tier]
        if option.license is None and option.price is None:
            raise forms.ValidationError(
                _(
                    "%(tier)s cannot be bought here yet: it has no list price in %(currency)s. "
                    "Ask your account manager."
                )
                % {"tier": option.label, "currency": option.currency}
            )
        return tier

    @property
    def selected(self) -> PurchaseOption | None:
        """The option the form shows selected (what was typed, else the initial one)."""
        tier = self.data.get(self.add_prefix("tier")) if self.is_bound else self.initial.get("tier")
        return self.options.get(tier) or next(iter(self.options.values()), None)
