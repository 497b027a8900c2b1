"""Customer Onboarding tab (the wizard arrives with the onboarding work)."""

from __future__ import annotations

from django.views.generic import TemplateView

from licenses.mixins import PartnerMixin
from licenses.selectors import license_list


class OnboardingStartView(PartnerMixin, TemplateView):
    """Pick the license a new customer is onboarded onto."""

    template_name = "onboarding/start.html"

    def get_context_data(self, **kwargs):
        kwargs["licenses"] = license_list(partner=self.partner)
        return super().get_context_data(**kwargs)
