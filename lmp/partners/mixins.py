"""Shared view plumbing: every partner page resolves the signed-in user's partner first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from lmp.partners.models import Partner
from lmp.partners.selectors import partner_for_user


class PartnerMixin:
    """Sets ``self.partner``; vendor staff without a partner go to the admin, others get 403."""

    partner: Partner

    def dispatch(self, request, *args, **kwargs):
        partner = partner_for_user(request.user)
        if partner is None:
            if request.user.is_staff:
                return redirect("admin:index")
            raise PermissionDenied("Your login is not linked to a partner.")
        self.partner = partner
        self.load_objects()
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self) -> None:
        """Resolve the objects named in the URL once the partner is known (404 outside it)."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("partner", self.partner)
        return super().get_context_data(**kwargs)
