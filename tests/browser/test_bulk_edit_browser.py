"""Bulk edit in the browser: download the workbook, change it, upload, preview, apply; axe and
the Nu HTML Checker (through ``Audit``) on each state."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from licenses.models import CustomerAccount
from tests.helpers.axe import Audit


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


def test_bulk_edit_from_download_to_apply(page, demo_data, login, audit, tmp_path):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="MDR Complete").click()
    page.get_by_role("link", name="Bulk edit").click()
    expect(page.get_by_role("heading", name="Bulk edit")).to_be_visible()
    audit.check("Bulk edit")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the workbook").click()
    path = tmp_path / "bulk.xlsx"
    download.value.save_as(path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    name = ws["B5"].value
    ws["C5"] = ws["C5"].value + 1
    ws["C6"], ws["E6"] = 1, 5  # more SAT users than tier users: refused
    wb.save(path)

    page.get_by_label("Workbook (.xlsx)").set_input_files(path)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.get_by_text("Row 6: Beauceron SAT users cannot be more than")).to_be_visible()
    expect(page.get_by_role("button", name="Apply")).to_have_count(0)
    audit.check("Bulk edit: preview with refusals")

    ws["C6"], ws["E6"] = 40, 0  # fixed: both rows now change
    wb.save(path)
    page.get_by_label("Workbook (.xlsx)").set_input_files(path)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("[data-changes]")).to_be_visible()
    audit.check("Bulk edit: preview")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_contain_text("Bulk edit applied: 2 customers changed.")
    assert CustomerAccount.objects.filter(legal_name=name).exists()
    audit.assert_clean(at_least=3)
