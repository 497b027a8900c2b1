"""Billing → Statements in a browser, as Bank Details Only: the list, a statement, its search and
its download; axe on each state (and the Nu HTML Checker, test_html_valid.py, on the same)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lmp.partners.models import Partner
from tests.factories_billing import statement_build
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


def test_bank_details_only_reads_a_statement(page, demo_data, login, shot):
    northwind = Partner.objects.get(name="Northwind MSP")
    names = ["Lakeshore Vet Clinic", "=Formula Ltd", "Rideau Accounting"]
    statement_build(partner=northwind, names=names)
    audit = Audit(page, shot)
    login("billing", "lmp-demo-2026")
    page.get_by_role("link", name="Statements").click()
    expect(page.get_by_role("heading", name="Statements", exact=True)).to_be_visible()
    audit.check("Statements")
    shot("statements-list")

    page.get_by_role("link", name="November 2026", exact=True).click()
    expect(page.get_by_role("heading", name="Statement of November 2026")).to_be_visible()
    expect(page.get_by_text("Each of your licenses is billed")).to_be_visible()
    audit.check("Statement")
    shot("statement-detail")

    page.get_by_label("Search legal name").press_sequentially("rideau", delay=20)
    expect(page.locator("tr[data-line]")).to_have_count(1)
    audit.check("Statement: search results")
    page.get_by_label("Search legal name").fill("zzz-nobody")
    expect(page.get_by_text("No lines match")).to_be_visible()
    audit.check("Statement: no search results")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "lmp-northwind-msp-statement-2026-11.csv"
    audit.assert_clean(at_least=4)
