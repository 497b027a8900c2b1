"""A partner reads the history of its MDR Complete license and of one customer in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def errors(page):
    """JavaScript errors and console errors (a script or style the CSP blocks shows up here)."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("console", lambda msg: seen.append(msg.text) if msg.type == "error" else None)
    return seen


def history_rows(page):
    return page.locator("#history-table tbody tr.history-row")


def test_edit_then_read_the_license_and_customer_history(page, demo_data, login, shot, errors):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()

    # An edit in the portal, to find in the history.
    page.get_by_role("button", name="Actions for Maple Leaf Dental Group").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("MDR Complete Users").fill("150")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("MDR Complete Users 100 → 150")

    page.get_by_role("link", name="History", exact=True).click()
    expect(page).to_have_url(re.compile(r"/licenses/\d+/history/$"))
    expect(page.get_by_role("heading", name="MDR Complete history")).to_be_visible()
    # Newest first: the edit, then the demo data's onboarding (each customer's legal name and
    # users) and the license's terms (commitment, price, renewal date).
    expect(history_rows(page)).to_have_count(9)
    first = history_rows(page).first
    expect(first).to_contain_text("Maple Leaf Dental Group")
    expect(first).to_contain_text("MDR Complete Users")
    expect(first).to_contain_text("+50")
    expect(first).to_contain_text("Edited")
    expect(first).to_contain_text("partner")
    expect(history_rows(page).last).to_contain_text("Seat commitment")
    shot("license-history")

    # Filters refresh only the table, and the URL follows.
    page.evaluate("window.lmpSamePage = true")
    page.get_by_label("Action").select_option("edited")
    expect(history_rows(page)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"kind=edited"))
    page.get_by_label("Action").select_option("")
    page.get_by_label("Search customers").press_sequentially("harbour", delay=20)
    expect(history_rows(page)).to_have_count(2)  # its onboarding: legal name and users
    expect(history_rows(page).first).to_contain_text("Harbourfront Logistics Inc.")
    page.get_by_label("Search customers").fill("zzz")
    expect(page.get_by_text("No changes match these filters.")).to_be_visible()
    assert page.evaluate("window.lmpSamePage") is True
    shot("license-history-empty")
    page.get_by_role("link", name="Clear filters").first.click()
    expect(history_rows(page)).to_have_count(9)

    # Sorting by a header swaps the table too.
    page.get_by_role("link", name="By").click()
    expect(page).to_have_url(re.compile(r"sort=actor"))
    expect(history_rows(page).first).to_contain_text("partner")

    history_rows(page).first.get_by_role("link", name="Maple Leaf Dental Group").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/history/$"))
    expect(page.get_by_role("heading", name="Maple Leaf Dental Group")).to_be_visible()
    expect(page.locator('[data-metric="tier-users"]')).to_have_text("150")
    # The edit, then its onboarding: legal name, MDR Complete and Beauceron SAT users.
    expect(history_rows(page)).to_have_count(4)
    shot("customer-history")
    assert errors == []


def test_row_dropdown_opens_an_offboarded_customers_history(page, demo_data, login, shot, errors):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()
    page.get_by_role("button", name="Actions for Harbourfront Logistics Inc.").click()
    page.get_by_role("link", name="Offboard").click()
    page.get_by_role("button", name="Offboard").click()
    page.get_by_label("Status").select_option("offboarded")
    page.get_by_role("button", name="Actions for Harbourfront Logistics Inc.").click()
    page.get_by_role("link", name="History").last.click()
    expect(page.get_by_role("heading", name="Harbourfront Logistics Inc.")).to_be_visible()
    # Offboarding (status, users returned), then the onboarding (legal name, users).
    expect(history_rows(page)).to_have_count(4)
    expect(history_rows(page).first).to_contain_text("Offboarded")
    expect(history_rows(page).first).to_contain_text("−100")
    shot("offboarded-customer-history")
    assert errors == []


def test_the_filters_have_a_visible_apply_button_that_works_without_javascript(
    page, browser, live_server, demo_data, login
):
    """WCAG 3.2.2: a visible submit button, so a change of filter is not the only way to apply
    it; without JavaScript (no htmx) the button submits the form as a plain GET."""
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()
    page.get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    history = page.url

    context = browser.new_context(
        base_url=live_server.url,
        storage_state=page.context.storage_state(),
        java_script_enabled=False,
    )
    try:
        plain = context.new_page()
        plain.goto(history)
        expect(history_rows(plain)).to_have_count(8)
        plain.get_by_label("Search customers").fill("harbour")
        plain.get_by_role("button", name="Apply filters").click()
        expect(plain).to_have_url(re.compile(r"q=harbour"))
        expect(history_rows(plain)).to_have_count(2)
        expect(history_rows(plain).first).to_contain_text("Harbourfront Logistics Inc.")
    finally:
        context.close()
