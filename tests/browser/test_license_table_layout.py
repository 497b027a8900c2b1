"""The license page's customer rows at a laptop's and a phone's width: the administrator's
e-mail is shown whole at 1366 px (it was cut to "adm…"), and each row's actions are on screen at
375 px (they were past the right edge, in the table's own scroll box)."""

from __future__ import annotations

import pytest

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense

# Each row's e-mail line: its text and whether the box cuts it (its text is wider than it).
CUT_EMAILS = """() => [...document.querySelectorAll('tr.customer-row .customer-meta')]
    .filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => el.textContent.trim())"""

# Each row's actions button that is not wholly inside the screen's width.
ACTIONS_OFF_SCREEN = """() => [...document.querySelectorAll('tr.customer-row .actions-toggle')]
    .filter(el => {
        const box = el.getBoundingClientRect();
        return box.left < 0 || box.right > window.innerWidth;
    })
    .map(el => el.getAttribute('aria-label'))"""

LONG_EMAIL = "administrator.security@harbourfront-logistics.example"


def open_license_page(page, login) -> None:
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    # An address as long as real ones are, on a customer with a web site.
    customer = (
        CustomerAccount.objects.filter(license=complete, status="active")
        .exclude(website="")
        .order_by("legal_name")
        .first()
    )
    customer.admin_email = LONG_EMAIL
    customer.save(update_fields=["admin_email"])
    login("partner", "lmp-demo-2026")
    page.goto(f"/licenses/{complete.pk}/")


def test_the_administrator_email_is_shown_whole_at_1366(page, demo_data, login, shot):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_license_page(page, login)
    assert page.locator("tr.customer-row").count() >= 2
    shot("license-page-1366")
    assert page.get_by_text(LONG_EMAIL, exact=False).first.is_visible()
    assert page.evaluate(CUT_EMAILS) == []
    # And the page itself does not scroll sideways for it.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("width", [375, 1366])
def test_each_rows_actions_are_on_screen(page, demo_data, login, shot, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_license_page(page, login)
    shot(f"license-page-{width}")
    assert page.locator("tr.customer-row .actions-toggle").count() >= 2
    assert page.evaluate(ACTIONS_OFF_SCREEN) == []
    # Reachable: the first row's menu opens, with its links on screen too.
    page.locator("tr.customer-row .actions-toggle").first.click()
    menu = page.locator(".dropdown-menu.show")
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate(CUT_EMAILS) == [] or width < 1366
