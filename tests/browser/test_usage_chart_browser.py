"""The usage chart in a real browser: legible on a desktop and at 375 px, printable, its table
opens without JavaScript's help, and axe finds nothing serious with the table open.

The demo's MDR Complete history is moved back over two years first (its license created 700
days ago, its customers onboarded months apart, each growing later, a purchase 200 days ago), so
the chart has something to draw.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from licenses.choices import SEAT_COMMITMENT_LABEL, AllocationEventKind, what_key
from licenses.models import AllocationEvent, VolumeLicense
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


def two_years_of_history(license: VolumeLicense) -> None:
    now = timezone.now()
    days = dt.timedelta(days=1)
    own = AllocationEvent.objects.filter(license=license, customer__isnull=True)
    own.update(at=now - 700 * days)
    commitment = own.get(what=what_key(SEAT_COMMITMENT_LABEL))
    final, commitment.to_value = commitment.to_value, commitment.to_value * 3 // 4
    commitment.save()
    AllocationEvent.objects.create(
        license=license,
        kind=AllocationEventKind.COMMITMENT_CHANGED,
        what=what_key(SEAT_COMMITMENT_LABEL),
        from_value=commitment.to_value,
        to_value=final,
        at=now - 200 * days,
    )
    for number, customer in enumerate(license.customers.order_by("pk")):
        onboarded = now - (620 - 170 * number) * days
        customer.events.filter(kind=AllocationEventKind.ONBOARDED).update(at=onboarded)
        users = customer.events.filter(
            kind=AllocationEventKind.ONBOARDED,
            license=license,
            what=what_key(license.users_label),
            to_value__gt=1,
        ).first()
        if users is not None:
            full, users.to_value = users.to_value, users.to_value // 2
            users.save()
            AllocationEvent.objects.create(
                license=license,
                customer=customer,
                kind=AllocationEventKind.EDITED,
                what=users.what,
                from_value=users.to_value,
                to_value=full,
                at=onboarded + 150 * days,
            )


def chart_shot(page, name: str) -> None:
    """The chart's card alone, beside the full pages ``shot`` saves (LMP_SCREENSHOT_DIR)."""
    if folder := os.environ.get("LMP_SCREENSHOT_DIR"):
        page.locator(".usage-card").screenshot(path=str(Path(folder) / f"{name}-card.png"))


def test_the_usage_chart_reads_on_a_desktop_a_phone_and_paper(page, demo_data, login, shot):
    license = VolumeLicense.objects.get(partner__name="Northwind MSP", tier="complete")
    two_years_of_history(license)
    audit = Audit(page, shot)
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="MDR Complete").click()
    chart = page.locator("svg.usage-chart")
    expect(chart).to_be_visible()
    expect(
        page.get_by_role(
            "img", name=re.compile("^MDR Complete: allocated users and seat commitment")
        )
    ).to_be_visible()
    label = page.locator(".chart-x-label:not(.chart-minor) tspan").first
    # Desktop: labels between 10 and 20 px tall on screen, every quarter's month shown.
    assert 10 <= label.bounding_box()["height"] <= 22
    expect(page.locator(".chart-x-label.chart-minor").first).to_be_visible()
    shot("usage-desktop")
    chart_shot(page, "usage-desktop")

    page.get_by_text("The figures, month by month").click()
    expect(page.locator(".usage-table tbody tr")).to_have_count(24)
    audit.check("License page: usage table open")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(chart).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = chart.bounding_box()
    assert box["width"] <= 375 and box["height"] >= 140
    assert label.bounding_box()["height"] >= 10  # drawn larger to stay legible when shrunk
    expect(page.locator(".chart-x-label.chart-minor").first).to_be_hidden()
    shot("usage-375")
    chart_shot(page, "usage-375")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.emulate_media(media="print")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 300
    shot("usage-print")
    chart_shot(page, "usage-print")

    # A customer's history: its users per pool, from its onboarding on.
    page.emulate_media(media="screen")
    maple = license.customers.get(legal_name="Maple Leaf Dental Group")
    page.goto(reverse("licenses:customer_history", args=[license.pk, maple.pk]))
    expect(
        page.get_by_role("img", name=re.compile("^Maple Leaf Dental Group: users per pool"))
    ).to_be_visible()
    audit.check("Customer history: usage chart")
    shot("usage-customer")
    chart_shot(page, "usage-customer")
    audit.assert_clean(at_least=2)
