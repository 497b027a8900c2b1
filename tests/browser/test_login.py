"""A new user signs in with the demo login and lands on the License tab."""

import re

from playwright.sync_api import expect


def test_demo_partner_logs_in_and_lands_on_license_tab(page, demo_data, login, shot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="License Management Portal")).to_be_visible()
    shot("login")
    login("partner", "lmp-demo-2026")
    expect(page.get_by_role("heading", name="Licenses")).to_be_visible()
    expect(page.get_by_role("link", name="Customer Onboarding")).to_be_visible()
    expect(page.get_by_text("Northwind MSP").first).to_be_visible()
    shot("license-tab")


def test_wrong_password_is_refused_with_a_message(page, demo_data, login):
    login("partner", "not-the-password")
    expect(
        page.get_by_text("Please enter a correct e-mail address (or username) and password")
    ).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("partner")
