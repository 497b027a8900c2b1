"""The API's role and tenancy matrices: every API route × every kind of key × every method.

The API's URLconf is walked: a route without a line in ``API_MATRIX`` fails
``test_every_api_route_has_a_line``. Keys: partner A's Allocator and View Only keys, no key, and
partner B's Allocator key on A's objects (a 404, never a 403 that would say the object exists).
A refused write changes nothing (``db_state``). URLs mixing B's license with A's customer are a
404 for A's own key too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import URLPattern, get_resolver, reverse

from lmp.partners.choices import PartnerRole
from tests.factories import PartnerFactory, make_customer
from tests.factories_billing import statement_build
from tests.helpers.api import key_client, make_key
from tests.helpers.routes import World
from tests.helpers.state import db_state

# The columns of a line, in this order.
KEYS = ["allocator", "view_only", "none", "other_partner"]

Kwargs = Callable[[World], dict]
NO_KWARGS: Kwargs = lambda w: {}  # noqa: E731


def _a_statement(w: World) -> dict:
    """Partner A's statement of November 2026 (B has none)."""
    return {"month": statement_build(partner=w.license.partner, names=[]).month}


# Route → (URL kwargs of partner A's object, {method: statuses in the order of KEYS}).
API_MATRIX: dict[str, tuple[Kwargs, dict[str, str]]] = {
    "api:schema": (NO_KWARGS, {"get": "200 200 200 200"}),
    "api:docs": (NO_KWARGS, {"get": "200 200 200 200"}),
    "api:license_list": (NO_KWARGS, {"get": "200 200 401 200"}),
    "api:license_detail": (
        lambda w: {"license_pk": w.license.pk},
        {"get": "200 200 401 404"},
    ),
    "api:license_history": (
        lambda w: {"license_pk": w.license.pk},
        {"get": "200 200 401 404"},
    ),
    "api:customer_list": (
        lambda w: {"license_pk": w.license.pk},
        {"get": "200 200 401 404", "post": "201 403 401 404"},
    ),
    "api:customer_detail": (
        lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk},
        {"get": "200 200 401 404", "patch": "200 403 401 404"},
    ),
    "api:customer_offboard": (
        lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk},
        {"post": "200 403 401 404"},
    ),
    "api:customer_history": (
        lambda w: {"license_pk": w.license.pk, "pk": w.customer.pk},
        {"get": "200 200 401 404"},
    ),
    "api:customer_batch": (
        lambda w: {"license_pk": w.license.pk},
        {"post": "200 403 401 404"},
    ),
    "api:order_list": (NO_KWARGS, {"get": "200 200 401 200"}),
    "api:order_detail": (lambda w: {"pk": w.order.pk}, {"get": "200 200 401 404"}),
    "api:statement_list": (NO_KWARGS, {"get": "200 200 401 200"}),
    "api:statement_detail": (_a_statement, {"get": "200 200 401 404"}),
    "api:statement_lines": (_a_statement, {"get": "200 200 401 404"}),
}

# URLs that mix partner B's license with partner A's customer: a 404 even for A's own key.
MIXED: dict[str, Kwargs] = {
    "api:customer_detail": lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk},
    "api:customer_offboard": lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk},
    "api:customer_history": lambda w: {"license_pk": w.b_license.pk, "pk": w.customer.pk},
}

BODIES = {
    "api:customer_list": {
        "legal_name": "Matrix Dental",
        "admin_email": "it@matrix.example",
        "hosting_region": "ca",
        "tier_users": 5,
    },
    "api:customer_detail": {"tier_users": 41},
    # A batch names its customers: partner A's, from the world (``_request`` calls it).
    "api:customer_batch": lambda w: {"changes": [{"customer": w.customer.pk, "tier_users": 41}]},
}
WRITES = {"post", "patch", "put", "delete"}


def api_routes() -> list[str]:
    """Every named route of the API's URLconf, as ``api:<name>``."""
    return [
        f"api:{entry.name}"
        for entry in get_resolver("lmp.api.urls").url_patterns
        if isinstance(entry, URLPattern)
    ]


def test_every_api_route_has_a_line():
    names = set(api_routes())
    assert names, "the walk found no API route"
    assert sorted(names - API_MATRIX.keys()) == [], "API routes without a line in API_MATRIX"
    assert sorted(API_MATRIX.keys() - names) == []
    for _, methods in API_MATRIX.values():
        for line in methods.values():
            assert len(line.split()) == len(KEYS), line


@pytest.fixture
def clients(partner, other_partner, world):
    clients = {
        "allocator": key_client(make_key(partner, role=PartnerRole.ALLOCATOR, name="A")[1]),
        "view_only": key_client(make_key(partner, role=PartnerRole.VIEW_ONLY, name="V")[1]),
        "none": key_client(None),
        "other_partner": key_client(make_key(other_partner, name="B")[1]),
    }
    for client in clients.values():
        client.get(reverse("api:license_list"))  # each key's last use is written once
    return clients


def _request(client, method: str, url: str, route: str, world: World | None = None):
    if method in ("post", "patch", "put"):
        body = BODIES.get(route, {})
        body = body(world) if callable(body) else body
        return getattr(client, method)(url, body, format="json")
    return getattr(client, method)(url)


@pytest.mark.parametrize("route", sorted(API_MATRIX))
def test_each_key_gets_the_expected_answer(route, world, clients):
    build, methods = API_MATRIX[route]
    url = reverse(route, kwargs=build(world))
    wrong = []
    for method, line in methods.items():
        expected = dict(zip(KEYS, (int(c) for c in line.split()), strict=True))
        # Refused keys first, the allowed write last (it changes the objects).
        for key in sorted(KEYS, key=lambda k: expected[k] < 300):
            before = db_state() if method in WRITES else None
            response = _request(clients[key], method, url, route, world)
            if response.status_code != expected[key]:
                wrong.append(f"{method.upper()} as {key}: {response.status_code}, {line}")
            if response.status_code >= 400:
                assert response["Content-Type"] == "application/problem+json", route
                if before is not None:
                    assert db_state() == before, f"{method} {route} as {key} changed data"
    assert wrong == []


@pytest.mark.parametrize("route", sorted(API_MATRIX))
def test_methods_a_route_does_not_take_are_405(route, world, clients):
    build, methods = API_MATRIX[route]
    url = reverse(route, kwargs=build(world))
    for method in {"get", "post", "patch", "put", "delete"} - methods.keys():
        before = db_state()
        response = _request(clients["allocator"], method, url, route, world)
        assert response.status_code == 405, (route, method)
        assert db_state() == before


@pytest.mark.parametrize("route", sorted(MIXED))
def test_another_partners_license_with_own_customer_is_404(route, world, clients):
    url = reverse(route, kwargs=MIXED[route](world))
    _, methods = API_MATRIX[route]
    for method in methods:
        before = db_state()
        response = _request(clients["allocator"], method, url, route, world)
        assert response.status_code == 404, (route, method)
        assert db_state() == before


def test_onboarding_onto_another_partners_license_is_404(world, clients):
    before = db_state()
    url = reverse("api:customer_list", kwargs={"license_pk": world.b_license.pk})
    response = clients["allocator"].post(url, BODIES["api:customer_list"], format="json")
    assert response.status_code == 404
    assert db_state() == before


def test_lists_never_contain_another_partners_rows(world, clients):
    api = clients["other_partner"]
    licenses = api.get(reverse("api:license_list")).json()
    assert [lic["id"] for lic in licenses] == [world.b_license.pk]
    orders = api.get(reverse("api:order_list")).json()["results"]
    assert {o["legal_name"] for o in orders} == {"Bravo Ordered Florist"}
    customers = api.get(
        reverse("api:customer_list", kwargs={"license_pk": world.b_license.pk}), {"status": ""}
    ).json()["results"]
    assert {c["legal_name"] for c in customers} == {"Bravo Own Garage", "Bravo Ordered Florist"}


@pytest.fixture
def shared(partner, complete_license):
    """A's Complete license shared with two sub-partners, each with a customer of its own."""
    sub = PartnerFactory(name="Sub Partner Charlie")
    rival = PartnerFactory(name="Sub Partner Delta")
    complete_license.sub_partners.add(sub, rival)
    make_customer(license=complete_license, legal_name="Owner Own Customer")
    make_customer(license=complete_license, partner=sub, legal_name="Charlie Customer")
    theirs = make_customer(license=complete_license, partner=rival, legal_name="Delta Customer")
    return {"sub": sub, "theirs": theirs}


def test_a_sub_partners_key_sees_its_share_and_onboards_as_the_sub_partner(
    complete_license, shared
):
    api = key_client(make_key(shared["sub"], name="Charlie tool")[1])
    [license] = api.get(reverse("api:license_list")).json()
    assert license["id"] == complete_license.pk and license["is_own"] is False
    assert license["seat_commitment"] is None and license["price_per_user"] is None
    url = reverse("api:customer_list", kwargs={"license_pk": complete_license.pk})
    names = {c["legal_name"] for c in api.get(url).json()["results"]}
    assert names == {"Charlie Customer"}
    theirs = reverse(
        "api:customer_detail",
        kwargs={"license_pk": complete_license.pk, "pk": shared["theirs"].pk},
    )
    assert api.patch(theirs, {"tier_users": 11}, format="json").status_code == 404
    response = api.post(
        url, {**BODIES["api:customer_list"], "legal_name": "Charlie New"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["sub_partner"] == "Sub Partner Charlie"
