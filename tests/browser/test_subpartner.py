"""A sub-partner on a license shared with it, in Chromium: its figures, not the owner's terms."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from lmp.partners.models import Partner
from tests.factories import make_customer
from tests.helpers.axe import Audit
from tests.helpers.screens import BROKEN_FIGURES, PAGE_WIDER_THAN_SCREEN


def test_sub_partner_sees_its_figures_on_a_shared_license(page, demo_data, login, shot):
    license = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    contoso = Partner.objects.get(name="Contoso Secure IT")
    license.sub_partners.add(contoso)
    make_customer(license=license, partner=contoso, legal_name="Contoso Client", tier_users=45)
    license.refresh_from_db()

    login("other", "lmp-other-2026")
    page.goto("/licenses/")
    card = page.locator(".license-card", has_text="Shared by Northwind MSP")
    expect(card).to_contain_text(f"{license.unallocated:,}")
    expect(card).not_to_contain_text("Seat commitment")
    card.get_by_role("link", name="MDR Complete").click()
    expect(page.get_by_role("heading", name="MDR Complete")).to_be_visible()
    expect(page.locator('[data-metric="unallocated"]')).to_have_text(f"{license.unallocated:,}")
    expect(page.locator('[data-metric="managed-users"]')).to_have_text("45")
    for hidden in ("commitment", "allocated", "price", "monthly-total"):
        expect(page.locator(f'[data-metric="{hidden}"]')).to_have_count(0)
    expect(page.locator("tr.customer-row")).to_have_count(1)

    audit = Audit(page, shot)
    audit.check("Shared license page")
    page.goto("/licenses/")
    audit.check("License tab with a shared license")
    audit.assert_clean(at_least=2)

    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/licenses/", f"/licenses/{license.pk}/"):
        page.goto(path)
        assert page.evaluate(PAGE_WIDER_THAN_SCREEN) <= 0, path
        assert page.evaluate(BROKEN_FIGURES) == [], path
    shot(re.sub(r"\W+", "-", "shared license page phone"))
