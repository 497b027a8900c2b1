"""The role matrix: every route × every role × GET and POST, against a table of expected answers.

The URLconf is walked (``tests.helpers.routes.all_routes``): a route without a line in
``ROLE_MATRIX`` fails ``test_every_route_has_a_line_in_the_role_matrix``, as a route without
tenancy coverage fails the tenancy matrix. A forbidden POST (403, or 405 for a read-only page, or
the login page for No LMP Access) changes nothing (``db_state``).

Then what each role sees: View Only has no Edit, Offboard or New Customer anywhere, an Allocator
has them, Bank Details Only lands on Billing, and No LMP Access gets no session at all.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from licenses import services as license_services
from lmp.partners.choices import PartnerRole
from tests.factories_onboarding import submit_order
from tests.helpers.auth import PASSWORD
from tests.helpers.role_pages import (
    ROLES,
    TeamObjects,
    role_logins,
    route_url,
    signed_in,
    team_objects,
)
from tests.helpers.routes import (
    World,
    all_routes,
)
from tests.helpers.state import db_state

# The columns of ROLE_MATRIX are tests.helpers.role_pages.ROLES, in that order.

# Route name → (GET, POST): the status each role gets, in the order of ROLES
#   Administrator, Allocator, View Only, Bank Details Only, No LMP Access.
# 302 for No LMP Access is the redirect to the login page (it has no session); 405 a page that
# takes no POST (asked after the role: a role that may not see the page gets 403 either way).
# A route that takes ids gets its URL from tests.helpers.routes.OBJECT_ROUTES (partner A's objects).
ROLE_MATRIX: dict[str, tuple[str, str]] = {
    "healthz": ("200 200 200 200 200", "200 200 200 200 200"),
    "javascript-catalog": ("200 200 200 200 200", "405 405 405 405 405"),
    "home": ("302 302 302 302 302", "302 302 302 302 302"),
    "login": ("302 302 302 302 200", "302 302 302 302 200"),
    "logout": ("405 405 405 405 302", "302 302 302 302 302"),
    "licenses:license_list": ("200 200 200 403 302", "405 405 405 403 302"),
    "licenses:license_detail": ("200 200 200 403 302", "405 405 405 403 302"),
    "licenses:license_export": ("200 200 200 403 302", "405 405 405 403 302"),
    "licenses:license_history": ("200 200 200 403 302", "405 405 405 403 302"),
    "licenses:customer_edit": ("200 200 403 403 302", "302 302 403 403 302"),
    "licenses:customer_offboard": ("200 200 403 403 302", "302 302 403 403 302"),
    "licenses:customer_history": ("200 200 200 403 302", "405 405 405 403 302"),
    "onboarding:start": ("200 200 200 403 302", "405 405 405 403 302"),
    "onboarding:wizard": ("302 302 403 403 302", "405 405 403 403 302"),
    "onboarding:incident_stop": ("200 200 403 403 302", "405 405 403 403 302"),
    "onboarding:wizard_run": ("302 302 403 403 302", "302 302 403 403 302"),
    "onboarding:wizard_step": ("302 302 403 403 302", "302 302 403 403 302"),
    "onboarding:request_detail": ("200 200 200 403 302", "405 405 405 403 302"),
    "onboarding:welcome_resend": ("302 302 403 403 302", "302 302 403 403 302"),
    "onboarding:customer_welcome_resend": ("302 302 403 403 302", "302 302 403 403 302"),
    "billing:billing": ("200 403 403 200 302", "302 403 403 302 302"),
    "billing:purchase": ("200 403 403 403 302", "302 403 403 403 302"),
    "billing:purchase_detail": ("200 403 403 200 302", "405 403 403 405 302"),
    "billing:statements": ("200 403 403 200 302", "405 403 403 405 302"),
    "billing:statement_detail": ("200 403 403 200 302", "405 403 403 405 302"),
    "billing:statement_xlsx": ("200 403 403 200 302", "405 403 403 405 302"),
    "billing:statement_csv": ("200 403 403 200 302", "405 403 403 405 302"),
    "licenses:license_threshold": ("200 200 403 403 302", "302 302 403 403 302"),
    "licenses:license_renewal": ("200 403 403 403 302", "302 403 403 403 302"),
    "licenses:license_renewal_cancel": ("200 403 403 403 302", "302 403 403 403 302"),
    "licenses:license_bulk_edit": ("200 200 403 403 302", "200 200 403 403 302"),
    "licenses:license_bulk_download": ("200 200 403 403 302", "405 405 403 403 302"),
    "licenses:license_bulk_apply": ("302 302 403 403 302", "302 302 403 403 302"),
    "accounts:account": ("200 200 200 200 302", "405 405 405 405 302"),
    "accounts:language_set": ("405 405 405 405 405", "302 302 302 302 302"),
    "accounts:password_change": ("200 200 200 200 302", "200 200 200 200 302"),
    "accounts:setup": ("200 200 200 200 302", "200 200 200 200 302"),
    "accounts:verify": ("302 302 302 302 302", "302 302 302 302 302"),
    "accounts:recovery_codes": ("200 200 200 200 302", "302 302 302 302 302"),
    "accounts:remove": ("403 200 200 200 302", "403 302 302 302 302"),
    "password_reset": ("200 200 200 200 200", "200 200 200 200 200"),
    "password_reset_done": ("200 200 200 200 200", "405 405 405 405 405"),
    "password_reset_confirm": ("200 200 200 200 200", "200 200 200 200 200"),
    "password_reset_complete": ("200 200 200 200 200", "405 405 405 405 405"),
    "partners:team": ("200 403 403 403 302", "405 403 403 403 302"),
    "partners:settings": ("405 403 403 403 302", "302 403 403 403 302"),
    "partners:language": ("405 403 403 403 302", "302 403 403 403 302"),
    "partners:invitation_create": ("405 403 403 403 302", "200 403 403 403 302"),
    "partners:invitation_revoke": ("405 403 403 403 302", "302 403 403 403 302"),
    "partners:member_role": ("405 403 403 403 302", "302 403 403 403 302"),
    "partners:member_deactivate": ("200 403 403 403 302", "302 403 403 403 302"),
    "partners:member_reactivate": ("200 403 403 403 302", "302 403 403 403 302"),
    "partners:join": ("200 200 200 200 200", "200 200 200 200 200"),
    "webhooks:endpoint_list": ("200 403 403 403 302", "405 403 403 403 302"),
    "webhooks:endpoint_create": ("200 403 403 403 302", "302 403 403 403 302"),
    "webhooks:endpoint_detail": ("200 403 403 403 302", "405 403 403 403 302"),
    "webhooks:endpoint_edit": ("200 403 403 403 302", "302 403 403 403 302"),
    "webhooks:endpoint_delete": ("200 403 403 403 302", "302 403 403 403 302"),
    "webhooks:secret_rotate": ("405 403 403 403 302", "302 403 403 403 302"),
    "webhooks:endpoint_test": ("405 403 403 403 302", "302 403 403 403 302"),
    "webhooks:delivery_redeliver": ("405 403 403 403 302", "302 403 403 403 302"),
    "partners:api_keys": ("200 403 403 403 302", "200 403 403 403 302"),
    "partners:api_key_revoke": ("405 403 403 403 302", "302 403 403 403 302"),
}

# What a POST sends (the same for every role): a valid change where the role may make it.
POST_DATA: dict[str, Callable[[World], dict]] = {
    "licenses:customer_edit": lambda w: {
        "legal_name": "Alpha Renamed Dental",
        "website": "https://alpha-renamed.example",
        "admin_email": "it@alpha-renamed.example",
        "tier_users": "41",
        "cloud_users": "5",
        "sat_users": "0",
    },
    "billing:purchase": lambda w: {
        "tier": w.license.tier,
        "users": "10",
        "terms": "on",
        "token": uuid.uuid4().hex,
    },
    "licenses:license_threshold": lambda w: {
        "low_seats_threshold": "50",
        "low_seats_unit": "users",
    },
    "licenses:license_renewal": lambda w: {"new_commitment": "2500"},
    "partners:api_keys": lambda w: {"name": "PSA sync", "role": "allocator"},
    "billing:billing": lambda w: {
        "billing_contact_name": "Pat Payer",
        "billing_email": "ap@northwind.example",
        "billing_phone": "+1 416 555 0100",
        "billing_address": "1 Bay Street\nToronto",
        "billing_currency": "CAD",
        "purchase_order_number": "PO-1",
        "payment_reference": "REF-1",
    },
}
for _route in ("webhooks:endpoint_create", "webhooks:endpoint_edit"):
    POST_DATA[_route] = lambda w: {
        "url": "https://psa.northwind.example/hooks",
        "event_types": ["customer.onboarded"],
        "active": "on",
    }
DEFAULT_POST = {"legal_name": "Hijacked", "tier_users": "1", "confirm": "on"}
# Routes that change the second factor take a code proving it is the login's own: each role's
# POST gets an unused recovery code of its own login (``_recovery_code``).
CURRENT_CODE_ROUTES = {"accounts:recovery_codes", "accounts:remove"}


def _recovery_code(user) -> dict:
    """A new unused recovery code of ``user``'s, as the field of a POST."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    return {"current_code": device.token_set.create(token=StaticToken.random_token()).token}


def _codes(line: str) -> dict[str, int]:
    codes = [int(code) for code in line.split()]
    assert len(codes) == len(ROLES), line
    return dict(zip(ROLES, codes, strict=True))


@pytest.fixture
def members(partner, admin_user, user) -> dict[str, object]:
    """One login of partner A per role (tests/helpers/role_pages.py)."""
    return role_logins(partner, admin_user, user)


@pytest.fixture
def team(partner, admin_user) -> TeamObjects:
    """Partner A's Team objects the Team routes act on (tests/helpers/role_pages.py)."""
    return team_objects(partner, admin_user)


def test_every_route_has_a_line_in_the_role_matrix():
    names = {route.name for route in all_routes()}
    missing = sorted(names - ROLE_MATRIX.keys())
    assert missing == [], f"routes without a line in ROLE_MATRIX: {missing}"
    # A line of a route that no longer exists is a mistake too.
    assert sorted(ROLE_MATRIX.keys() - names) == []
    for get, post in ROLE_MATRIX.values():
        _codes(get), _codes(post)


def test_each_role_gets_the_expected_answer_on_every_route(world, team, members):
    """GET and POST on every route as each role; a forbidden POST changes nothing."""
    wrong = []
    requests = 0
    for route in all_routes():
        get, post = ROLE_MATRIX[route.name]
        url = route_url(route, world, team)
        data = POST_DATA.get(route.name, lambda w: DEFAULT_POST)(world)
        for method, expected in (("get", _codes(get)), ("post", _codes(post))):
            for role in ROLES:
                client = signed_in(members[role], role)
                if method == "post" and route.name in CURRENT_CODE_ROUTES:
                    data = _recovery_code(members[role])
                forbidden = method == "post" and (
                    expected[role] in (403, 405) or role == PartnerRole.NO_LMP_ACCESS
                )
                before = db_state() if forbidden else None
                response = (
                    getattr(client, method)(url, data) if method == "post" else client.get(url)
                )
                requests += 1
                if response.status_code != expected[role]:
                    wrong.append(
                        f"{method.upper()} {route.name} as {role.label}: "
                        f"{response.status_code}, expected {expected[role]}"
                    )
                if forbidden and db_state() != before:
                    wrong.append(f"POST {route.name} as {role.label} changed the database")
                if role == PartnerRole.NO_LMP_ACCESS and response.status_code == 302:
                    assert response.url.startswith(reverse("login")) or route.name == "logout"
    assert wrong == []
    print(  # noqa: T201 — the issue asks for the figure
        f"\nroles: {len(ROLE_MATRIX)} routes × {len(ROLES)} roles × GET and POST "
        f"= {requests} requests"
    )


def test_home_goes_to_the_first_page_the_role_can_use(members):
    expected = {
        PartnerRole.ADMINISTRATOR: reverse("licenses:license_list"),
        PartnerRole.ALLOCATOR: reverse("licenses:license_list"),
        PartnerRole.VIEW_ONLY: reverse("licenses:license_list"),
        PartnerRole.BANK_DETAILS_ONLY: reverse("billing:billing"),
    }
    for role, url in expected.items():
        response = signed_in(members[role], role).get("/")
        assert response.status_code == 302 and response.url == url, role
        assert signed_in(members[role], role).get(url).status_code == 200, role


def _nav(text: str) -> list[str]:
    """The menu's links, in order (the Team's own pages are in a menu beside it)."""
    nav = re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', text, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", link).strip() for link in re.findall(r"<a .*?</a>", nav, re.S)]


def test_the_menu_shows_what_the_role_can_open(members, complete_license):
    seen = {
        role: _nav(signed_in(members[role], role).get("/", follow=True).text) for role in ROLES[:4]
    }
    assert seen[PartnerRole.ADMINISTRATOR] == [
        "Licenses",
        "Customer Onboarding",
        "Team",
        "API keys",
        "Webhooks",
        "Billing",
    ]
    assert seen[PartnerRole.ALLOCATOR] == ["Licenses", "Customer Onboarding"]
    assert seen[PartnerRole.VIEW_ONLY] == ["Licenses", "Customer Onboarding"]
    assert seen[PartnerRole.BANK_DETAILS_ONLY] == ["Billing"]


def _actions(text: str) -> dict[str, bool]:
    return {
        "Edit": ">Edit</a>" in text,
        "Offboard": ">Offboard</a>" in text,
        "New Customer": "New Customer" in text,
        "Onboard a customer": "Onboard a customer" in text,
    }


def test_view_only_sees_no_edit_offboard_or_new_customer(world, members):
    license_page = reverse("licenses:license_detail", kwargs={"pk": world.license.pk})
    customer_page = reverse(
        "licenses:customer_history",
        kwargs={"license_pk": world.license.pk, "pk": world.customer.pk},
    )
    viewer = signed_in(members[PartnerRole.VIEW_ONLY], PartnerRole.VIEW_ONLY)
    allocator = signed_in(members[PartnerRole.ALLOCATOR], PartnerRole.ALLOCATOR)

    page = viewer.get(license_page)
    assert page.status_code == 200
    assert "Alpha Secret Dental" in page.text  # the customers are there...
    assert 'data-customer="' in page.text
    assert _actions(page.text) == dict.fromkeys(_actions(page.text), False)  # ...no actions
    assert ">History</a>" in page.text  # a row keeps its History
    assert "Export to Excel" in page.text
    assert "/edit/" not in page.text and "/offboard/" not in page.text
    assert reverse("onboarding:wizard", kwargs={"license_pk": world.license.pk}) not in page.text

    mine = allocator.get(license_page)
    assert _actions(mine.text) == {
        "Edit": True,
        "Offboard": True,
        "New Customer": True,
        "Onboard a customer": False,
    }

    tab = viewer.get(reverse("onboarding:start"))
    assert tab.status_code == 200
    assert "Alpha Ordered Bakery" in tab.text  # the orders are listed
    assert "Onboard a customer" not in tab.text and "/new/" not in tab.text
    assert "Your role does not allow onboarding customers" in tab.text
    assert "Onboard a customer" in allocator.get(reverse("onboarding:start")).text

    assert ">Edit</a>" not in viewer.get(customer_page).text
    assert ">Edit</a>" in allocator.get(customer_page).text
    order = reverse("onboarding:request_detail", kwargs={"pk": world.order.pk})
    assert "Onboard another customer" not in viewer.get(order).text
    assert "Onboard another customer" in allocator.get(order).text


def test_the_customer_rows_of_an_allocator_are_unchanged_by_the_roles(world, members):
    """The rows an Allocator gets are byte for byte those of the table built without a role."""
    from licenses.selectors import license_customers
    from licenses.tables import CustomerAccountTable

    qs = license_customers(partner=world.license.partner, license=world.license)
    default = CustomerAccountTable(qs, license=world.license, show_cloud=True)
    allowed = CustomerAccountTable(qs, license=world.license, show_cloud=True, can_change=True)
    viewing = CustomerAccountTable(qs, license=world.license, show_cloud=True, can_change=False)
    assert allowed.page_rows() == default.page_rows()
    assert viewing.page_rows() != default.page_rows()
    assert all("/edit/" not in row.cells for row in viewing.page_rows())


def test_no_lmp_access_is_refused_at_sign_in_with_no_session(members):
    client = Client()
    response = client.post(reverse("login"), {"username": "nico-noaccess", "password": PASSWORD})
    assert response.status_code == 200
    assert "its role is No LMP Access" in response.text
    assert "sessionid" not in response.cookies
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("licenses:license_list")).status_code == 302


def test_a_member_whose_role_becomes_no_lmp_access_is_signed_out(members):
    viewer = members[PartnerRole.VIEW_ONLY]
    client = signed_in(viewer, PartnerRole.VIEW_ONLY)
    assert client.get(reverse("licenses:license_list")).status_code == 200
    viewer.membership.role = PartnerRole.NO_LMP_ACCESS
    viewer.membership.save()
    response = client.get(reverse("licenses:license_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_services_refuse_a_role_without_the_permission(world, members, complete_license):
    viewer = members[PartnerRole.VIEW_ONLY]
    before = db_state()
    with pytest.raises(PermissionDenied):
        license_services.customer_update(
            customer=world.customer, legal_name="Renamed", tier_users=1, actor=viewer
        )
    with pytest.raises(PermissionDenied):
        license_services.customer_offboard(customer=world.customer, actor=viewer)
    with pytest.raises(PermissionDenied):
        submit_order(license=complete_license, actor=viewer, legal_name="Viewer Try")
    assert db_state() == before
    # The Allocator may.
    allocator = members[PartnerRole.ALLOCATOR]
    license_services.customer_offboard(customer=world.customer, actor=allocator)
