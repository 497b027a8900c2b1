"""Every role decision lives in ``lmp.partners.roles``, asked by name.

Which role may manage the team, must use two factors, gets which e-mails, counts as the partner's
last Administrator, or may be an API key's: the rest of the code asks the role policy by name and
never names a role itself (``PartnerRole.ADMINISTRATOR == role`` elsewhere is a second home).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

from lmp.partners import roles
from lmp.partners.choices import PartnerRole

ROOT = Path(settings.BASE_DIR)
APP_DIRS = ["lmp", "licenses", "onboarding", "shipping"]
# The policy itself, and demo data (which demo login has which role is data, not a rule).
ALLOWED = {ROOT / "lmp" / "partners" / "roles.py"}
ALLOWED_NAMES = {"seed_demo.py"}


def _app_modules():
    for top in APP_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts or path in ALLOWED or path.name in ALLOWED_NAMES:
                continue
            yield path


def role_references() -> list[str]:
    """Every ``PartnerRole.<ROLE>`` named in application code outside the role policy."""
    found = []
    for path in _app_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "PartnerRole"
                and node.attr.isupper()
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} PartnerRole.{node.attr}")
    return found


def test_no_role_is_named_outside_the_role_policy():
    references = role_references()
    assert references == [], "Ask lmp.partners.roles by name instead:\n" + "\n".join(references)


def test_the_scan_sees_a_role_named_in_app_code(tmp_path, monkeypatch):
    # The scan is not blind: a module that compares a role by hand is caught.
    app = tmp_path / "lmp"
    app.mkdir()
    (app / "views.py").write_text("ok = role != PartnerRole.ADMINISTRATOR\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert role_references() == ["lmp/views.py:1 PartnerRole.ADMINISTRATOR"]


def test_the_policy_answers_each_decision_by_name():
    # The decisions as the product states them (README, Roles): asked by name, answered here.
    assert set(roles.MUST_USE_TWO_FACTORS) == {PartnerRole.ADMINISTRATOR}
    assert set(roles.API_KEY_ROLES) == {PartnerRole.VIEW_ONLY, PartnerRole.ALLOCATOR}
    assert roles.recipients(roles.RENEWAL_ALERT_EMAILS) == (PartnerRole.ADMINISTRATOR,)
    assert roles.recipients(roles.LOW_SEATS_ALERT_EMAILS) == (
        PartnerRole.ADMINISTRATOR,
        PartnerRole.ALLOCATOR,
    )
    assert roles.recipients(roles.PURCHASE_EMAILS) == (PartnerRole.ADMINISTRATOR,)
    assert roles.recipients(roles.SHIPMENT_EMAILS) == (PartnerRole.ADMINISTRATOR,)
    assert roles.recipients(roles.STATEMENT_EMAILS) == (
        PartnerRole.ADMINISTRATOR,
        PartnerRole.BANK_DETAILS_ONLY,
    )
    # The partner keeps one active login that may manage its team: an Administrator.
    assert roles.roles_with(roles.MANAGE_TEAM) == {PartnerRole.ADMINISTRATOR}
    assert roles.role_allows(PartnerRole.ADMINISTRATOR, roles.MANAGE_TEAM)
    assert not roles.role_allows(PartnerRole.ALLOCATOR, roles.MANAGE_TEAM)
    assert roles.role_allows(PartnerRole.ALLOCATOR, roles.CHANGE_CUSTOMERS)
    assert not roles.role_allows(PartnerRole.NO_LMP_ACCESS, roles.SIGN_IN)


@pytest.mark.parametrize("role", PartnerRole.values)
def test_role_allows_agrees_with_allows_for_a_member(role):
    # The two questions (a role, a signed-in member with that role) have one answer.
    class Member:
        is_authenticated = True

        class membership:  # noqa: N801 - the attribute a User carries
            pass

    Member.membership.role = role
    for permission in roles.RULES:
        assert roles.role_allows(role, permission) == roles.allows(Member(), permission)


def test_an_unknown_e_mail_kind_is_refused():
    with pytest.raises(KeyError):
        roles.recipients("birthday cards")


def test_role_names_read_as_prose():
    assert roles.role_names([PartnerRole.ADMINISTRATOR]) == "Administrators"
    assert (
        roles.role_names([PartnerRole.ADMINISTRATOR, PartnerRole.ALLOCATOR])
        == "Administrators and Allocators"
    )


@pytest.fixture
def low_license(partner):
    # 1,990 unallocated, below a threshold of 2,000 users: low on seats.
    from tests.factories import VolumeLicenseFactory

    return VolumeLicenseFactory(partner=partner, seat_commitment=1990, low_seats_threshold=2000)


def _page_text(client, name, license) -> str:
    from django.urls import reverse

    response = client.get(reverse(f"licenses:{name}", kwargs={"pk": license.pk}))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_license_pages_say_who_gets_the_low_seats_alert_as_the_policy_says(
    administrator_client, admin_user, partner, low_license, monkeypatch
):
    from licenses.alerts import alerts_run
    from licenses.models import LicenseAlert
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(
        partner=partner,
        user=UserFactory(username="al", email="al@example.com"),
        role=PartnerRole.ALLOCATOR,
    )
    for name in ("license_detail", "license_threshold"):
        assert "your Administrators and Allocators get an e-mail" in _page_text(
            administrator_client, name, low_license
        ).replace("Your", "your")
    # The policy changes its mind: the pages and the alert follow it, with no other edit.
    monkeypatch.setitem(
        roles.RECIPIENTS, roles.LOW_SEATS_ALERT_EMAILS, (PartnerRole.ADMINISTRATOR,)
    )
    for name in ("license_detail", "license_threshold"):
        text = _page_text(administrator_client, name, low_license).replace("Your", "your")
        assert "your Administrators get an e-mail" in text
        assert "Allocators" not in text
    alerts_run()
    alert = LicenseAlert.objects.get(license=low_license)
    assert alert.recipients == admin_user.email


def test_the_event_source_has_one_label_on_the_page_in_the_export_and_the_api(
    client, partner_client, staff_user, complete_license
):
    # One change made by vendor staff in Django admin.
    import json

    from django.urls import reverse

    from licenses import services
    from licenses.choices import AllocationEventSource
    from licenses.exports import history_row
    from licenses.models import AllocationEvent
    from tests.factories import make_customer

    label = AllocationEventSource.ADMIN.label
    assert label == "Vendor admin"
    customer = make_customer(license=complete_license, tier_users=40)
    services.customer_offboard(
        customer=customer, actor=staff_user, source=AllocationEventSource.ADMIN
    )
    # Offboarding records its status and the users it returns: the users' event.
    event = AllocationEvent.objects.select_related("actor", "api_key", "customer", "license").get(
        source=AllocationEventSource.ADMIN, from_value=40
    )
    # The export's "Made in" column.
    assert history_row(event)[-1] == label
    # The history page, under who made it.
    page = partner_client.get(
        reverse("licenses:license_history", kwargs={"pk": complete_license.pk})
    )
    assert f">{label}</span>" in page.content.decode()
    assert "in vendor admin" not in page.content.decode()
    # The API's schema describes the value "admin" with the same label.
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert f"`admin` - {label}" in json.dumps(json.loads(schema.content))
