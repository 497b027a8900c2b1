"""axe-core on every partner page, every onboarding step and the Django admin: no serious or
critical violation (WCAG 2.x A/AA rules and axe's best practices).

Pages are reached by clicking the portal's own links and buttons, never by typing a wizard URL, so
the walk follows the product as a partner sees it. axe-core comes bundled with
axe-playwright-python; the context bypasses the Content-Security-Policy only so that axe's script
can be injected (the portal's own pages are not changed by it).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from onboarding import services as onboarding_services
from onboarding.models import Shipment
from tests.helpers.axe import Audit
from tests.helpers.screens import PAGE_WIDER_THAN_SCREEN, partner_pages


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def audit(page, shot):
    return Audit(page, shot)


def _actions(page, customer: str, action: str) -> None:
    page.get_by_role("button", name=f"Actions for {customer}").click()
    page.locator(".dropdown-menu.show").get_by_role("link", name=action).click()


def test_partner_pages_have_no_serious_violations(page, demo_data, login, audit):
    login("partner", "lmp-demo-2026")
    audit.check("License tab")

    page.get_by_role("link", name="MDR Complete").click()
    expect(page.get_by_role("heading", name="MDR Complete")).to_be_visible()
    audit.check("License page")

    page.get_by_label("Search customers").press_sequentially("harbour", delay=20)
    expect(page.locator("tr.customer-row")).to_have_count(1)
    audit.check("License page: search results")
    page.get_by_label("Search customers").fill("zzz-nobody")
    expect(page.get_by_text("No customers match")).to_be_visible()
    audit.check("License page: no search results")
    page.get_by_label("Search customers").fill("")
    expect(page.locator("tr.customer-row")).to_have_count(2)

    _actions(page, "Maple Leaf Dental Group", "Edit")
    expect(page.get_by_role("heading", name="Edit customer")).to_be_visible()
    audit.check("Edit")
    page.get_by_label("MDR Complete Users").fill("5000")
    audit.check("Edit: over the remaining users (live)")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    audit.check("Edit: validation error")
    page.get_by_label("MDR Complete Users").fill("120")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_be_visible()
    audit.check("License page: success message")

    _actions(page, "Harbourfront Logistics Inc.", "Offboard")
    expect(page.get_by_role("heading", name=re.compile("^Offboard"))).to_be_visible()
    audit.check("Offboard")
    page.get_by_role("button", name="Offboard").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.get_by_label("Status").select_option("offboarded")
    expect(page.locator("tr.customer-row-offboarded")).to_have_count(1)
    audit.check("License page: offboarded filter")
    page.get_by_label("Status").select_option("")

    page.get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("heading", name="MDR Complete history")).to_be_visible()
    audit.check("License history")
    page.get_by_label("Search customers").fill("zzz-nobody")
    expect(page.get_by_text("No changes match these filters.")).to_be_visible()
    audit.check("License history: no match")

    page.get_by_role("link", name="Back to license").click()
    _actions(page, "Maple Leaf Dental Group", "History")
    expect(page.get_by_role("heading", name="Maple Leaf Dental Group")).to_be_visible()
    audit.check("Customer history")

    page.get_by_role("link", name="Customer Onboarding").click()
    expect(page.get_by_role("heading", name="Customer Onboarding")).to_be_visible()
    audit.check("Onboarding tab (no requests)")

    audit.assert_clean(at_least=14)


def test_onboarding_steps_have_no_serious_violations(page, demo_data, login, audit):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Customer Onboarding").click()
    page.get_by_role("link", name="Onboard a customer onto MDR Complete").click()
    expect(page.get_by_role("heading", name="Onboard a new customer")).to_be_visible()
    audit.check("Incident")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error").first).to_be_visible()
    audit.check("Incident: validation error")
    page.get_by_label("Yes", exact=True).check()
    expect(page.get_by_text("Contact incident response now")).to_be_visible()
    audit.check("Incident: yes")
    page.get_by_label("No", exact=True).check()
    expect(page.get_by_label("Customer Legal Name")).to_be_visible()
    audit.check("Details")

    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("Details: validation error")
    page.get_by_label("Customer Legal Name").fill("Lakeshore Physiotherapy")
    page.get_by_label("MDR Portal Administrator Email").fill("it@lakeshore.example")
    page.get_by_label("MDR Complete Users").fill("40")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Deployment solution")).to_be_visible()
    audit.check("Deployment")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error").first).to_be_visible()
    audit.check("Deployment: validation error")
    page.get_by_role("radio", name=re.compile(r"^Fully virtual")).check()
    page.get_by_label("Hosting region").select_option(label="Canada")
    audit.check("Deployment: fully virtual")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.locator(".wizard-step.is-skipped")).to_contain_text("Shipping")
    audit.check("Review: shipping skipped")

    page.locator("#review-deployment").locator("..").get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Deployment solution")).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"^Network sensor\(s\)")).check()
    page.get_by_role("radio", name=re.compile(r"^NS-1000 Rack Sensor")).check()
    page.get_by_role("spinbutton", name="Additional NS-100 Desktop Sensor").fill("1")
    audit.check("Deployment: network sensors")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Shipping", exact=True)).to_be_visible()
    audit.check("Shipping")
    page.get_by_role("radio", name=re.compile(r"^A custom address")).check()
    audit.check("Shipping: custom address")
    page.get_by_role("radio", name=re.compile(r"^A different address for each appliance")).check()
    audit.check("Shipping: per appliance")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("Shipping: per appliance, validation error")

    def add(unit_label: str, city: str, region: str, postal: str) -> None:
        page.get_by_label("Which appliance is this address for?").select_option(label=unit_label)
        page.get_by_label("Recipient name").fill("Dana Brooks")
        page.get_by_label("Address line 1").fill("10 Water Street")
        page.get_by_label("City").fill(city)
        page.get_by_label("Province / State").fill(region)
        page.get_by_label("Postal code").fill(postal)
        page.get_by_role("button", name="Add", exact=True).click()

    add("Primary appliance — NS-1000 Rack Sensor", "Halifax", "NS", "B3J 1A1")
    expect(page.locator("[data-address-entry]")).to_have_count(1)
    audit.check("Shipping: per appliance, one added")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Every appliance needs an address")).to_be_visible()
    audit.check("Shipping: an appliance without an address")
    add("Additional sensor 1 — NS-100 Desktop Sensor", "Moncton", "NB", "E1C 1B1")
    expect(page.get_by_text("Every appliance has an address.")).to_be_visible()
    audit.check("Shipping: every appliance has an address")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    audit.check("Review")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("Review: validation error")
    page.get_by_label("I confirm that the information above is accurate.").check()
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Lakeshore Physiotherapy is onboarded")).to_be_visible()
    audit.check("Order confirmation")

    # Vendor staff ship one appliance: the Onboarding tab shows its carrier and tracking number.
    shipment = Shipment.objects.filter(onboarding_request__legal_name="Lakeshore Physiotherapy")
    first = shipment.order_by("pk").first()
    onboarding_services.shipment_tracking_set(
        shipment=first, carrier="purolator", tracking_number="329012345678"
    )
    onboarding_services.shipment_mark_shipped(shipment=first)
    page.get_by_role("link", name="Customer Onboarding").first.click()
    expect(page.get_by_text("329012345678")).to_be_visible()
    audit.check("Onboarding tab (with a tracked shipment)")
    page.get_by_role("link", name="View").first.click()
    expect(page.get_by_role("heading", name="Lakeshore Physiotherapy is onboarded")).to_be_visible()
    audit.check("Order page (with a tracked shipment)")

    # A "yes" to the incident question stops onboarding.
    page.get_by_role("link", name="Customer Onboarding").first.click()
    page.get_by_role("link", name="Onboard a customer onto MDR Core").click()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Stop onboarding").click()
    expect(page.get_by_role("heading", name=re.compile("Onboarding stopped"))).to_be_visible()
    audit.check("Incident stop")

    audit.assert_clean(at_least=23)


def test_admin_pages_have_no_serious_violations(page, demo_data, login, audit):
    login("staff", "lmp-staff-2026")
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Partners, licenses and orders")).to_be_visible()
    audit.check("Admin index")
    page.get_by_role("link", name="Customer accounts").first.click()
    expect(page.locator("#result_list")).to_be_visible()
    audit.check("Admin changelist")
    page.locator("#result_list tbody th a").first.click()
    expect(page.locator("#content-main form")).to_be_visible()
    audit.check("Admin change form")
    audit.assert_clean(at_least=3)


def test_partner_pages_on_a_phone_have_no_serious_violations(page, demo_data, login, audit):
    """The same rules at 375 px: the navigation collapses, the wizard shows one step title."""
    login("partner", "lmp-demo-2026")
    paths = partner_pages(page)
    page.set_viewport_size({"width": 375, "height": 800})
    for path in paths:
        page.goto(path)
        audit.check(f"{path} at 375 px")
    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.get_by_role("link", name="Customer Onboarding")).to_be_visible()
    audit.check("navigation menu open at 375 px")
    audit.assert_clean(at_least=16)


def test_license_pages_as_of_a_date_have_no_serious_violations(page, demo_data, login, audit):
    """The License tab and a license page as of a past date (read-only), a refused date, and the
    page at 375 px. The demo's history is moved a month back, so yesterday shows its customers."""
    import datetime as dt

    from django.db.models import F

    from licenses.models import AllocationEvent

    AllocationEvent.objects.update(at=F("at") - dt.timedelta(days=30))
    login("partner", "lmp-demo-2026")
    page.get_by_label("View as of").fill("2020-01-01")
    page.get_by_role("button", name="View as of").click()
    expect(page.get_by_text("Did not exist yet").first).to_be_visible()
    audit.check("License tab as of a date before the licenses")
    yesterday = page.evaluate(
        "() => { const d = new Date(Date.now() - 864e5); return d.toLocaleDateString('en-CA'); }"
    )
    page.get_by_label("View as of").fill(yesterday)
    page.get_by_role("button", name="View as of").click()
    expect(page.get_by_text("read-only")).to_be_visible()
    audit.check("License tab as of a date")

    page.get_by_role("link", name="MDR Complete").click()
    expect(page.get_by_text("read-only")).to_be_visible()
    expect(page.locator("tr.customer-row")).to_have_count(2)
    audit.check("License page as of a date")
    page.get_by_label("Search customers").press_sequentially("harbour", delay=20)
    expect(page.locator("tr.customer-row")).to_have_count(1)
    audit.check("License page as of a date: search results")

    page.get_by_label("View as of").fill("2999-01-01")
    page.get_by_role("button", name="View as of").click()
    expect(page.get_by_text("Choose a day before today")).to_be_visible()
    audit.check("License page: a refused as-of date")

    page.get_by_label("View as of").fill("2020-01-01")
    page.get_by_role("button", name="View as of").click()
    expect(page.get_by_text("This license did not exist yet on")).to_be_visible()
    audit.check("License page as of a date before the license")

    page.get_by_label("View as of").fill(yesterday)
    page.get_by_role("button", name="View as of").click()
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_text("read-only")).to_be_visible()
    audit.check("License page as of a date at 375 px")
    assert page.evaluate(PAGE_WIDER_THAN_SCREEN) <= 0
    audit.shot("license-page-as-of-375px")
    audit.assert_clean(at_least=7)


def test_plan_the_renewal_pages_have_no_serious_violations(page, demo_data, login, audit):
    """Plan the renewal: its form, a refusal by the field, the license page's renewal card with
    the change, and the cancel confirmation."""
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="MDR Complete").click()
    page.get_by_role("link", name="Plan the renewal").click()
    expect(page.get_by_role("heading", name="Plan the renewal")).to_be_visible()
    audit.check("Plan the renewal")
    page.get_by_label("Commitment at renewal").fill("0")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("the commitment at renewal")
    audit.check("Plan the renewal: below allocated")
    page.get_by_label("Commitment at renewal").fill("99999")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator("[data-renewal-plan]")).to_contain_text("99,999 users")
    audit.check("License page: renewal planned")
    page.locator("[data-renewal-plan]").get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Cancel the change planned")).to_be_visible()
    audit.check("Plan the renewal: cancel confirmation")
    page.get_by_role("button", name="Cancel the change").click()
    expect(page.get_by_role("status")).to_contain_text("cancelled")
    audit.assert_clean(at_least=4)
