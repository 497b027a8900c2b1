"""Two-factor sign-in in the browser: the Administrator types a code after the password; the
setup page on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import fresh_totp_code, key_code


def test_an_administrator_types_a_code_after_the_password_and_lands_on_the_licenses(
    page, demo_data, shot
):
    page.goto("/licenses/")
    page.get_by_label("Username").fill("partner")
    page.get_by_label("Password").fill("lmp-demo-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/verify/\?next=%2Flicenses%2F$"))
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    shot("verify")

    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#id_code")).to_have_class(re.compile("is-invalid"))
    expect(page.get_by_text("That code is not right.")).to_be_visible()

    page.wait_for_timeout(1100)  # the wait the page asked for after one wrong code
    device = TOTPDevice.objects.get(user__username="partner")
    page.locator("#id_code").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/licenses/$"))
    expect(page.get_by_role("heading", name="Licenses")).to_be_visible()

    page.get_by_role("link", name="partner").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("On", exact=True)).to_be_visible()
    shot("account")


def test_the_setup_page_on_a_phone(page, demo_data, shot):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/login/")
    page.get_by_label("Username").fill("other")  # an Administrator without an authenticator
    page.get_by_label("Password").fill("lmp-other-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup/\?next=%2F$"))
    qr = page.get_by_role("img", name="QR code to add LMP to your authenticator app")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 150
    key = page.locator("#totp-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("setup-375")

    page.locator("#id_code").fill(key_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".recovery-code")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("recovery-codes-375")
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name="Licenses")).to_be_visible()


@pytest.mark.parametrize("width", [1366, 375])
def test_recovery_codes_are_copied_and_downloaded_first_time_and_when_regenerated(
    page, demo_data, shot, width, live_server
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/login/")
    expect(page.get_by_label("E-mail address or username")).to_be_focused()
    shot(f"login-{width}")
    page.get_by_label("E-mail address or username").fill("other")  # no authenticator yet
    page.get_by_label("Password").fill("lmp-other-2026")
    page.get_by_role("button", name="Log in").click()
    page.locator("#id_code").fill(key_code(page.locator("#totp-key").inner_text()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    for moment in ("first", "regenerated"):
        expect(page.locator(".recovery-code")).to_have_count(10)
        earlier = page.get_by_text("Your earlier recovery codes no longer work.")
        expect(earlier).to_have_count(0 if moment == "first" else 1)
        codes = page.locator(".recovery-code").all_inner_texts()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(f"recovery-codes-{moment}-{width}")

        page.get_by_role("button", name="Copy").click()
        expect(page.locator("#recovery-codes-status")).to_have_text(
            "Copied: paste them where you keep them."
        )
        assert page.evaluate("navigator.clipboard.readText()").split() == codes

        with page.expect_download() as downloaded:
            page.get_by_role("link", name="Download (.txt)").click()
        download = downloaded.value
        assert download.suggested_filename == "lmp-recovery-codes.txt"
        lines = Path(download.path()).read_text().splitlines()
        assert lines[0] == "License Management Portal: recovery codes of other"
        assert lines[-10:] == codes

        page.get_by_role("link", name="I have saved them, continue").click()
        # On to the page asked for at sign-in, or back to the account page after regenerating.
        heading = "Licenses" if moment == "first" else "Your account"
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        page.goto("/account/two-factor/recovery-codes/")
        # New codes take a current code: one of those just saved will do (used up by it).
        page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
        page.get_by_role("button", name="New recovery codes").click()
