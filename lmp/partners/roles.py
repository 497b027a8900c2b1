"""What each role of a partner's login may do: the one place that decides it.

Built on ``rules`` (django-rules): a role is a field of the login's membership, not a group with
permission rows, so a permission is a predicate over that field, evaluated in memory (no query,
no permission rows to keep in step with the roles). Views (``PartnerMixin.permission_required``),
templates (``can`` from the context processor) and services (``require``) all ask ``allows``.

Vendor staff are not partner members: Django admin's own model permissions govern them, and the
services let a call without a partner member through (``require``).
"""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied

from lmp.partners.choices import PartnerRole


class KeyActor:
    """An API key acting for its partner with its role (``lmp.api.authentication`` makes it).

    It is not a login: it has no ``pk`` (history records it as ``api_key``), cannot sign in to
    the portal, and its role is one of ``API_KEY_ROLES``; the same rules below decide for it.
    """

    is_authenticated = True
    is_anonymous = False
    pk = None

    def __init__(self, key) -> None:
        self.key = key
        self.role = key.role
        self.partner = key.partner

    def __str__(self) -> str:
        return str(self.key)


def role_of(user) -> str | None:
    """The role of a signed-in partner member or an API key, None for anyone else."""
    if isinstance(user, KeyActor):
        return user.role
    if not getattr(user, "is_authenticated", False):
        return None
    # A user without a membership raises RelatedObjectDoesNotExist, an AttributeError.
    membership = getattr(user, "membership", None)
    return membership.role if membership is not None else None


def _has_role(*roles: str):
    @rules.predicate(name=f"role in {', '.join(roles)}")
    def predicate(user) -> bool:
        return role_of(user) in roles

    return predicate


is_administrator = _has_role(PartnerRole.ADMINISTRATOR)
may_allocate = _has_role(PartnerRole.ADMINISTRATOR, PartnerRole.ALLOCATOR)
may_view = _has_role(PartnerRole.ADMINISTRATOR, PartnerRole.ALLOCATOR, PartnerRole.VIEW_ONLY)
may_bill = _has_role(PartnerRole.ADMINISTRATOR, PartnerRole.BANK_DETAILS_ONLY)
may_sign_in = _has_role(*(set(PartnerRole.values) - {PartnerRole.NO_LMP_ACCESS}))

# The permissions, by what a user would call the action.
VIEW_LICENSES = "lmp.view_licenses"  # licenses, customers, history, onboarding orders
EXPORT = "lmp.export"  # the Excel export of a license
CHANGE_CUSTOMERS = "lmp.change_customers"  # onboard, edit users and legal name, offboard
VIEW_BILLING = "lmp.view_billing"
CHANGE_BILLING = "lmp.change_billing"
MANAGE_TEAM = "lmp.manage_team"  # the Team page: invite, change roles, deactivate
BUY_SEATS = "lmp.buy_seats"
MANAGE_INTEGRATIONS = "lmp.manage_integrations"  # webhook endpoints and their deliveries
SIGN_IN = "lmp.sign_in"

RULES = {
    VIEW_LICENSES: may_view,
    EXPORT: may_view,
    CHANGE_CUSTOMERS: may_allocate,
    VIEW_BILLING: may_bill,
    CHANGE_BILLING: may_bill,
    MANAGE_TEAM: is_administrator,
    BUY_SEATS: is_administrator,
    MANAGE_INTEGRATIONS: is_administrator,
    SIGN_IN: may_sign_in,
}
for _name, _predicate in RULES.items():
    rules.add_perm(_name, _predicate)


def allows(user, permission: str) -> bool:
    """Whether ``user`` may do ``permission`` (one of the constants above)."""
    if permission not in RULES:
        raise KeyError(f"Unknown permission {permission!r}: add it to lmp.partners.roles.RULES.")
    return rules.has_perm(permission, user)


def require(actor, permission: str) -> None:
    """Raise ``PermissionDenied`` when a partner member may not do ``permission``.

    Services call it with their ``actor``. A call without a partner member behind it (the system,
    vendor staff working in Django admin) is not a partner's action and passes: admin has its own
    model permissions.
    """
    if role_of(actor) is None:
        return
    if not allows(actor, permission):
        raise PermissionDenied("Your role does not allow this.")


class Can:
    """``can.change_customers`` in a template: whether the signed-in user may do it."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return allows(self._user, f"lmp.{name}")
