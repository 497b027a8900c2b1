"""Tenancy: a partner never reaches, lists or exports another partner's licenses, customers, orders.

The URLconf is walked, not listed by hand: every route that takes an id must have an entry in
``OBJECT_ROUTES`` saying how to build a URL for partner A's objects, and partner B's user must get
404 on it, GET and POST, with nothing changed. A route added later without an entry fails
``test_every_route_with_an_id_has_tenancy_coverage``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount
from lmp.partners.models import Partner
from tests.factories import (
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.helpers.routes import (
    OBJECT_ROUTES,
    TENANCY_TESTED_ELSEWHERE,
    WIZARD_RUN,
    World,
    all_routes,
    object_urls,
)
from tests.helpers.state import db_state


def test_every_route_with_an_id_has_tenancy_coverage():
    routes = all_routes()
    uncovered = [
        f"{r.name or '(unnamed)'} {r.pattern}"
        for r in routes
        if r.kwargs and r.name not in OBJECT_ROUTES and r.name not in TENANCY_TESTED_ELSEWHERE
    ]
    assert uncovered == [], f"new route without tenancy coverage: {uncovered}"
    # The entries build the kwargs each existing route takes, no more and no fewer.
    for route in routes:
        for build, _ in OBJECT_ROUTES.get(route.name, []) if route.kwargs else []:
            dummy = World(*[_Pk(n) for n in range(7)])
            assert set(build(dummy)) == route.kwargs, route


class _Pk:
    def __init__(self, pk: int):
        self.pk = pk


def test_the_walk_finds_the_partner_routes():
    names = {r.name for r in all_routes()}
    assert {
        "licenses:license_list",
        "licenses:license_detail",
        "licenses:customer_edit",
        "onboarding:start",
        "onboarding:wizard",
        "onboarding:request_detail",
    } <= names
    assert not any(name.startswith("admin:") for name in names)


def test_other_partner_gets_404_on_every_object_url_get_and_post(world, user, other_user):
    urls = object_urls(world)
    covered = {name for name, _, _ in urls}
    assert covered == {r.name for r in all_routes() if r.kwargs and r.name in OBJECT_ROUTES}
    owner, intruder = Client(), Client()
    owner.force_login(user)
    intruder.force_login(other_user)
    # The URLs are right: A's own user is served, so B's 404 below is tenancy, not a typo.
    for name, url, owner_sees in urls:
        expected = {200, 302} if owner_sees else {404}
        assert owner.get(url).status_code in expected, (name, url)
    before = db_state()
    for name, url, owner_sees in urls:
        assert intruder.get(url).status_code == 404, (name, url)
        posted = {"legal_name": "Hijacked", "tier_users": "1"}
        response = intruder.post(url, posted)
        if response.status_code == 405:
            # A read-only page refuses POST for every id alike, A's own user included, so the
            # 405 tells B nothing about A's objects.
            assert owner.post(url, posted).status_code == 405, (name, url)
            assert owner_sees
        else:
            assert response.status_code == 404, (name, url)
    assert db_state() == before
    print(  # noqa: T201 — the issue asks for the figure
        f"\ntenancy: {len(covered)} object routes, {len(urls)} URLs of partner A, GET and POST"
    )


ALPHA_NAMES = {"Alpha Secret Dental", "Alpha Former Clinic", "Alpha Ordered Bakery"}
# Never typed by B: if one shows up on B's page, A's row is there.
ALPHA_EMAILS = {"it@alpha-secret.example", "it@alpha-former.example", "it@alpha-ordered.example"}


def _names_in(text: str) -> set[str]:
    return {name for name in ALPHA_NAMES if name in text}


def _leaks(text: str, *, typed: str = "") -> set[str]:
    """A's customers' names (other than what B typed) and e-mails found in ``text``."""
    return {m for m in ALPHA_EMAILS | ALPHA_NAMES if m in text and m not in typed}


def _row_ids(text: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-customer="(\d+)"', text)}


def _export_text(response) -> str:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


def test_lists_and_exports_never_contain_another_partners_rows(world, other_client, partner):
    licenses = other_client.get(reverse("licenses:license_list"))
    assert licenses.status_code == 200
    assert reverse("licenses:license_detail", kwargs={"pk": world.b_license.pk}) in licenses.text
    for license in (world.license, world.cloud):
        assert (
            f'href="{reverse("licenses:license_detail", kwargs={"pk": license.pk})}"'
            not in licenses.text
        )
    assert partner.name not in licenses.text

    page_url = reverse("licenses:license_detail", kwargs={"pk": world.b_license.pk})
    own = other_client.get(page_url, {"q": "Bravo", "status": ""})
    assert "Bravo Own Garage" in own.text  # the search works...
    alpha_ids = {world.customer.pk, world.offboarded.pk, world.order.customer_id}
    assert world.b_customer.pk in _row_ids(own.text)
    assert _row_ids(own.text) & alpha_ids == set()
    for typed in (*ALPHA_NAMES, "Alpha", "alpha-secret", "example"):
        # ...and never reaches another partner's customers (B's own search text is echoed).
        searched = other_client.get(page_url, {"q": typed, "status": ""})
        assert searched.status_code == 200
        assert _leaks(searched.text, typed=typed) == set()
        assert _row_ids(searched.text) & alpha_ids == set()
        partial = other_client.get(
            page_url,
            {"q": typed, "status": ""},
            headers={"HX-Request": "true", "HX-Target": "customer-table"},
        )
        assert _leaks(partial.text, typed=typed) == set()
        assert _row_ids(partial.text) & alpha_ids == set()

    export_url = reverse("licenses:license_export", kwargs={"pk": world.b_license.pk})
    everything = _export_text(other_client.get(export_url, {"status": ""}))
    assert "Bravo Own Garage" in everything
    assert _leaks(everything) == set()
    for typed in ("Alpha", "alpha-secret", "example"):
        searched = _export_text(other_client.get(export_url, {"q": typed, "status": ""}))
        assert _leaks(searched, typed=typed) == set()

    orders = other_client.get(reverse("onboarding:start"))
    assert "Bravo Ordered Florist" in orders.text
    assert _leaks(orders.text) == set()

    try:
        history_url = reverse("licenses:license_history", kwargs={"pk": world.b_license.pk})
    except Exception:  # noqa: BLE001 — the history page is optional in this checkout
        history_url = None
    if history_url:
        history = other_client.get(history_url)
        assert history.status_code == 200
        assert "Bravo Own Garage" in history.text
        assert _leaks(history.text) == set()


@pytest.fixture
def shared(partner, complete_license):
    """A's Complete license shared with two sub-partners, each with a customer of its own."""
    sub = PartnerFactory(name="Sub Partner Charlie")
    rival = PartnerFactory(name="Sub Partner Delta")
    complete_license.sub_partners.add(sub, rival)
    own = make_customer(license=complete_license, legal_name="Owner Own Customer")
    mine = make_customer(license=complete_license, partner=sub, legal_name="Charlie Customer")
    theirs = make_customer(license=complete_license, partner=rival, legal_name="Delta Customer")
    user = MembershipFactory(partner=sub, user=UserFactory(username="charlie")).user
    return {"sub": sub, "user": user, "own": own, "mine": mine, "theirs": theirs}


def test_sub_partner_sees_the_shared_license_but_only_its_own_customers(
    shared, complete_license, cloud_license, user
):
    client = Client()
    client.force_login(shared["user"])
    page = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    assert page in client.get(reverse("licenses:license_list")).text

    response = client.get(page, {"status": ""})
    assert response.status_code == 200
    assert "Charlie Customer" in response.text
    assert "Owner Own Customer" not in response.text
    assert "Delta Customer" not in response.text
    export = _export_text(
        client.get(reverse("licenses:license_export", kwargs={"pk": complete_license.pk}))
    )
    assert "Charlie Customer" in export
    assert "Owner Own Customer" not in export and "Delta Customer" not in export

    def customer_url(name: str, customer: CustomerAccount) -> str:
        return reverse(name, kwargs={"license_pk": complete_license.pk, "pk": customer.pk})

    assert client.get(customer_url("licenses:customer_edit", shared["mine"])).status_code == 200
    for other in (shared["own"], shared["theirs"]):
        for name in ("licenses:customer_edit", "licenses:customer_offboard"):
            assert client.get(customer_url(name, other)).status_code == 404
            assert client.post(customer_url(name, other)).status_code == 404
    # The owner's MDR Cloud license is not shared.
    cloud_page = reverse("licenses:license_detail", kwargs={"pk": cloud_license.pk})
    assert client.get(cloud_page).status_code == 404

    # The owner sees every customer on its license, whoever manages them.
    owner = Client()
    owner.force_login(user)
    listed = owner.get(page).text
    for name in ("Owner Own Customer", "Charlie Customer", "Delta Customer"):
        assert name in listed


def test_sub_partner_cannot_onboard_onto_a_license_not_shared_with_it(shared, partner):
    core = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=50)
    client = Client()
    client.force_login(shared["user"])
    url = reverse("onboarding:wizard", kwargs={"license_pk": core.pk})
    assert client.get(url).status_code == 404
    step = reverse(
        "onboarding:wizard_step",
        kwargs={"license_pk": core.pk, "run": WIZARD_RUN, "step": "incident"},
    )
    assert client.get(step).status_code == 404
    assert client.post(step, {"incident-incident": "no"}).status_code == 404


def test_partner_without_license_sees_no_one_elses(world):
    lonely = MembershipFactory(
        partner=PartnerFactory(name="Lonely MSP"), user=UserFactory(username="lonely")
    ).user
    client = Client()
    client.force_login(lonely)
    for url in (reverse("licenses:license_list"), reverse("onboarding:start")):
        text = client.get(url).text
        assert _leaks(text) == set()
        assert not re.search(rf'href="/licenses/{world.license.pk}/"', text)
    assert Partner.objects.count() >= 3
