"""Shared view plumbing: every partner page resolves the signed-in user's partner first."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from lmp.partners import roles
from lmp.partners.models import Partner
from lmp.partners.selectors import partner_for_user


class PartnerMixin:
    """Sets ``self.partner``; vendor staff without a partner go to the admin, others get 403.

    ``permission_required`` (a ``lmp.partners.roles`` permission) is what the page needs to be
    seen; ``post_permission_required`` what its POST needs, when that is more. A role without it
    gets 403 before any object is loaded or anything changes.
    """

    partner: Partner
    permission_required: str = roles.VIEW_LICENSES
    post_permission_required: str | None = None

    def dispatch(self, request, *args, **kwargs):
        partner = partner_for_user(request.user)
        if partner is None:
            if request.user.is_staff:
                return redirect("admin:index")
            raise PermissionDenied(_("Your login is not linked to a partner."))
        needed = self.permission_required
        if request.method not in ("GET", "HEAD", "OPTIONS") and self.post_permission_required:
            needed = self.post_permission_required
        if not roles.allows(request.user, needed):
            raise PermissionDenied(_("Your role does not allow this."))
        self.partner = partner
        self.load_objects()
        return super().dispatch(request, *args, **kwargs)

    def load_objects(self) -> None:
        """Resolve the objects named in the URL once the partner is known (404 outside it)."""

    def get_context_data(self, **kwargs):
        kwargs.setdefault("partner", self.partner)
        return super().get_context_data(**kwargs)
