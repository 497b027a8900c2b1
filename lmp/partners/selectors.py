"""Reads of partners: which partner a login works for."""

from __future__ import annotations

from lmp.partners.models import Membership, Partner


def partner_for_user(user) -> Partner | None:
    """The partner a login works for, or None for vendor staff and unlinked accounts (cached)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_lmp_partner"):
        # The signed-in user comes with its membership and partner (lmp.partners.auth); any
        # other user object costs two queries here (its membership, then the partner).
        try:
            membership = user.membership
        except Membership.DoesNotExist:
            membership = None
        user._lmp_partner = membership.partner if membership else None
    return user._lmp_partner
