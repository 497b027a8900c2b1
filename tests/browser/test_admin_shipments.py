"""Django admin's Shipments list, where vendor staff type carriers and tracking numbers, on a
1366 px laptop screen: every column stays left of the filter panel and the tracking number field
shows a whole tracking number."""

from __future__ import annotations

from playwright.sync_api import expect

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from shipping.models import Appliance
from tests.factories_onboarding import sensor_orders, submit_order

# A UPS number is 18 characters, FedEx's longest 22, a Purolator PIN 12; the longest is typed.
LONG_TRACKING = "1234567890123456789012"


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def test_shipments_changelist_fits_beside_the_filter_panel(page, demo_data, login, shot):
    width = 1366
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    rack = Appliance.objects.get(name="NS-1000 Rack Sensor")
    desktop = Appliance.objects.get(name="NS-100 Desktop Sensor")
    submit_order(
        license=complete,
        legal_name="Lakeshore Physiotherapy and Sports Medicine Clinics Inc.",
        appliances=sensor_orders(rack, desktop, desktop),
    )
    page.set_viewport_size({"width": width, "height": 900})
    login("staff", "lmp-staff-2026")
    page.goto("/admin/onboarding/shipment/")
    expect(page.locator("#result_list")).to_be_visible()
    tracking = page.locator("#result_list input[name$='-tracking_number']").first
    tracking.fill(LONG_TRACKING)
    shot(f"admin-shipments-{width}")

    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls"
    # Django scrolls a table wider than its box inside the box: columns past its right edge are
    # out of sight, and the box ends where the filter panel begins.
    results = page.locator("#changelist-form .results")
    hidden = results.evaluate("el => el.scrollWidth - el.clientWidth")
    assert hidden <= 0, f"{hidden} px of the table are out of sight, under the filter panel"
    filters = _box(page.locator("#changelist-filter"))
    visible = _box(results)
    right = min(filters["x"], visible["x"] + visible["width"])
    for name, field in {
        "carrier": page.locator("#result_list select[name$='-carrier']").first,
        "tracking number": tracking,
    }.items():
        box = _box(field)
        assert visible["x"] <= box["x"] and box["x"] + box["width"] <= right, (
            f"the {name} field spans {box['x']:.0f}–{box['x'] + box['width']:.0f} px; "
            f"the table shows {visible['x']:.0f}–{right:.0f} px"
        )
    # The whole tracking number shows in its field: nothing scrolled out of sight.
    cut = tracking.evaluate("el => el.scrollWidth - el.clientWidth")
    assert cut <= 0, f"the tracking number field hides {cut} px of {LONG_TRACKING}"
