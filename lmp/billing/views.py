"""The Billing page (Administrators and Bank Details Only): no customer data on it."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from licenses.selectors import license_terms_list
from lmp.billing.forms import PartnerBillingForm
from lmp.billing.services import partner_billing_set
from lmp.partners import roles
from lmp.partners.mixins import PartnerMixin


class BillingView(PartnerMixin, FormView):
    """The partner's billing details (a form) and each of its own licenses' monthly total."""

    template_name = "billing/billing.html"
    form_class = PartnerBillingForm
    permission_required = roles.VIEW_BILLING
    post_permission_required = roles.CHANGE_BILLING

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            # A copy: the form's validation writes what was typed onto its instance.
            instance=copy.copy(self.partner),
            editable=roles.allows(self.request.user, roles.CHANGE_BILLING),
        )
        return kwargs

    def form_valid(self, form):
        try:
            changed = partner_billing_set(
                partner=self.partner, actor=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, "Billing details saved: " + ", ".join(changed) + ".")
        else:
            messages.info(self.request, "No changes to the billing details.")
        return HttpResponseRedirect(reverse("billing:billing"))

    def get_context_data(self, **kwargs):
        kwargs["licenses"] = license_terms_list(partner=self.partner)
        return super().get_context_data(**kwargs)
