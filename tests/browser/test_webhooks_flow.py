"""An Administrator adds a webhook endpoint, sends a test event and sees its delivery listed; axe
checks every webhooks page on the way (as tests/browser/test_axe.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_axe import Audit
from tests.webhook_receiver import ReceiverServer


def test_add_an_endpoint_and_see_the_test_delivery(page, demo_data, login, shot):
    audit = Audit(page, shot)
    login("partner", "lmp-demo-2026")
    page.goto("/team/")
    page.get_by_role("link", name="Webhook endpoints").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    audit.check("Webhooks: no endpoint")

    page.get_by_role("link", name="Add endpoint").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Choose at least one event.")).to_be_visible()
    audit.check("Add webhook endpoint: errors")

    with ReceiverServer() as receiver:
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our PSA")
        page.get_by_label("Customer onboarded").check()
        page.get_by_label("Allocation changed").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Endpoint added.")).to_be_visible()
        expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
        audit.check("Webhook endpoint: added")

        page.get_by_role("button", name="Send test event").click()
        row = page.locator("#webhook-deliveries tbody tr").first
        expect(row).to_contain_text("ping")
        expect(row).to_contain_text("Succeeded")
        expect(row).to_contain_text("200")
        audit.check("Webhook endpoint: a delivery")
        assert len(receiver.requests) == 1
        assert receiver.requests[0].headers["webhook-id"] in row.inner_text()

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Allocation changed")).to_be_checked()
    audit.check("Edit webhook endpoint")
    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete this webhook endpoint?")).to_be_visible()
    audit.check("Delete webhook endpoint")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No webhook endpoints yet.")).to_be_visible()
    audit.assert_clean(at_least=6)
