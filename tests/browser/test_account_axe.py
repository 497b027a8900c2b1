"""axe-core on the sign-in security pages: the code step, setup, recovery codes, the account page,
change password and password reset, with their error states (as tests/browser/test_axe.py)."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import choose_english, fresh_totp_code, key_code
from tests.helpers.axe import Audit


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    choose_english(context, live_server)
    page = context.new_page()
    yield page
    context.close()


def _password(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_in_security_pages_have_no_serious_violations(page, demo_data, shot):
    audit = Audit(page, shot)
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    audit.check("Password reset form")
    page.get_by_label("Email").fill("partner@lmp.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    audit.check("Password reset sent")
    page.goto("/password-reset/MQ/wrong-token/")
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    audit.check("Password reset: a wrong link")

    _password(page, "other", "lmp-other-2026")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    audit.check("Two-factor setup")
    page.locator("#id_code").fill("12")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("#id_code")).to_have_class(re.compile("is-invalid"))
    audit.check("Two-factor setup: a wrong code")
    page.locator("#id_code").fill(key_code(page.locator("#totp-key").inner_text()))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator(".recovery-code")).to_have_count(10)
    audit.check("Recovery codes, shown once")
    page.get_by_role("link", name="other").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    audit.check("Account page")
    page.get_by_role("link", name="New recovery codes").click()
    code = page.get_by_label("Code from your authenticator app, or a recovery code")
    expect(code).to_be_visible()
    audit.check("New recovery codes: the current code asked")
    code.fill("abcdefgh")
    page.get_by_role("button", name="New recovery codes").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    expect(code).to_have_class(re.compile("is-invalid"))
    audit.check("New recovery codes: a wrong code")
    page.get_by_role("link", name="Back to your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("link", name="Change password").click()
    page.locator("#id_old_password").fill("lmp-other-2026")
    page.locator("#id_new_password1").fill("password")
    page.locator("#id_new_password2").fill("password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("This password is too common.")).to_be_visible()
    audit.check("Change password: a weak one")
    page.get_by_role("button", name="Log out").click()

    _password(page, "partner", "lmp-demo-2026")
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    audit.check("Two-factor code step")
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    audit.check("Two-factor code step: a wrong code")
    page.wait_for_timeout(1100)
    page.locator("#id_code").fill(fresh_totp_code(TOTPDevice.objects.get(user__username="partner")))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Licenses")).to_be_visible()

    audit.assert_clean(at_least=10)
