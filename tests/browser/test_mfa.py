"""Two-factor sign-in in the browser: the Administrator types a code after the password; the
setup page on a phone."""

from __future__ import annotations

import re

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
