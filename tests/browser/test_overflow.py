"""Pages that scrolled sideways: a long unbroken legal name (bug 10) and the Onboarding tab once
its orders have tracking numbers (bug 9). Wide tables scroll in their own box; the page must not."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from onboarding import services as onboarding_services
from onboarding.models import Shipment
from shipping.models import Appliance
from tests.factories_onboarding import sensor_orders, submit_order

PAGE_WIDTH = "document.documentElement.scrollWidth"
# 120 characters without a space or hyphen (a name pasted from a system that joins words).
LONG_NAME = "Northwind" + "X" * 100 + "Holdings.ca"
LONG_ORDER_NAME = "Northwind" + "Y" * 102 + "Clinic.ca"


def _wide_pages(page, paths: list[str], shot) -> dict[str, int]:
    wide = {}
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        width, viewport = page.evaluate(PAGE_WIDTH), page.evaluate("window.innerWidth")
        if width > viewport:
            wide[path] = width
            shot(re.sub(r"\W+", "-", path).strip("-") + f"-{viewport}")
    return wide


@pytest.mark.parametrize("width", [1366, 375])
def test_a_long_unbroken_legal_name_does_not_widen_the_pages(page, demo_data, login, shot, width):
    assert len(LONG_NAME) == len(LONG_ORDER_NAME) == 120
    CustomerAccount.objects.filter(legal_name="Maple Leaf Dental Group").update(
        legal_name=LONG_NAME
    )
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    submit_order(license=complete, legal_name=LONG_ORDER_NAME)
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Customer Onboarding").click()
    order_paths = [
        page.evaluate("location.pathname"),
        page.get_by_role("link", name=LONG_ORDER_NAME).get_attribute("href"),
    ]
    page.get_by_role("link", name="Licenses").click()
    page.get_by_role("link", name="MDR Complete").click()
    license_path = page.evaluate("location.pathname")
    page.get_by_role("button", name=f"Actions for {LONG_NAME}").click()
    menu = page.locator(".dropdown-menu.show").get_by_role("link")
    customer_paths = menu.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(customer_paths) == 3, customer_paths  # Edit, History, Offboard
    paths = [license_path, f"{license_path}?q=Northwind", f"{license_path}history/"]
    paths += customer_paths + order_paths

    page.set_viewport_size({"width": width, "height": 900})
    wide = _wide_pages(page, paths, shot)
    assert wide == {}, f"pages wider than the {width} px window (their width in px): {wide}"
    # The name is still all there, on the Edit page's heading line and its breadcrumb.
    page.goto(customer_paths[0])
    expect(page.locator(".breadcrumb-item.active")).to_have_text(LONG_NAME)
    shot(f"edit-long-name-{width}")


def test_onboarding_tab_with_tracking_numbers_fits_a_phone(page, demo_data, login, shot):
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    rack = Appliance.objects.get(name="NS-1000 Rack Sensor")
    desktop = Appliance.objects.get(name="NS-100 Desktop Sensor")
    order = submit_order(license=complete, appliances=sensor_orders(rack, desktop, desktop)).request
    for number, shipment in enumerate(Shipment.objects.filter(onboarding_request=order)):
        onboarding_services.shipment_tracking_set(
            shipment=shipment, carrier="canada_post", tracking_number=f"1Z999AA1012345678{number}"
        )
        onboarding_services.shipment_mark_shipped(shipment=shipment)

    login("partner", "lmp-demo-2026")
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Customer Onboarding").click()
    expect(page.get_by_text("1Z999AA10123456780")).to_be_attached()
    wide = _wide_pages(page, [page.evaluate("location.pathname")], shot)
    shot("onboarding-tab-375")
    assert wide == {}, f"the Onboarding tab is wider than a 375 px phone: {wide}"
