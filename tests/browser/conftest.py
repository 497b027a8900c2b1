"""Playwright driving Debian's Chromium (headless) against pytest-django's live server.

Every test here is marked ``browser``. Without Chromium the tests skip, unless
LMP_REQUIRE_BROWSER is set (CI), where a missing browser fails them. Screenshots go to the test's
tmp dir, and also to $LMP_SCREENSHOT_DIR when it is set, so a person can look at them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from base64 import b32decode
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

CHROMIUM = os.environ.get("LMP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
    # The HTML check reads the pages the other browser tests recorded: it runs after them all.
    last = [item for item in items if Path(str(item.fspath)).name == "test_html_valid.py"]
    items[:] = [item for item in items if item not in last] + last


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no browser: Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("LMP_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API runs its event loop in this thread, Django would refuse the
    # plain synchronous ORM calls the tests make for setup and assertions. Allow them only for
    # the lifetime of this module's browser, so the rest of the suite keeps the safety check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo_data(transactional_db):
    """The data `make run` serves (partner / lmp-demo-2026, other, staff), without its two years
    of history: the browser tests count the rows of the demo as it is today (tests/project/
    test_seed.py and tests/views/test_demo_pages.py read the history)."""
    call_command("seed_demo", "--no-history", stdout=io.StringIO())


def choose_english(context, live_server) -> None:
    """The browser chose English with the switcher (its cookie): the tests find English labels,
    and the demo's Contoso reads French by default (test_french_browser.py sets French)."""
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, accept_downloads=True, viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(10_000)
    choose_english(context, live_server)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot(page, tmp_path, request):
    """``shot("license-page")`` saves a full-page PNG and returns its path."""
    extra = os.environ.get("LMP_SCREENSHOT_DIR")

    def take(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if extra:
            target = Path(extra) / re.sub(r"[^\w.-]+", "_", request.node.name)
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target / path.name)
        return path

    return take


def fresh_totp_code(device) -> str:
    """A code the device's app shows that django-otp has not seen yet: it refuses a time step
    already used (``last_t``) and accepts those within ``tolerance`` of now (plus the drift it
    learnt), so a later step is used, or awaited, when the same login signed in moments ago."""
    device.refresh_from_db()
    while True:
        elapsed = time.time() - device.t0
        current = int(elapsed // device.step)
        highest = current + device.drift + device.tolerance
        wanted = max(current, current + device.drift - device.tolerance, device.last_t + 1)
        if wanted <= highest:
            break
        time.sleep(device.step - elapsed % device.step + 0.2)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = device.t0 + wanted * device.step
    return f"{totp.token():0{device.digits}d}"


def key_code(key_text: str) -> str:
    """What an authenticator app given the setup page's key (base32 text) shows now."""
    key = key_text.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    return f"{totp.token():06d}"


@pytest.fixture
def login(page):
    """``login("partner", "lmp-demo-2026")`` signs in through the real login form, then types a
    code computed from the login's authenticator at the two-factor step (or, for a login that
    must set one up, sets it up with the key the page shows and goes on past the recovery
    codes)."""

    def do(username: str, password: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("networkidle")
        path = urlsplit(page.url).path
        if path == reverse("accounts:verify"):
            device = TOTPDevice.objects.get(user__username=username, confirmed=True)
            page.locator("#id_code").fill(fresh_totp_code(device))
            page.get_by_role("button", name="Verify").click()
            page.wait_for_load_state("networkidle")
        elif path == reverse("accounts:setup"):
            page.locator("#id_code").fill(key_code(page.locator("#totp-key").inner_text()))
            page.get_by_role("button", name="Turn on two-factor sign-in").click()
            page.get_by_role("link", name="I have saved them, continue").click()
            page.wait_for_load_state("networkidle")

    return do
