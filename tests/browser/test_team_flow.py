"""A partner's team in the browser, end to end: the Administrator asks every member for
two-factor sign-in and invites a colleague as Allocator; the colleague opens the e-mailed link in
a browser of their own, chooses a password, signs in, sets up an authenticator from the key the
page shows, and finds an Allocator's portal: customers to edit, no Team page."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import key_code

INVITEE = "casey.nguyen@northwind.example"
INVITEE_PASSWORD = "Harbour-lights-2026"


def test_invite_accept_sign_in_with_two_factor_and_see_the_allocators_portal(
    browser, page, live_server, demo_data, login, shot
):
    # The Administrator (who passes its own second factor in the login fixture).
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    page.get_by_label("Require two-factor sign-in of every member").check()
    page.get_by_role("button", name="Save sign-in rule").click()
    expect(page.get_by_text("Every member now needs two-factor sign-in")).to_be_visible()

    page.get_by_label("E-mail address").fill(INVITEE)
    page.locator("#id_role").select_option(label="Allocator")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {INVITEE} as Allocator")).to_be_visible()
    expect(page.locator("#team-invitations")).to_contain_text(INVITEE)
    shot("team-after-invite")

    (message,) = [m for m in mail.outbox if INVITEE in m.to]
    link = re.search(r"https?://\S+/team/join/\S+/", message.body).group(0)

    # The colleague, in a browser of their own.
    context = browser.new_context(base_url=live_server.url)
    colleague = context.new_page()
    try:
        colleague.goto(link)
        expect(colleague.get_by_role("heading", name="Join Northwind MSP")).to_be_visible()
        colleague.get_by_label("First name").fill("Casey")
        colleague.get_by_label("Last name").fill("Nguyen")
        colleague.locator("#id_password1").fill(INVITEE_PASSWORD)
        colleague.get_by_label("Password again").fill(INVITEE_PASSWORD)
        colleague.get_by_role("button", name="Create my login").click()
        # Signed in at once; the partner asks two-factor sign-in of every member, so the setup
        # comes before any page.
        expect(colleague).to_have_url(re.compile(r"/account/two-factor/setup/"))
        expect(colleague.get_by_text("Welcome to Northwind MSP")).to_be_visible()
        expect(
            colleague.get_by_role("img", name="QR code to add LMP to your authenticator app")
        ).to_be_visible()
        key = colleague.locator("#totp-key").inner_text()
        colleague.locator("#id_code").fill(key_code(key))
        colleague.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(colleague.locator(".recovery-code")).to_have_count(10)
        colleague.get_by_role("link", name="I have saved them, continue").click()

        # An Allocator's portal: licenses and customers to change, no Team page.
        expect(colleague.get_by_role("heading", name="Licenses")).to_be_visible()
        nav = colleague.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Licenses")).to_be_visible()
        expect(nav.get_by_role("link", name="Team")).to_have_count(0)
        expect(nav.get_by_role("link", name="Billing")).to_have_count(0)
        colleague.get_by_role("link", name=re.compile("MDR Complete")).first.click()
        expect(colleague.get_by_role("link", name="New Customer")).to_be_visible()
        expect(colleague.locator("a.dropdown-item", has_text="Edit").first).to_be_attached()
        colleague.goto("/team/")
        expect(
            colleague.get_by_role("heading", name="You do not have access to this page")
        ).to_be_visible()
    finally:
        context.close()

    # Back on the Administrator's Team page: the colleague is a member with two-factor on.
    page.reload()
    row = page.locator("#team-members tr", has_text=INVITEE)
    expect(row).to_contain_text("Allocator")
    expect(row).to_contain_text("On")
    expect(page.locator("#team-history")).to_contain_text("Joined")
    shot("team-after-join")


def test_the_team_page_on_a_phone(page, demo_data, login, shot):
    page.set_viewport_size({"width": 375, "height": 812})
    login("partner", "lmp-demo-2026")
    page.goto("/team/")
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("team-375")


def test_an_administrator_makes_an_api_key_on_its_own_page_and_copies_it(
    page, demo_data, login, shot
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login("partner", "lmp-demo-2026")
    page.get_by_role("link", name="Team").click()
    # The Team page keeps members and invitations; keys and webhooks have their own pages.
    expect(page.get_by_role("button", name="Make a key")).to_have_count(0)
    shot("team-1366")
    page.get_by_role("main").get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="API keys", include_hidden=True)).to_have_attribute(
        "aria-current", "page"
    )

    page.get_by_label("Name").fill("PSA sync")
    page.get_by_label("Role").select_option(label="Allocator")
    page.get_by_role("button", name="Make a key").click()
    key = page.locator("[data-api-key]").inner_text().strip()
    assert key.startswith(page.locator("#team-api-keys code").first.inner_text().rstrip("…"))
    page.get_by_role("button", name="Copy the key").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    shot("api-key-copied-1366")

    # The menu reaches the webhooks too, beside Team.
    nav.get_by_role("button", name="More team pages").click()
    nav.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()


def test_without_the_clipboard_the_key_is_selected_to_copy_by_hand(page, demo_data, login, shot):
    # A browser that has no clipboard API (or refuses it): the key is selected, with a hint.
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    login("partner", "lmp-demo-2026")
    page.goto("/team/api-keys/")
    page.get_by_label("Name").fill("RMM")
    page.get_by_role("button", name="Make a key").click()
    key = page.locator("[data-api-key]").inner_text().strip()
    page.get_by_role("button", name="Copy the key").click()
    expect(page.get_by_role("status").filter(has_text="Ctrl+C")).to_be_visible()
    assert page.evaluate("String(window.getSelection())").strip() == key


def test_the_api_keys_page_on_a_phone(page, demo_data, login, shot):
    page.set_viewport_size({"width": 375, "height": 812})
    login("partner", "lmp-demo-2026")
    page.goto("/team/api-keys/")
    page.get_by_label("Name").fill("A key with a rather long name for a phone")
    page.get_by_role("button", name="Make a key").click()
    expect(page.get_by_role("button", name="Copy the key")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("api-keys-375")
