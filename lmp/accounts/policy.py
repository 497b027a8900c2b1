"""Who must sign in with a second factor: the roles come from ``lmp.partners.roles``."""

from __future__ import annotations

from django_otp import user_has_device

from lmp.partners import roles
from lmp.partners.roles import role_of
from lmp.partners.selectors import partner_for_user


def mfa_required(user) -> bool:
    """Whether ``user`` may not use the portal (or Django admin) without two-factor sign-in.

    Vendor staff (Django admin) and a partner's members whose role is one of
    ``roles.MUST_USE_TWO_FACTORS`` always; every member of a partner that asks it
    (``Partner.require_mfa``). Costs no query for the signed-in user: its membership
    and partner come with it (``lmp.partners.auth``).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    role = role_of(user)
    if role is None:
        return False
    if role in roles.MUST_USE_TWO_FACTORS:
        return True
    partner = partner_for_user(user)
    return bool(partner and partner.require_mfa)


def has_authenticator(user) -> bool:
    """Whether ``user`` has a confirmed second factor to sign in with (one query per kind)."""
    return user_has_device(user, confirmed=True)
