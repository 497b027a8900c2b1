"""A partner works its Complete license in Chromium: dashboard, search, edit, offboard, export."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect


@pytest.fixture
def errors(page):
    """JavaScript errors on the page (a blocked inline script would show up here too)."""
    seen: list[str] = []
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@pytest.fixture
def complete_page(page, demo_data, login, errors):
    """Signed in as the demo partner, on the MDR Complete license page via the License tab."""
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()
    expect(page.get_by_role("heading", name="MDR Complete")).to_be_visible()
    return page


def metric(page, name: str):
    return page.locator(f'[data-metric="{name}"]')


def rows(page):
    return page.locator("#customer-table tbody tr.customer-row")


def test_license_tab_dashboard_search_and_sort(page, demo_data, login, shot, errors):
    login("partner", "lmp-demo-2026")
    expect(page.get_by_role("heading", name="Licenses")).to_be_visible()
    cards = page.locator(".license-card")
    expect(cards).to_have_count(3)
    expect(cards.filter(has_text="MDR Complete")).to_contain_text("1,790")
    shot("license-tab")

    cards.filter(has_text="MDR Complete").get_by_role("link", name="MDR Complete").click()
    expect(page).to_have_url(re.compile(r"/licenses/\d+/$"))
    expect(metric(page, "commitment")).to_have_text("1,990")
    expect(metric(page, "allocated")).to_have_text("200")
    expect(metric(page, "unallocated")).to_have_text("1,790")
    expect(metric(page, "customers")).to_have_text("2")
    expect(page.get_by_text(re.compile(r"renews in \d+ days"))).to_be_visible()
    expect(rows(page)).to_have_count(2)
    shot("license-page")

    # Search as you type: the table narrows without loading a new page, and the URL follows.
    page.evaluate("window.lmpSamePage = true")
    page.get_by_label("Search customers").press_sequentially("harbour", delay=30)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Harbourfront Logistics Inc.")
    expect(page).to_have_url(re.compile(r"q=harbour"))
    assert page.evaluate("window.lmpSamePage") is True
    # Announced to screen readers by the polite live region beside the table.
    expect(page.locator("#customer-results[aria-live=polite]")).to_have_text("1 customer found")
    shot("search")

    page.get_by_label("Search customers").fill("")
    expect(rows(page)).to_have_count(2)
    # Sorting by a header also swaps only the table.
    page.get_by_role("link", name="Beauceron SAT Users").click()
    expect(page).to_have_url(re.compile(r"sort=sat_users"))
    expect(rows(page).first).to_contain_text("Harbourfront")
    page.get_by_role("link", name="Beauceron SAT Users").click()
    expect(page).to_have_url(re.compile(r"sort=-sat_users"))
    expect(rows(page).first).to_contain_text("Maple Leaf")
    # Searching keeps the chosen sort.
    page.get_by_label("Search customers").press_sequentially("example", delay=20)
    expect(page).to_have_url(re.compile(r"(?=.*q=example)(?=.*sort=-sat_users)"))
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first).to_contain_text("Maple Leaf")
    assert page.evaluate("window.lmpSamePage") is True
    assert errors == []


def test_edit_shows_remaining_users_live_then_submits(complete_page, shot, errors):
    page = complete_page
    page.get_by_role("button", name="Actions for Maple Leaf Dental Group").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Edit customer")).to_be_visible()

    complete_left = page.locator("[data-seats-pool]").filter(has_text="MDR Complete remaining")
    cloud_left = page.locator("[data-seats-pool]").filter(has_text="MDR Cloud remaining")
    expect(complete_left.locator("[data-seats-remaining]")).to_have_text("1,790")
    expect(cloud_left.locator("[data-seats-remaining]")).to_have_text("365")

    page.get_by_label("MDR Complete Users").fill("150")
    page.get_by_label("MDR Cloud Users").fill("15")
    # The counters move before anything is submitted.
    expect(complete_left.locator("[data-seats-remaining]")).to_have_text("1,740")
    expect(cloud_left.locator("[data-seats-remaining]")).to_have_text("350")
    page.get_by_label("MDR Complete Users").fill("2000")
    expect(complete_left.locator("[data-seats-remaining]")).to_have_text("-110")
    expect(complete_left).to_have_class(re.compile(r"is-over"))
    page.get_by_label("MDR Complete Users").fill("150")
    expect(complete_left).not_to_have_class(re.compile(r"is-over"))
    # SAT users above the tier users are marked as they are typed (the policy's SAT rule).
    sat = page.get_by_label("Beauceron SAT Users")
    held = sat.input_value()
    sat.fill("151")
    expect(sat).to_have_class(re.compile(r"is-over-pool"))
    sat.fill(held)
    expect(sat).not_to_have_class(re.compile(r"is-over-pool"))
    shot("edit")

    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(r"/licenses/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "MDR Complete Users 100 → 150; MDR Cloud Users 0 → 15"
    )
    expect(metric(page, "allocated")).to_have_text("250")
    expect(metric(page, "unallocated")).to_have_text("1,740")
    maple = rows(page).filter(has_text="Maple Leaf Dental Group")
    expect(maple.locator("td").nth(1)).to_have_text("150")
    expect(maple.locator("td").nth(2)).to_have_text("15")
    shot("after-edit")
    assert errors == []


def test_edit_error_keeps_what_was_typed(complete_page, shot):
    page = complete_page
    page.get_by_role("button", name="Actions for Maple Leaf Dental Group").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Customer Legal Name").fill("harbourfront logistics inc.")
    page.get_by_label("MDR Complete Users").fill("120")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("already exists")
    expect(page.get_by_label("Customer Legal Name")).to_have_value("harbourfront logistics inc.")
    expect(page.get_by_label("MDR Complete Users")).to_have_value("120")
    shot("edit-error")


def test_offboard_then_export(complete_page, shot, errors, tmp_path):
    page = complete_page
    page.get_by_role("button", name="Actions for Harbourfront Logistics Inc.").click()
    page.get_by_role("link", name="Offboard").click()
    returning = "100 MDR Complete users return to the MDR Complete pool"
    expect(page.get_by_text(returning)).to_be_visible()
    shot("offboard")
    page.get_by_role("button", name="Offboard").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Harbourfront Logistics Inc. was offboarded."
    )
    expect(metric(page, "unallocated")).to_have_text("1,890")
    expect(rows(page)).to_have_count(1)
    page.get_by_label("Status").select_option("offboarded")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Harbourfront Logistics Inc.")
    expect(rows(page).first).to_contain_text("Offboarded")
    shot("offboarded-filter")

    page.get_by_label("Status").select_option("")
    expect(rows(page)).to_have_count(2)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export to Excel").click()
    download = info.value
    assert re.fullmatch(
        r"lmp-northwind-msp-complete-customers-all-\d{4}-\d{2}-\d{2}\.xlsx",
        download.suggested_filename,
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    ws = load_workbook(path).active
    assert ws["A1"].value == "Northwind MSP — MDR Complete license"
    names = [r[0] for r in ws.iter_rows(min_row=5, values_only=True)]
    assert names == [
        "Harbourfront Logistics Inc.",
        "Maple Leaf Dental Group",
        "Total (2 customers)",
    ]
    maple = next(ws.iter_rows(min_row=6, max_row=6, values_only=True))
    assert maple[1:4] == (100, 0, 60)
    assert errors == []


def test_an_invalid_filter_says_so_beside_the_filter(complete_page, shot, errors):
    page = complete_page
    page.goto(page.url + "?status=zzz")
    message = page.locator("#customer-filter-errors")
    expect(message).to_contain_text("“zzz” is not a status")
    expect(page.get_by_label("Status")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#customer-table")).to_contain_text("The filter is not valid")
    expect(page.locator("#customer-table")).not_to_contain_text("No customers on this license")
    shot("invalid-filter")
    # Picking a status from the list refreshes the table and clears the message.
    page.get_by_label("Status").select_option("active")
    expect(rows(page)).to_have_count(2)
    expect(message).to_be_hidden()
    expect(page.get_by_label("Status")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#customer-results")).to_have_text("2 customers found")
    assert errors == []
