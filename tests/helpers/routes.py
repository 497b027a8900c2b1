"""The partner pages' routes, walked from the URLconf, and the world of two partners they open.

``world`` (tests/conftest.py) is ``world_build``'s: partner A's objects, which partner B must never
reach, and a few of B's own. ``OBJECT_ROUTES`` says how each route that takes an id builds a URL
for A's objects; ``TENANCY_TESTED_ELSEWHERE`` names the test covering the routes it does not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from licenses.models import CustomerAccount, VolumeLicense
from licenses.services import customer_offboard
from onboarding.models import OnboardingRequest
from tests.factories import make_customer
from tests.factories_onboarding import submit_order

# Namespaces that are not partner pages: the vendor's admin has its own permission model; the
# API answers keys, not logins, and has its own matrices (tests/api/test_api_matrix.py).
SKIPPED_NAMESPACES = {"admin", "api"}


@dataclass(frozen=True)
class Route:
    """One URL pattern of the URLconf: its full name (with namespaces) and its URL kwargs."""

    name: str
    kwargs: frozenset[str]
    pattern: str


def all_routes() -> list[Route]:
    """Every named route, walking includes and namespaces recursively (admin skipped)."""

    def walk(patterns, namespace: str, prefix: str, inherited: frozenset) -> Iterator[Route]:
        for entry in patterns:
            regex = entry.pattern.regex
            kwargs = inherited | frozenset(regex.groupindex)
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES or text.startswith("static"):
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner, text, kwargs)
            elif isinstance(entry, URLPattern):
                yield Route(f"{namespace}{entry.name or ''}", kwargs, text)

    return list(walk(get_resolver().url_patterns, "", "", frozenset()))


@dataclass
class World:
    """Partner A's objects (the ones B must never reach) and a few of B's own."""

    license: VolumeLicense
    cloud: VolumeLicense
    customer: CustomerAccount
    offboarded: CustomerAccount
    order: OnboardingRequest
    b_license: VolumeLicense
    b_customer: CustomerAccount


Kwargs = Callable[[World], dict]


def own(build: Kwargs) -> tuple[Kwargs, bool]:
    """A URL of A's object that A's own user can open."""
    return build, True


def mixed(build: Kwargs) -> tuple[Kwargs, bool]:
    """A URL that mixes B's license with A's customer: nobody may open it."""
    return build, False


WIZARD_RUN = uuid.UUID("6f1c2d4e-8a9b-4c3d-9e8f-7a6b5c4d3e2f")


# Route name → the URLs of partner A's objects it can build. Entries for routes that do not exist
# (yet) are harmless: only routes found in the URLconf are checked.
OBJECT_ROUTES: dict[str, list[tuple[Kwargs, bool]]] = {
    "licenses:license_detail": [
        own(lambda w: {"pk": w.license.pk}),
        own(lambda w: {"pk": w.cloud.pk}),
    ],
    "licenses:license_export": [
        own(lambda w: {"pk": w.license.pk}),
        own(lambda w: {"pk": w.cloud.pk}),
    ],
    "licenses:license_history": [
        own(lambda w: {"pk": w.license.pk}),
        own(lambda w: {"pk": w.cloud.pk}),
    ],
    "licenses:customer_edit": [
        own(lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk}),
        own(lambda w: {"license_pk": w.cloud.pk, "pk": w.customer.pk}),
        mixed(lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk}),
    ],
    "licenses:customer_offboard": [
        own(lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk}),
        mixed(lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk}),
    ],
    "licenses:customer_history": [
        own(lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk}),
        own(lambda w: {"license_pk": w.license.pk, "pk": w.offboarded.pk}),
        mixed(lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk}),
    ],
    "licenses:license_threshold": [own(lambda w: {"pk": w.license.pk})],
    "licenses:license_bulk_edit": [own(lambda w: {"pk": w.license.pk})],
    "licenses:license_bulk_download": [own(lambda w: {"pk": w.license.pk})],
    "licenses:license_bulk_apply": [own(lambda w: {"pk": w.license.pk})],
    "onboarding:wizard": [own(lambda w: {"license_pk": w.license.pk})],
    # A wizard run's id lives in its owner's session; the license in the URL is checked first.
    "onboarding:wizard_run": [own(lambda w: {"license_pk": w.license.pk, "run": WIZARD_RUN})],
    "onboarding:incident_stop": [own(lambda w: {"license_pk": w.license.pk})],
    "onboarding:wizard_step": [
        own(lambda w: {"license_pk": w.license.pk, "run": WIZARD_RUN, "step": "incident"})
    ],
    "onboarding:request_detail": [own(lambda w: {"pk": w.order.pk})],
    "onboarding:welcome_resend": [own(lambda w: {"pk": w.order.pk})],
    "onboarding:customer_welcome_resend": [
        own(lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk}),
        mixed(lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk}),
    ],
}


# The webhook pages' routes that name an endpoint, and the one that names a delivery.
WEBHOOK_ENDPOINT_ROUTES = [
    f"webhooks:{name}"
    for name in ("endpoint_detail", "endpoint_edit", "endpoint_delete", "secret_rotate")
] + ["webhooks:endpoint_test"]


WEBHOOK_OBJECT_ROUTES = [*WEBHOOK_ENDPOINT_ROUTES, "webhooks:delivery_redeliver"]

# The statement pages and downloads, which name a month of the partner's statements.
STATEMENT_ROUTES = ["statement_detail", "statement_xlsx", "statement_csv"]


# Object routes whose objects this world does not build, and the test that gives another partner's
# ids a 404 there. The Team pages are for Administrators: this file's Allocators get 403 on them
# before any id is looked up. The invitation link's token is signed and names no partner.
TENANCY_TESTED_ELSEWHERE = {
    "partners:member_role": "test_team.py::test_another_partners_member_or_invitation_is_404",
    "partners:member_deactivate": "test_team.py::test_another_partners_member_or_invitation_is_404",
    "partners:member_reactivate": "test_team.py::test_another_partners_member_or_invitation_is_404",
    "partners:invitation_revoke": "test_team.py::test_another_partners_member_or_invitation_is_404",
    "partners:join": "test_team.py::test_a_tampered_link_gets_its_page",
    "billing:purchase_detail": "test_purchases.py::test_another_partners_purchase_is_404",
    # Administrators' pages: this file's Allocators get 403 before the license is looked up.
    "licenses:license_renewal": "test_renewal_views.py::test_another_partners_license_is_404",
    "licenses:license_renewal_cancel": (
        "test_renewal_views.py::test_another_partners_license_is_404"
    ),
    **{
        name: "test_webhooks.py::test_another_partners_endpoint_or_delivery_is_404"
        for name in WEBHOOK_OBJECT_ROUTES
    },
    "partners:api_key_revoke": "test_api_keys.py::test_another_partners_key_is_404",
    **{
        f"billing:{name}": "test_statements.py::test_another_partners_statement_is_404"
        for name in STATEMENT_ROUTES
    },
    # A signed token, not a partner's object: it opens for whoever holds the link.
    "password_reset_confirm": "test_passwords.py::test_a_tampered_link_is_refused",
}


def sample_kwargs(route: Route) -> dict:
    """Kwargs that resolve a route of ``TENANCY_TESTED_ELSEWHERE``."""
    samples = {"pk": 1, "month": "2026-11"}  # a month no sample partner has a statement of
    return {name: samples.get(name, "sample") for name in route.kwargs}


def world_build(complete_license, cloud_license, other_license) -> World:
    """A's customers (one offboarded) and order on A's licenses; B's customer and order."""
    customer = make_customer(
        license=complete_license,
        tier_users=40,
        cloud_users=5,
        legal_name="Alpha Secret Dental",
        admin_email="it@alpha-secret.example",
    )
    offboarded = make_customer(
        license=complete_license,
        legal_name="Alpha Former Clinic",
        admin_email="it@alpha-former.example",
    )
    customer_offboard(customer=offboarded)
    order = submit_order(
        license=complete_license,
        legal_name="Alpha Ordered Bakery",
        admin_email="it@alpha-ordered.example",
    ).request
    b_customer = make_customer(license=other_license, legal_name="Bravo Own Garage")
    submit_order(license=other_license, legal_name="Bravo Ordered Florist")
    return World(
        complete_license, cloud_license, customer, offboarded, order, other_license, b_customer
    )


def object_urls(world: World) -> list[tuple[str, str, bool]]:
    """(route name, URL, whether A's own user may open it) for every existing object route."""
    urls = []
    for route in all_routes():
        for build, owner_sees in OBJECT_ROUTES.get(route.name, []) if route.kwargs else []:
            urls.append((route.name, reverse(route.name, kwargs=build(world)), owner_sees))
    return urls
