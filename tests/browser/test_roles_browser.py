"""Each role's limits as a partner sees them in a browser: View Only has no Edit, Offboard or New
Customer; Bank Details Only lands on Billing, which passes axe and saves (issue 13)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lmp.partners.models import Partner
from tests.helpers.axe import Audit


@pytest.fixture
def page(browser, live_server):
    """As test_axe's: the Content-Security-Policy bypassed only so that axe can be injected."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_view_only_sees_the_customers_but_no_action_that_changes_them(page, demo_data, login):
    login("viewer", "lmp-demo-2026")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Licenses")).to_be_visible()
    expect(nav.get_by_role("link", name="Billing")).to_have_count(0)
    page.get_by_role("link", name="MDR Complete").click()
    expect(page.get_by_role("heading", name="MDR Complete")).to_be_visible()
    expect(page.locator("tr.customer-row")).to_have_count(2)
    expect(
        page.get_by_role("link", name="Export to Excel").or_(
            page.get_by_role("button", name="Export to Excel")
        )
    ).to_be_visible()
    expect(page.get_by_text("New Customer")).to_have_count(0)
    page.get_by_role("button", name="Actions for Maple Leaf Dental Group").click()
    menu = page.locator(".dropdown-menu.show")
    expect(menu.get_by_role("link", name="History")).to_be_visible()
    expect(menu.get_by_role("link", name="Edit")).to_have_count(0)
    expect(menu.get_by_role("link", name="Offboard")).to_have_count(0)

    nav.get_by_role("link", name="Customer Onboarding").click()
    expect(page.get_by_role("heading", name="Customer Onboarding")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Onboard a customer"))).to_have_count(0)


def test_bank_details_only_lands_on_billing_and_saves_it(page, demo_data, login, shot):
    audit = Audit(page, shot)
    login("billing", "lmp-demo-2026")
    expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Licenses")).to_have_count(0)
    expect(page.get_by_text("$28,855.00 CAD")).to_be_visible()
    audit.check("Billing")
    page.get_by_label("Billing e-mail").fill("not-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    audit.check("Billing: validation error")
    page.get_by_label("Billing e-mail").fill("ap@northwind-msp.example")
    page.get_by_label("Purchase order number").fill("PO-BROWSER-1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Billing details saved")
    audit.check("Billing: saved")
    audit.assert_clean(at_least=3)
    northwind = Partner.objects.get(name="Northwind MSP")
    assert northwind.purchase_order_number == "PO-BROWSER-1"
