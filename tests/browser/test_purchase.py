"""An Administrator buys 50 seats in Chromium: the totals follow the typing, then the reference."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_an_administrator_buys_50_seats(page, demo_data, login, shot):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Billing").click()
    page.get_by_role("link", name="Buy additional users").click()
    expect(page.get_by_role("heading", name="Buy additional users")).to_be_visible()

    page.get_by_label("Tier").select_option("complete")
    summary = page.locator("[data-purchase-summary]")
    expect(summary.locator("[data-purchase-price]")).to_have_text("$14.50 CAD")
    expect(summary.locator("[data-purchase-added]")).to_have_text("—")
    page.get_by_label("Additional users").press_sequentially("50", delay=40)
    # Updated as the user types, before anything is submitted.
    expect(summary.locator("[data-purchase-added]")).to_have_text("$725.00 CAD")
    expect(summary.locator("[data-purchase-new-commitment]")).to_have_text("2,040")
    expect(summary.locator("[data-purchase-new-total]")).to_have_text("$29,580.00 CAD")
    shot("purchase-typed")

    # Without the terms: refused next to the box, the 50 kept.
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Tick the box to agree to the purchase terms.")).to_be_visible()
    expect(page.get_by_label("Additional users")).to_have_value("50")
    expect(summary.locator("[data-purchase-added]")).to_have_text("$725.00 CAD")

    page.get_by_label(re.compile("I agree to the purchase terms")).check()
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/billing/purchases/LMP-\d{4}-\d{6}/$"))
    reference = re.search(r"LMP-\d{4}-\d{6}", page.url)[0]
    expect(page.locator("[data-purchase-reference]")).to_contain_text(reference)
    expect(page.locator("[data-purchase-commitment]")).to_have_text("1,990 → 2,040")
    shot("purchase-confirmation")

    page.get_by_role("link", name="Open the license").click()
    expect(page.locator('[data-metric="commitment"]')).to_have_text("2,040")
    expect(page.locator('[data-metric="unallocated"]')).to_have_text("1,840")
    assert errors == []


def test_purchase_and_alert_pages_have_no_serious_axe_violations(page, demo_data, login, shot):
    from tests.helpers.axe import Audit

    audit = Audit(page, shot)
    login("partner", "lmp-demo-2026")
    page.goto("/billing/purchase/")
    page.get_by_label("Additional users").fill("0")
    audit.check("Purchase page")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Additional users must be at least 1.")).to_be_visible()
    audit.check("Purchase page: errors")
    page.get_by_label("Additional users").fill("25")
    page.get_by_label(re.compile("I agree to the purchase terms")).check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("[data-purchase-reference]")).to_be_visible()
    audit.check("Purchase confirmation")
    page.get_by_role("link", name="Back to Billing").click()
    audit.check("Billing with a purchase")
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()
    page.get_by_label("Alert me when unallocated falls below").fill("5000")
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-alert="low_seats"]')).to_be_visible()
    audit.check("License page: low-seats banner")
    page.goto(page.url + "threshold/")
    page.get_by_label("Unit").select_option("percent")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("A percentage is at most 100.")).to_be_visible()
    audit.check("Threshold page: error")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Licenses").click()
    expect(page.locator('[data-alert="low_seats"]')).to_be_visible()
    audit.check("License tab: banner")
    audit.assert_clean(at_least=7)


def test_the_live_totals_in_french(page, demo_data, login, live_server, shot):
    """The same totals as a French reader's page writes them (the JavaScript catalogue's sign and
    separators, as lmp.core.l10n.money on the server)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login("partner", "lmp-demo-2026")  # in English (the login helper reads English labels)
    page.context.add_cookies([{"name": "lmp_language", "value": "fr-ca", "url": live_server.url}])
    page.goto("/billing/purchase/")
    expect(page.locator("html")).to_have_attribute("lang", "fr-ca")
    page.get_by_label("Niveau de service").select_option("complete")
    summary = page.locator("[data-purchase-summary]")
    expect(summary.locator("[data-purchase-price]")).to_have_text("14,50\u00a0$\u00a0CAD")
    page.get_by_label("Utilisateurs supplémentaires").press_sequentially("50", delay=40)
    expect(summary.locator("[data-purchase-added]")).to_have_text("725,00\u00a0$\u00a0CAD")
    expect(summary.locator("[data-purchase-new-commitment]")).to_have_text("2\u202f040")
    expect(summary.locator("[data-purchase-new-total]")).to_have_text(
        "29\u202f580,00\u00a0$\u00a0CAD"
    )
    shot("purchase-typed-fr")
    assert errors == []
