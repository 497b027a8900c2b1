"""The seat forecast's card on the demo's license page, in Chromium (a screenshot for a person)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from playwright.sync_api import expect

from licenses.models import AllocationEvent, VolumeLicense


def test_the_license_page_shows_the_forecast_under_the_dashboard(page, demo_data, login, shot):
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="MDR Complete").click()
    card = page.locator("[data-forecast]")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="Seat forecast")).to_be_visible()
    # Right after the key metrics, before the rest of the page.
    assert page.locator("section[aria-label='Key metrics'] + section[data-forecast]").count() == 1
    shot("license-page-forecast")
    # The demo's history, moved 100 days back: nothing changed in the last 90 days.
    license = VolumeLicense.objects.get(partner__name__startswith="Northwind", tier="complete")
    AllocationEvent.objects.filter(license__partner=license.partner).update(
        at=F("at") - dt.timedelta(days=100)
    )
    page.reload()
    expect(page.locator('[data-forecast="not_running_out"]')).to_contain_text(
        "At this pace (no change in 90 days), MDR Complete's unallocated users are not running out."
    )
    shot("license-page-forecast-flat")
