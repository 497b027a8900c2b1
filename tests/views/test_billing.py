"""The Billing page: the partner's billing details (editable), each own license's monthly total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from licenses.choices import Currency, ServiceTier
from lmp.billing.services import partner_billing_set
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Partner
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory, make_customer
from tests.helpers.auth import verified_login
from tests.helpers.state import db_state, error_next_to

URL = "/billing/"

VALID = {
    "billing_contact_name": "Priya Raman",
    "billing_email": "accounts@northwind.example",
    "billing_phone": "+1 416 555 0199",
    "billing_address": "200 King Street West\nToronto ON M5H 3T4",
    "billing_currency": "USD",
    "purchase_order_number": "PO-2026-0147",
    "payment_reference": "NORTHWIND-MDR",
}


@pytest.fixture
def bank_user(partner):
    return MembershipFactory(
        partner=partner, user=UserFactory(username="bea"), role=PartnerRole.BANK_DETAILS_ONLY
    ).user


@pytest.fixture
def bank_client(bank_user):
    return verified_login(Client(), bank_user)


@pytest.fixture
def licenses(partner, other_partner):
    """Two licenses of Northwind (CAD and USD), and Contoso's shared with Northwind."""
    complete = VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.COMPLETE,
        seat_commitment=1990,
        price_per_user=Decimal("14.50"),
        currency=Currency.CAD,
    )
    core = VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.CORE,
        seat_commitment=750,
        price_per_user=Decimal("9.25"),
        currency=Currency.USD,
    )
    shared = VolumeLicenseFactory(
        partner=other_partner,
        tier=ServiceTier.CLOUD,
        seat_commitment=613,
        price_per_user=Decimal("7.77"),
        currency=Currency.USD,
    )
    shared.sub_partners.add(partner)
    make_customer(license=complete, legal_name="Maple Leaf Dental Group", tier_users=100)
    return complete, core, shared


def test_billing_shows_each_own_licenses_monthly_total_and_no_customer_data(
    bank_client, licenses, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        page = bank_client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert "<h1" in text and "Billing" in text
    # 1,990 × $14.50 = $28,855.00 CAD; 750 × $9.25 = $6,937.50 USD.
    assert "$28,855.00\u00a0CAD" in text and "$14.50\u00a0CAD" in text and "1,990" in text
    assert "$6,937.50\u00a0USD" in text and "$9.25\u00a0USD" in text and "750" in text
    assert text.index("MDR Core") < text.index("MDR Complete")  # the product's tier order
    # The license shared with Northwind is another partner's terms: not on its Billing page.
    assert "613" not in text and "7.77" not in text and "MDR Cloud" not in text
    # No customer data at all.
    assert "Maple Leaf Dental Group" not in text
    assert "Customer Onboarding" not in text
    assert 'href="/licenses/' not in text


def test_billing_details_are_saved_and_shown(bank_client, partner):
    response = bank_client.post(URL, VALID)
    assert response.status_code == 302 and response.url == URL
    partner.refresh_from_db()
    for name, value in VALID.items():
        assert getattr(partner, name) == value, name
    page = bank_client.get(URL)
    assert "Billing details saved" in page.text
    assert 'value="PO-2026-0147"' in page.text
    assert "200 King Street West" in page.text
    # Saving the same again changes nothing and says so.
    bank_client.post(URL, VALID)
    assert "No changes to the billing details." in bank_client.get(URL).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("billing_email", "not-an-email", "Enter a valid email address."),
        ("billing_currency", "EUR", "Select a valid choice. EUR is not one of the available"),
        ("purchase_order_number", "P" * 61, "Ensure this value has at most 60 characters"),
    ],
)
def test_bad_billing_input_is_refused_next_to_the_field(
    bank_client, partner, field, value, message
):
    before = db_state()
    response = bank_client.post(URL, {**VALID, field: value})
    assert response.status_code == 200
    assert error_next_to(response.text, field, message)
    assert 'value="Priya Raman"' in response.text  # what was typed is kept
    assert db_state() == before


def test_administrators_see_billing_other_roles_do_not(admin_user, user, licenses):
    administrator_client = verified_login(Client(), admin_user)
    partner_client = verified_login(Client(), user)
    assert administrator_client.get(URL).status_code == 200
    assert administrator_client.post(URL, VALID).status_code == 302
    assert Partner.objects.get(pk=licenses[0].partner_id).billing_currency == "USD"
    assert partner_client.get(URL).status_code == 403  # an Allocator


def test_the_service_asks_the_role_policy(partner, user, bank_user):
    with pytest.raises(PermissionDenied):
        partner_billing_set(partner=partner, actor=user, **VALID)  # an Allocator
    assert partner_billing_set(partner=partner, actor=bank_user, **VALID)
    assert partner_billing_set(partner=partner, actor=bank_user, **VALID) == []


def test_a_partner_sees_only_its_own_billing_details(bank_client, other_partner):
    partner_billing_set(
        partner=other_partner, actor=None, **{**VALID, "purchase_order_number": "PO-CONTOSO-9"}
    )
    assert "PO-CONTOSO-9" not in bank_client.get(URL).text
    # Posting changes the signed-in partner's details only.
    bank_client.post(URL, {**VALID, "payment_reference": "MINE"})
    other_partner.refresh_from_db()
    assert other_partner.payment_reference == "NORTHWIND-MDR"


def test_the_demo_partner_has_billing_details_and_its_billing_login_sees_them(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent: the same details
    northwind = Partner.objects.get(name="Northwind MSP")
    assert northwind.billing_contact_name and northwind.billing_email
    assert northwind.purchase_order_number == "PO-NW-2026-0147"
    client = Client()
    assert client.post("/login/", {"username": "billing", "password": "lmp-demo-2026"}).url == "/"
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0] == URL
    assert "PO-NW-2026-0147" in page.text and "$28,855.00\u00a0CAD" in page.text
