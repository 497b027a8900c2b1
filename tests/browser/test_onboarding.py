"""A partner onboards customers in Chromium: the incident gate, virtual, sensors and shipping."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from lmp.partners.models import Partner
from onboarding.models import OnboardingRequest, Shipment
from shipping.models import Address
from shipping.services import address_save
from tests.browser.conftest import fresh_totp_code


@pytest.fixture(autouse=True)
def no_csp_violations(page):
    """Every page of the wizard runs under the strict Content-Security-Policy without a refusal."""
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield
    assert refused == []


def _open_wizard(page, login, tier_label: str = "MDR Complete"):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Customer Onboarding").click()
    expect(page.get_by_role("heading", name="Customer Onboarding")).to_be_visible()
    page.get_by_role("link", name=f"Onboard a customer onto {tier_label}").click()
    expect(page.get_by_role("heading", name="Onboard a new customer")).to_be_visible()


def _answer_no_and_fill_details(page, legal_name: str, users: str) -> None:
    page.get_by_label("No", exact=True).check()
    expect(page.get_by_label("Customer Legal Name")).to_be_visible()
    page.get_by_label("Customer Legal Name").fill(legal_name)
    page.get_by_label("Web Site").fill("https://example.com")
    page.get_by_label("MDR Portal Administrator Email").fill("it@example.com")
    page.get_by_label("MDR Complete Users").fill(users)


def _license_page_shows(page, license: VolumeLicense, figure: str, customer: str) -> None:
    """The license page shows the new unallocated ``figure`` and the customer.

    The license page belongs to the licenses app; until it exists, the License tab's card
    numbers are checked instead.
    """
    try:
        url = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    except NoReverseMatch:
        page.goto(reverse("licenses:license_list"))
        expect(page.get_by_text(figure).first).to_be_visible()
        return
    page.goto(url)
    expect(page.get_by_text(figure).first).to_be_visible()
    expect(page.get_by_text(customer).first).to_be_visible()


def test_incident_gate_hides_the_form_until_no(page, demo_data, login, shot):
    _open_wizard(page, login)
    question = "Is this customer currently experiencing a breach or incident?"
    expect(page.get_by_text(question)).to_be_visible()
    expect(page.get_by_label("Customer Legal Name")).to_have_count(0)
    shot("1-incident-gate")

    page.get_by_label("Yes", exact=True).check()
    guidance = page.get_by_text("Contact incident response now")
    expect(guidance).to_be_visible()
    expect(page.get_by_label("Customer Legal Name")).to_have_count(0)
    shot("2-incident-yes-guidance")

    page.get_by_label("No", exact=True).check()
    expect(page.get_by_label("Customer Legal Name")).to_be_visible()
    expect(page.get_by_text("No breach or incident reported")).to_be_visible()
    expect(page.locator(".wizard-step.is-current")).to_contain_text("Customer details")
    shot("3-details-revealed")


def test_yes_stops_onboarding_with_incident_response_contacts(page, demo_data, login, shot):
    customers = CustomerAccount.objects.count()
    _open_wizard(page, login)
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Stop onboarding").click()
    expect(page.get_by_role("heading", name=re.compile("Onboarding stopped"))).to_be_visible()
    expect(page.get_by_text("1-888-555-0199")).to_be_visible()
    shot("incident-stop")
    assert CustomerAccount.objects.count() == customers
    assert not OnboardingRequest.objects.exists()


def test_onboard_a_fully_virtual_customer(page, demo_data, login, shot):
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    before = complete.unallocated
    _open_wizard(page, login)
    _answer_no_and_fill_details(page, "Lakeshore Physiotherapy", "8")
    page.get_by_label("Beauceron SAT Users").fill("8")
    # Users Available follows what is typed (js/seats.js, from the policy's data attributes).
    tier_pool = page.locator('[data-seats-input="id_details-tier_users"] [data-seats-remaining]')
    expect(tier_pool).to_have_text(f"{before - 8:,}")
    shot("1-details")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("we recommend fully virtual")).to_be_visible()
    expect(page.get_by_label("Hosting region")).to_be_hidden()
    page.get_by_role("radio", name=re.compile(r"^Fully virtual")).check()
    expect(page.get_by_label("Hosting region")).to_be_visible()
    page.get_by_label("Hosting region").select_option(label="Canada")
    shot("2-deployment-virtual")
    page.get_by_role("button", name="Continue").click()

    # Shipping is skipped: straight to the review.
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.locator(".wizard-step.is-skipped")).to_contain_text("Shipping")
    expect(page.get_by_text("Lakeshore Physiotherapy")).to_be_visible()
    page.get_by_label("I confirm that the information above is accurate.").check()
    shot("3-review")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Lakeshore Physiotherapy is onboarded")).to_be_visible()
    expect(page.get_by_text("An email will be sent to you")).to_be_visible()
    expect(page.get_by_text("Fully virtual: there is nothing to ship.")).to_be_visible()
    shot("4-confirmation")

    customer = CustomerAccount.objects.get(legal_name="Lakeshore Physiotherapy")
    assert customer.hosting_region == "ca"
    # The order to the partner user; a welcome of its own to the customer's administrator.
    order_mail, welcome = mail.outbox
    assert (order_mail.to, order_mail.cc) == (["partner@lmp.example"], [])
    assert (welcome.to, welcome.cc) == (["it@example.com"], [])
    assert "Lakeshore Physiotherapy" in order_mail.subject
    assert "Lakeshore Physiotherapy" in welcome.subject
    assert "Create your MDR Portal account" in welcome.body

    page.get_by_role("link", name="Back to the MDR Complete license").click()
    complete.refresh_from_db()
    assert complete.unallocated == before - 8
    _license_page_shows(page, complete, f"{before - 8:,}", "Lakeshore Physiotherapy")
    shot("5-license-after")


def test_onboard_with_primary_and_two_sensors_to_two_addresses(page, demo_data, login, shot):
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    before = complete.unallocated
    _open_wizard(page, login)
    _answer_no_and_fill_details(page, "Harbour City Credit Union", "180")
    page.get_by_label("MDR Cloud Users").fill("20")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("radio", name=re.compile(r"^Network sensor\(s\)")).check()
    page.get_by_role("radio", name=re.compile(r"^NS-1000 Rack Sensor")).check()
    page.get_by_role("spinbutton", name="Additional NS-100 Desktop Sensor").fill("2")
    shot("1-deployment-sensors")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Shipping", exact=True)).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"^A different address for each appliance")).check()
    appliance = page.get_by_label("Which appliance is this address for?")

    def add(unit_label: str, recipient: str, line1: str, city: str, region: str, postal: str):
        appliance.select_option(label=unit_label)
        page.get_by_label("Recipient name").fill(recipient)
        page.get_by_label("Address line 1").fill(line1)
        page.get_by_label("City").fill(city)
        page.get_by_label("Province / State").fill(region)
        page.get_by_label("Postal code").fill(postal)
        page.get_by_role("button", name="Add", exact=True).click()

    add(
        "Primary appliance — NS-1000 Rack Sensor",
        "Dana Brooks",
        "10 Water Street",
        "Halifax",
        "NS",
        "b3j 1a1",
    )
    expect(page.locator("[data-address-entry]")).to_have_count(1)
    shot("2-shipping-one-added")
    # A bad postal code is refused next to the field, and what was typed stays.
    appliance.select_option(label="Additional sensor 1 — NS-100 Desktop Sensor")
    page.get_by_label("Recipient name").fill("Lee Martin")
    page.get_by_label("Address line 1").fill("400 Main Street")
    page.get_by_label("City").fill("Moncton")
    page.get_by_label("Postal code").fill("12345")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(
        page.get_by_text("Enter a Canadian postal code such as K1A 0B1.", exact=True)
    ).to_be_visible()
    expect(page.get_by_label("Recipient name")).to_have_value("Lee Martin")
    shot("3-shipping-postal-error")
    page.get_by_label("Province / State").fill("NB")
    page.get_by_label("Postal code").fill("E1C 1B1")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("[data-address-entry]")).to_have_count(2)

    # Continuing with one appliance still missing an address is refused.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Every appliance needs an address")).to_be_visible()
    add(
        "Additional sensor 2 — NS-100 Desktop Sensor",
        "Lee Martin",
        "400 Main Street",
        "Moncton",
        "NB",
        "E1C 1B1",
    )
    expect(page.locator("[data-address-entry]")).to_have_count(3)
    expect(page.get_by_text("Every appliance has an address.")).to_be_visible()
    shot("4-shipping-all-added")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.get_by_text("Additional sensor 2 — NS-100 Desktop Sensor")).to_be_visible()
    page.get_by_label("I confirm that the information above is accurate.").check()
    shot("5-review")
    page.get_by_role("button", name="Submit").click()

    heading = page.get_by_role("heading", name="Harbour City Credit Union is onboarded")
    expect(heading).to_be_visible()
    expect(page.get_by_text("An email will be sent to you")).to_be_visible()
    expect(page.locator("tbody tr", has_text="Pending")).to_have_count(3)
    shot("6-confirmation")

    order = OnboardingRequest.objects.get(legal_name="Harbour City Credit Union")
    shipments = list(Shipment.objects.filter(onboarding_request=order).select_related("address"))
    assert len(shipments) == 3
    assert {s.address.city for s in shipments} == {"Halifax", "Moncton"}
    # The two Moncton sensors share one saved address.
    assert len({s.address_id for s in shipments}) == 2
    assert {s.address.postal_code for s in shipments} == {"B3J 1A1", "E1C 1B1"}
    assert len(mail.outbox) == 2  # the partner's order mail, then the welcome
    assert "NS-100 Desktop Sensor" in mail.outbox[0].body

    page.get_by_role("link", name="Customer Onboarding").first.click()
    row = page.locator("tbody tr", has_text="Harbour City Credit Union")
    expect(row).to_contain_text("Awaiting shipment")
    shot("7-onboarding-tab")

    complete.refresh_from_db()
    assert complete.unallocated == before - 180
    _license_page_shows(page, complete, f"{before - 180:,}", "Harbour City Credit Union")


def test_per_appliance_addresses_without_retyping(page, demo_data, login, shot):
    """One address typed for four appliances: the next takes "Same as the previous appliance",
    one the default address, one an address the partner shipped to before."""
    northwind = Partner.objects.get(name="Northwind MSP")
    address_save(
        address=Address(
            partner=northwind,
            recipient="Lee Martin",
            line1="400 Main Street",
            city="Moncton",
            region="NB",
            postal_code="E1C 1B1",
            country="CA",
        )
    )
    _open_wizard(page, login)
    _answer_no_and_fill_details(page, "Bayview Family Clinics", "120")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio", name=re.compile(r"^Network sensor\(s\)")).check()
    page.get_by_role("radio", name=re.compile(r"^NS-1000 Rack Sensor")).check()
    page.get_by_role("spinbutton", name="Additional NS-100 Desktop Sensor").fill("3")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Shipping", exact=True)).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"^A different address for each appliance")).check()
    appliance = page.get_by_label("Which appliance is this address for?")
    # The first appliance without an address is already chosen: no need to pick it.
    expect(appliance).to_have_value("primary")
    expect(page.get_by_role("radio", name=re.compile("^Same as the previous"))).to_have_count(0)
    page.get_by_role("radio", name=re.compile("^A new address")).check()
    page.get_by_label("Recipient name").fill("Dana Brooks")
    page.get_by_label("Address line 1").fill("10 Water Street")
    page.get_by_label("City").fill("Halifax")
    page.get_by_label("Province / State").fill("NS")
    page.get_by_label("Postal code").fill("B3J 1A1")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("[data-address-entry]")).to_have_count(1)

    expect(appliance).to_have_value(re.compile(r"^additional-\d+-1$"))
    previous = page.get_by_role("radio", name=re.compile("^Same as the previous appliance"))
    expect(previous).to_be_visible()
    previous.check()
    # A chosen address needs no fields: they are out of the way until "A new address".
    expect(page.get_by_label("Recipient name")).to_be_hidden()
    shot("per-appliance-same-as-previous")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("[data-address-entry]")).to_have_count(2)

    page.get_by_role("radio", name=re.compile("^Our default address")).check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("[data-address-entry]")).to_have_count(3)

    saved = page.get_by_role("radio", name=re.compile("400 Main Street"))
    saved.check()
    shot("per-appliance-saved-address")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("[data-address-entry]")).to_have_count(4)
    expect(page.get_by_text("Every appliance has an address.")).to_be_visible()
    shot("per-appliance-all-added")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    page.get_by_label("I confirm that the information above is accurate.").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Bayview Family Clinics is onboarded")).to_be_visible()

    order = OnboardingRequest.objects.get(legal_name="Bayview Family Clinics")
    cities = sorted(s.address.city for s in order.shipments.select_related("address"))
    assert cities == ["Halifax", "Halifax", "Moncton", "Toronto"]
    default = Address.objects.get(partner=northwind, is_default=True)
    assert order.shipments.filter(address=default).count() == 1


def test_per_appliance_addresses_without_javascript(browser, live_server, demo_data):
    """With JavaScript off every choice and field shows; "Same as the previous appliance" and the
    default still add an address without typing it again."""
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("Username").fill("partner")
        page.get_by_label("Password").fill("lmp-demo-2026")
        page.get_by_role("button", name="Log in").click()
        device = TOTPDevice.objects.get(user__username="partner", confirmed=True)
        page.locator("#id_code").fill(fresh_totp_code(device))
        page.get_by_role("button", name="Verify").click()
        page.get_by_role("link", name="Customer Onboarding").click()
        page.get_by_role("link", name="Onboard a customer onto MDR Complete").click()
        page.get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Continue").first.click()
        page.get_by_label("Customer Legal Name").fill("Quiet Harbour Clinic")
        page.get_by_label("MDR Portal Administrator Email").fill("it@example.com")
        page.get_by_label("MDR Complete Users").fill("40")
        page.get_by_role("button", name="Continue").first.click()
        page.get_by_role("radio", name=re.compile(r"^Network sensor\(s\)")).check()
        page.get_by_role("radio", name=re.compile(r"^NS-1000 Rack Sensor")).check()
        page.get_by_role("spinbutton", name="Additional NS-100 Desktop Sensor").fill("2")
        page.get_by_role("button", name="Continue").first.click()

        expect(page.get_by_role("heading", name="Shipping", exact=True)).to_be_visible()
        page.get_by_role("radio", name=re.compile("^A different address for each")).check()
        page.get_by_role("radio", name=re.compile("^A new address")).check()
        page.get_by_label("Recipient name").fill("Dana Brooks")
        page.get_by_label("Address line 1").fill("10 Water Street")
        page.get_by_label("City").fill("Halifax")
        page.get_by_label("Province / State").fill("NS")
        page.get_by_label("Postal code").fill("B3J 1A1")
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator("[data-address-entry]")).to_have_count(1)

        page.get_by_role("radio", name=re.compile("^Same as the previous appliance")).check()
        expect(page.get_by_label("Recipient name")).to_be_visible()  # shown, left empty
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator("[data-address-entry]")).to_have_count(2)
        page.get_by_role("radio", name=re.compile("^Our default address")).check()
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_text("Every appliance has an address.")).to_be_visible()
        page.get_by_role("button", name="Continue").first.click()
        expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
        expect(page.get_by_text("Halifax NS B3J 1A1")).to_have_count(2)
        expect(page.get_by_text("Toronto ON M5H 3T4")).to_have_count(1)
    finally:
        context.close()


def test_focus_goes_to_the_step_heading_or_the_error_summary(page, demo_data, login, shot):
    """After each step (htmx swap or full page) focus is on its heading, or on the errors."""
    _open_wizard(page, login)
    expect(page).to_have_title(re.compile(r"^Incident check · Onboard a customer"))
    # Continue without an answer: the error shows, and goes away once the question is answered.
    page.get_by_role("button", name="Continue").click()
    error = page.locator("[data-incident-error]")
    expect(error).to_have_text("Answer the incident question to continue.")
    expect(page).to_have_title(re.compile(r"^Error: Incident check"))
    # Waited for, as below: the page's scripts (now after the translation catalogue) move it.
    expect(page.locator("#wizard-error-summary")).to_be_focused()
    page.get_by_label("Yes", exact=True).check()
    expect(error).to_be_hidden()
    expect(page.locator("[data-error-summary]")).to_be_hidden()
    shot("1-incident-error-hidden-once-answered")

    page.get_by_label("No", exact=True).check()  # htmx reveals the details in place
    expect(page.get_by_label("Customer Legal Name")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Customer details · Onboard a customer"))
    expect(page.locator("#wizard-step-heading")).to_be_focused()
    assert re.search(r"/onboarding/\d+/[0-9a-f-]{36}/details/$", page.url), page.url

    page.get_by_label("Customer Legal Name").fill("Focus Dental")
    page.get_by_role("button", name="Continue").click()  # a full page, with errors
    expect(page.locator("#wizard-error-summary")).to_be_focused()
    expect(page.get_by_label("Customer Legal Name")).to_have_value("Focus Dental")
    shot("2-details-error-summary-focused")

    page.get_by_label("MDR Portal Administrator Email").fill("it@focus.example")
    page.get_by_label("MDR Complete Users").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Deployment solution")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Deployment solution · "))
    assert page.url.endswith("/deployment/")
    # A reload is a GET of the step's own address: no form is sent again, nothing is lost.
    page.reload()
    expect(page.get_by_role("heading", name="Deployment solution")).to_be_visible()
    expect(page.locator(".wizard-step.is-current")).to_contain_text("Deployment solution")


def test_two_tabs_onboard_two_customers_on_one_license(page, demo_data, login, shot):
    """Each New Customer is its own run: tab A's customer is not replaced by tab B's."""
    _open_wizard(page, login)
    _answer_no_and_fill_details(page, "Gamma Clinic", "12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Deployment solution")).to_be_visible()

    tab_b = page.context.new_page()
    tab_b.goto("/onboarding/")
    tab_b.get_by_role("link", name="Onboard a customer onto MDR Complete").click()
    _answer_no_and_fill_details(tab_b, "Delta Clinic", "14")
    tab_b.get_by_role("button", name="Continue").click()
    tab_b.get_by_role("radio", name=re.compile(r"^Fully virtual")).check()
    tab_b.get_by_label("Hosting region").select_option(label="United Kingdom / EU")
    tab_b.get_by_role("button", name="Continue").click()
    expect(tab_b.get_by_role("heading", name="Review and submit")).to_be_visible()

    page.get_by_role("radio", name=re.compile(r"^Fully virtual")).check()
    page.get_by_label("Hosting region").select_option(label="Australia")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Gamma Clinic")).to_be_visible()
    expect(page.get_by_text("Delta Clinic")).to_have_count(0)
    shot("1-tab-a-review")

    for tab in (tab_b, page):
        tab.get_by_label("I confirm that the information above is accurate.").check()
        tab.get_by_role("button", name="Submit").click()
        expect(tab.get_by_role("heading", name=re.compile(r" is onboarded$"))).to_be_visible()
    regions = dict(
        CustomerAccount.objects.filter(legal_name__in=["Gamma Clinic", "Delta Clinic"]).values_list(
            "legal_name", "hosting_region"
        )
    )
    assert regions == {"Gamma Clinic": "au", "Delta Clinic": "eu"}


def test_wizard_on_a_phone(page, demo_data, login, shot):
    """Step titles, the error summary and the per-appliance list at 360 px."""
    _open_wizard(page, login)
    page.set_viewport_size({"width": 360, "height": 780})
    shot("1-incident-phone")
    _answer_no_and_fill_details(page, "Narrow Screen Ltd", "40")
    page.get_by_label("MDR Portal Administrator Email").fill("")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#wizard-error-summary")).to_be_focused()
    shot("2-details-errors-phone")
    page.get_by_label("MDR Portal Administrator Email").fill("it@narrow.example")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio", name=re.compile(r"^Network sensor\(s\)")).check()
    page.get_by_role("radio", name=re.compile(r"^NS-1000 Rack Sensor")).check()
    page.get_by_role("spinbutton", name="Additional NS-100 Desktop Sensor").fill("1")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio", name=re.compile(r"^A custom address")).check()
    expect(page.locator("label[for=id_shipping-recipient] .asteriskField")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This field is required.", exact=True).first).to_be_visible()
    shot("3-shipping-required-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
