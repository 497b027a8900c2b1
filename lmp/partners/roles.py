"""What each role of a partner's login may do: the one place that decides it.

Built on ``rules`` (django-rules): a role is a field of the login's membership, not a group with
permission rows, so a permission is a predicate over that field, evaluated in memory (no query,
no permission rows to keep in step with the roles). Views (``PartnerMixin.permission_required``),
templates (``can`` from the context processor) and services (``require``) all ask ``allows``.

Vendor staff are not partner members: Django admin's own model permissions govern them, and the
services let a call without a partner member through (``require``).
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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


# Private short names: outside this module a role is never named, only asked about.
_ADMINISTRATOR = PartnerRole.ADMINISTRATOR
_ALLOCATOR = PartnerRole.ALLOCATOR
_VIEW_ONLY = PartnerRole.VIEW_ONLY
_BANK_DETAILS_ONLY = PartnerRole.BANK_DETAILS_ONLY

# The permissions, by what a user would call the action.
VIEW_LICENSES = "lmp.view_licenses"  # licenses, customers, history, onboarding orders
EXPORT = "lmp.export"  # the Excel export of a license
CHANGE_CUSTOMERS = "lmp.change_customers"  # onboard, edit users and legal name, offboard
VIEW_BILLING = "lmp.view_billing"  # the Billing page, and the month-end statements' pages
READ_STATEMENTS = "lmp.read_statements"  # the month-end statements through the API
CHANGE_BILLING = "lmp.change_billing"
MANAGE_TEAM = "lmp.manage_team"  # the Team page: invite, change roles, deactivate
BUY_SEATS = "lmp.buy_seats"
MANAGE_INTEGRATIONS = "lmp.manage_integrations"  # webhook endpoints and their deliveries
SIGN_IN = "lmp.sign_in"

_ALLOCATORS = (_ADMINISTRATOR, _ALLOCATOR)
_VIEWERS = (_ADMINISTRATOR, _ALLOCATOR, _VIEW_ONLY)
_BILLERS = (_ADMINISTRATOR, _BANK_DETAILS_ONLY)
# Which roles have each permission: the table every other answer below is read from.
GRANTS: dict[str, tuple[str, ...]] = {
    VIEW_LICENSES: _VIEWERS,
    EXPORT: _VIEWERS,
    CHANGE_CUSTOMERS: _ALLOCATORS,
    VIEW_BILLING: _BILLERS,
    # A statement is each customer's users at its license's price: what the roles that view
    # licenses read already (license pages, the API's license figures). Every API key reads
    # statements (a key is View Only or Allocator, API_KEY_ROLES), so a PSA's billing sync needs
    # no more than a View Only key; on the portal the statements sit under Billing (VIEW_BILLING).
    READ_STATEMENTS: (*_VIEWERS, _BANK_DETAILS_ONLY),
    CHANGE_BILLING: _BILLERS,
    MANAGE_TEAM: (_ADMINISTRATOR,),
    BUY_SEATS: (_ADMINISTRATOR,),
    MANAGE_INTEGRATIONS: (_ADMINISTRATOR,),
    SIGN_IN: tuple(role for role in PartnerRole.values if role != PartnerRole.NO_LMP_ACCESS),
}
RULES = {permission: _has_role(*granted) for permission, granted in GRANTS.items()}
for _name, _predicate in RULES.items():
    rules.add_perm(_name, _predicate)

# Who must sign in with a second factor whatever the partner asks (``Partner.require_mfa``
# extends it to every member); lmp.accounts.policy applies it.
MUST_USE_TWO_FACTORS = frozenset({_ADMINISTRATOR})

# The roles an API key can have: it reads, or reads and changes customers; never more.
API_KEY_ROLES = (_VIEW_ONLY, _ALLOCATOR)
API_KEY_DEFAULT_ROLE = _VIEW_ONLY  # the API key form's first choice: the least it can do
INVITATION_DEFAULT_ROLE = _ALLOCATOR  # the invitation form's first choice, a membership's default

# The e-mails a partner's logins get, by what they are about, and the roles that get each.
# Templates name them so: ``{{ recipients.low_seats_alert }}`` is "Administrators and Allocators".
RENEWAL_ALERT_EMAILS = "renewal_alert"
LOW_SEATS_ALERT_EMAILS = "low_seats_alert"
PURCHASE_EMAILS = "purchase"  # the confirmation; the buyer gets it too
SHIPMENT_EMAILS = "shipment"  # shipped, delivered; the order's submitter gets them too
STATEMENT_EMAILS = "statement"  # the month-end statement, at the close
RECIPIENTS: dict[str, tuple[str, ...]] = {
    RENEWAL_ALERT_EMAILS: (_ADMINISTRATOR,),
    LOW_SEATS_ALERT_EMAILS: (_ADMINISTRATOR, _ALLOCATOR),
    PURCHASE_EMAILS: (_ADMINISTRATOR,),
    SHIPMENT_EMAILS: (_ADMINISTRATOR,),
    STATEMENT_EMAILS: _BILLERS,
}


def recipients(emails: str) -> tuple[str, ...]:
    """The roles whose active logins get ``emails`` (one of the kinds above)."""
    if emails not in RECIPIENTS:
        raise KeyError(f"Unknown e-mails {emails!r}: add them to lmp.partners.roles.RECIPIENTS.")
    return RECIPIENTS[emails]


def roles_with(permission: str) -> frozenset[str]:
    """The roles that may do ``permission``."""
    if permission not in GRANTS:
        raise KeyError(f"Unknown permission {permission!r}: add it to lmp.partners.roles.GRANTS.")
    return frozenset(GRANTS[permission])


def role_allows(role: str | None, permission: str) -> bool:
    """Whether a login with ``role`` may do ``permission`` (a role as a form or a row gives it)."""
    return role in roles_with(permission)


def keeps_the_team(role: str | None) -> bool:
    """Whether a login with ``role`` counts towards the one a partner must always keep: an
    active login that may manage its team (the last-Administrator rule, lmp.partners.services)."""
    return role_allows(role, MANAGE_TEAM)


# How a sentence names a role's members ("your Administrators get an e-mail").
MEMBERS_NAMES = {
    PartnerRole.ADMINISTRATOR: _("Administrators"),
    PartnerRole.ALLOCATOR: _("Allocators"),
    PartnerRole.VIEW_ONLY: _("View Only members"),
    PartnerRole.BANK_DETAILS_ONLY: _("Bank Details Only members"),
    PartnerRole.NO_LMP_ACCESS: _("No LMP Access members"),
}


def role_names(roles: Iterable[str]) -> str:
    """The roles' members as a sentence names them: "Administrators and Allocators"."""
    names = [str(MEMBERS_NAMES[role]) for role in roles]
    if len(names) < 2:
        return "".join(names)
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


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
        raise PermissionDenied(gettext("Your role does not allow this."))


class Recipients:
    """``recipients.low_seats_alert`` in a template: who gets those e-mails, as a sentence says it
    (the page states the policy rather than restating it)."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return role_names(recipients(name))


class Can:
    """``can.change_customers`` in a template: whether the signed-in user may do it."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        return allows(self._user, f"lmp.{name}")
