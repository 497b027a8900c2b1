"""License tab views (the full license pages arrive with the license-page work)."""

from __future__ import annotations

from django.views.generic import ListView

from licenses.mixins import PartnerMixin
from licenses.selectors import license_list


class LicenseListView(PartnerMixin, ListView):
    """The License tab: the partner's own and shared volume licenses."""

    template_name = "licenses/license_list.html"
    context_object_name = "licenses"

    def get_queryset(self):
        return license_list(partner=self.partner)
