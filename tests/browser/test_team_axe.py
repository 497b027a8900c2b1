"""axe-core on the Team pages: the page, its refusals, the deactivation confirmation, the API keys
page (with a new key), and the invitation link in each of its states (as
tests/browser/test_axe.py)."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from tests.helpers.axe import Audit


def test_team_pages_have_no_serious_violations(browser, live_server, page, demo_data, login, shot):
    audit = Audit(page, shot)
    login("partner", "lmp-demo-2026")
    page.goto("/team/")
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    audit.check("Team page")

    page.get_by_label("E-mail address").fill("allocator@lmp.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("already has a login")).to_be_visible()
    audit.check("Team page: invitation refused")

    page.get_by_label("E-mail address").fill("jo.park@northwind.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#team-invitations")).to_contain_text("jo.park@northwind.example")
    audit.check("Team page: pending invitation and message")

    page.get_by_label("Role of partner").select_option(label="View Only")
    page.locator("tr", has_text="partner@lmp.example").get_by_role("button", name="Save").click()
    expect(page.get_by_text("is the last active Administrator")).to_be_visible()
    audit.check("Team page: last Administrator refused")

    page.locator("tr", has_text="viewer@lmp.example").get_by_role("link", name="Deactivate").click()
    expect(page.get_by_role("button", name="Deactivate")).to_be_visible()
    audit.check("Deactivate confirmation")

    (message,) = [m for m in mail.outbox if "jo.park@northwind.example" in m.to]
    link = re.search(r"https?://\S+/team/join/\S+/", message.body).group(0)
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    invitee = context.new_page()
    try:
        invitee_audit = Audit(invitee, shot)
        invitee.goto(link)
        expect(invitee.get_by_role("heading", name="Join Northwind MSP")).to_be_visible()
        invitee_audit.check("Join page")
        invitee.get_by_role("button", name="Create my login").click()
        expect(invitee.locator(".invalid-feedback").first).to_be_visible()
        invitee_audit.check("Join page: errors")
        invitee.goto(link.rstrip("/") + "x/")
        expect(
            invitee.get_by_role("heading", name="This invitation cannot be used")
        ).to_be_visible()
        invitee_audit.check("Join page: altered link")
        invitee_audit.assert_clean(at_least=3)
    finally:
        context.close()

    page.goto("/team/api-keys/")
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    audit.check("API keys page")
    page.get_by_role("button", name="Make a key").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("API keys page: errors")
    page.get_by_label("Name").fill("PSA sync")
    page.get_by_role("button", name="Make a key").click()
    expect(page.get_by_role("button", name="Copy the key")).to_be_visible()
    audit.check("API keys page: the new key and its Copy button")

    page.goto(link)  # signed in: asked to sign out first
    expect(page.get_by_role("heading", name="Sign out to accept this invitation")).to_be_visible()
    audit.check("Join page: signed in")
    audit.assert_clean(at_least=9)
