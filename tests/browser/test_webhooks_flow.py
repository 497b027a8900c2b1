"""An Administrator adds a webhook endpoint, sends a test event and sees its delivery listed; axe
checks every webhooks page on the way (as tests/browser/test_axe.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from lmp.partners.models import Partner
from lmp.webhooks import services
from tests.helpers.axe import Audit
from tests.helpers.mail import run_outbox
from tests.helpers.webhook_receiver import ReceiverServer

User = get_user_model()


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


@pytest.mark.outbox_worker
def test_the_deliveries_list_follows_a_pending_delivery_without_a_reload(
    page, demo_data, login, shot
):
    """Send test event with a real worker behind: the list shows the delivery queued, then, once
    the worker has posted it, succeeded, with no reload; then it stops asking."""
    partner = User.objects.get(username="partner")
    with ReceiverServer() as receiver:
        endpoint = services.endpoint_create(
            actor=partner,
            partner=Partner.objects.get(name="Northwind MSP"),
            url=receiver.url,
            event_types=["customer.onboarded"],
        )
        login("partner", "lmp-demo-2026")
        detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
        page.goto(detail)
        page.get_by_role("button", name="Send test event").click()
        row = page.locator("#webhook-deliveries tbody tr").first
        expect(row).to_contain_text("ping")
        expect(row).to_contain_text("Queued")
        shot("delivery-queued")
        page.evaluate("window.lmpSamePage = true")  # gone if the page reloads

        run_outbox()  # the worker posts it, as `manage.py worker` would (in-process here)
        assert len(receiver.requests) == 1
        expect(row).to_contain_text("Succeeded", timeout=15_000)
        expect(row).to_contain_text("200")
        assert page.evaluate("window.lmpSamePage === true"), "the page was reloaded"
        shot("delivery-succeeded")

    # Nothing is pending any more: the page stops asking for the list.
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if detail in r.url else None)
    page.wait_for_timeout(6_000)
    assert asked == []

    # The endpoint page with its delivery fits a phone.
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    expect(row).to_contain_text("Succeeded")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("endpoint-375")
