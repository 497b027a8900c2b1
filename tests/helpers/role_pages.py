"""The role matrix's logins and objects: one login per role, partner A's Team objects, the URL
of every route for them, and a client signed in as a role, in a chosen language.

tests/policy/test_roles.py walks every route as every role (``ROLE_MATRIX``);
tests/views/test_french_pages.py renders each route a role opens in English and in French.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.test import Client
from django.urls import reverse

from lmp.billing.services import seats_purchase
from lmp.partners import services as team_services
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Invitation, Membership
from lmp.partners.selectors import invitation_token
from lmp.webhooks import services as webhook_services
from tests.factories import MembershipFactory, UserFactory
from tests.factories_billing import statement_build
from tests.helpers.api import make_key
from tests.helpers.auth import verified_login
from tests.helpers.routes import (
    OBJECT_ROUTES,
    STATEMENT_ROUTES,
    WEBHOOK_ENDPOINT_ROUTES,
    Route,
    World,
)

# The roles, in the role matrix's column order.
ROLES = [
    PartnerRole.ADMINISTRATOR,
    PartnerRole.ALLOCATOR,
    PartnerRole.VIEW_ONLY,
    PartnerRole.BANK_DETAILS_ONLY,
    PartnerRole.NO_LMP_ACCESS,
]

ENGLISH, FRENCH = "en", "fr-ca"
# What a browser sends: its Accept-Language header and, once the switcher was used, the cookie.
ACCEPT = {ENGLISH: "en", FRENCH: "fr-CA,fr;q=0.9"}


def role_logins(partner, admin_user, user) -> dict[str, object]:
    """One login of ``partner`` per role (the Administrator and Allocator are conftest's)."""
    logins = {PartnerRole.ADMINISTRATOR: admin_user, PartnerRole.ALLOCATOR: user}
    for role, username in (
        (PartnerRole.VIEW_ONLY, "vic-viewer"),
        (PartnerRole.BANK_DETAILS_ONLY, "bea-billing"),
        (PartnerRole.NO_LMP_ACCESS, "nico-noaccess"),
    ):
        logins[role] = MembershipFactory(
            partner=partner, user=UserFactory(username=username), role=role
        ).user
    return logins


def in_language(client: Client, language: str) -> Client:
    """The client as a browser reading ``language``: the switcher's cookie and Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = ACCEPT[language]
    return client


def signed_in(user, role: str, language: str | None = None) -> Client:
    """A client signed in as the role signs in (past the second factor; No LMP Access: none),
    reading ``language`` (None: a browser that says no language)."""
    client = in_language(Client(), language) if language else Client()
    if role == PartnerRole.NO_LMP_ACCESS:
        client.force_login(user)  # the session is dropped on the next request
        return client
    return verified_login(client, user)


@dataclass
class TeamObjects:
    """Partner A's Team objects: a member none of the logins above, a pending invitation and
    another's token (the invitee's page)."""

    member: Membership
    invitation: Invitation
    token: str


def team_objects(partner, admin_user) -> TeamObjects:
    member = MembershipFactory(partner=partner, user=UserFactory(username="tara-target"))
    invitation = team_services.invitation_create(
        actor=admin_user, partner=partner, email="invited@northwind.example", role="view_only"
    )
    joining = team_services.invitation_create(
        actor=admin_user, partner=partner, email="joining@northwind.example", role="allocator"
    )
    return TeamObjects(member, invitation, invitation_token(joining))


def _endpoint(partner):
    return webhook_services.endpoint_create(
        actor=None,
        partner=partner,
        url="https://psa.northwind.example/hooks",
        event_types=["customer.onboarded"],
    )


def _own_license(partner):
    return partner.licenses.order_by("pk").first()


# Routes whose objects are not in the tenancy World: how to build partner A's URL (as the role
# matrix's walk does).
TEAM_URLS: dict[str, Callable[[TeamObjects], dict]] = {
    "partners:member_role": lambda t: {"pk": t.member.pk},
    "partners:member_deactivate": lambda t: {"pk": t.member.pk},
    "partners:member_reactivate": lambda t: {"pk": t.member.pk},
    "partners:invitation_revoke": lambda t: {"pk": t.invitation.pk},
    "partners:join": lambda t: {"token": t.token},
    "password_reset_confirm": lambda t: {"uidb64": "MQ", "token": "wrong-token"},
    "billing:purchase_detail": lambda t: {
        "reference": seats_purchase(
            actor=None,
            partner=t.member.partner,
            tier="complete",
            users=5,
            token=f"french-{t.member.partner.pk}",
        ).reference
    },
    **{name: lambda t: {"pk": _endpoint(t.member.partner).pk} for name in WEBHOOK_ENDPOINT_ROUTES},
    "webhooks:delivery_redeliver": lambda t: {
        "pk": webhook_services.webhook_ping(actor=None, endpoint=_endpoint(t.member.partner)).pk
    },
    "partners:api_key_revoke": lambda t: {"prefix": make_key(t.member.partner)[0].prefix},
    "licenses:license_renewal": lambda t: {"pk": _own_license(t.member.partner).pk},
    "licenses:license_renewal_cancel": lambda t: {"pk": _own_license(t.member.partner).pk},
    **{
        f"billing:{name}": lambda t: {
            "month": statement_build(partner=t.member.partner, names=[]).month
        }
        for name in STATEMENT_ROUTES
    },
}


def route_url(route: Route, world: World, team: TeamObjects) -> str:
    """The URL of ``route`` for partner A's own objects."""
    if not route.kwargs:
        return reverse(route.name)
    if route.name in TEAM_URLS:
        return reverse(route.name, kwargs=TEAM_URLS[route.name](team))
    build, _ = OBJECT_ROUTES[route.name][0]
    return reverse(route.name, kwargs=build(world))
