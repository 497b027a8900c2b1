"""The portal in Canadian French in Chromium, on a phone (375 px) and a laptop (1366 px).

French runs about a fifth longer than English: on each main page (login, licenses, a license,
a customer's Edit, the onboarding wizard's steps, Team, Billing, Purchase, the account page) no
page scrolls sideways, no button or badge text wraps onto a second line, axe finds no serious or
critical violation, and ``<html lang>`` says ``fr-ca``. Pages are found by their URLs and filled
by field names, never by their (translated) words. Each page's full-page screenshot is saved
(``shot``: the test's tmp dir, and $LMP_SCREENSHOT_DIR when set) and named in the output.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from tests.browser.conftest import fresh_totp_code
from tests.helpers.axe import Audit
from tests.helpers.screens import PAGE_WIDER_THAN_SCREEN

# Buttons and badges whose text runs onto more lines than one: their content box is taller than
# 1.6 lines (a one-line label is 1 line; padding excluded). Hidden ones are left out, and so are
# block buttons (as wide as their box, e.g. the Edit page's "Resend the welcome e-mail to
# <address>"), which are made to wrap: an inline button or a badge on two lines is broken.
WRAPPED_LABELS = """() => [...document.querySelectorAll('.btn, .badge')].filter(el => {
    if (!el.offsetWidth || !el.offsetHeight || el.closest('.visually-hidden')) return false;
    if (el.classList.contains('visually-hidden') || !el.textContent.trim()) return false;
    const box = el.parentElement;
    const inner = box.clientWidth - parseFloat(getComputedStyle(box).paddingLeft)
        - parseFloat(getComputedStyle(box).paddingRight);
    if (el.classList.contains('btn') && el.offsetWidth >= inner - 1) return false;
    const style = getComputedStyle(el);
    let line = parseFloat(style.lineHeight);
    if (isNaN(line)) line = parseFloat(style.fontSize) * 1.2;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const content = el.clientHeight - padding;
    return content > 1.6 * line;
}).map(el => el.textContent.trim().replace(/\\s+/g, ' '))"""

# Words broken across lines: an element whose own text holds a word wider than its box (measured
# with word breaking turned off for the moment). A long French label broke as "RENOUVELLEMEN / T"
# at 375 px. Data that is made to break (names, addresses, e-mail and web addresses) is left out.
BROKEN_WORDS = """() => [...document.querySelectorAll('main *, nav *')].filter(el => {
    const data = '.visually-hidden, .customer-name, .customer-meta-line, table';
    if (el.offsetWidth <= 1 || el.closest(data)) return false;
    const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(' ');
    if (!own.trim() || /[@/.]/.test(own)) return false;
    const [wrap, brk] = [el.style.overflowWrap, el.style.wordBreak];
    el.style.overflowWrap = 'normal'; el.style.wordBreak = 'normal';
    const broken = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline';
    el.style.overflowWrap = wrap; el.style.wordBreak = brk;
    return broken;
}).map(el => el.textContent.trim().replace(/\\s+/g, ' '))"""

# Tables that scroll inside their card: fine on a phone, not on a laptop (the Billing page's
# monthly totals hid their last column at 1366 px in French).
SCROLLING_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
    .filter(el => el.offsetWidth && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.getAttribute('aria-labelledby') || el.className} `
        + `${el.scrollWidth} > ${el.clientWidth} px`)"""

FRENCH = "fr-ca"
# The wizard's Continue (the footer's primary button; a hidden one is first in the form).
CONTINUE = ".card-footer button.btn-primary:visible"


def _french(page, live_server) -> None:
    """The browser of a French reader: the switcher's cookie and Accept-Language fr-CA."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": FRENCH, "url": live_server.url}]
    )
    page.set_extra_http_headers({"Accept-Language": "fr-CA,fr;q=0.9"})


def _sign_in(page, username: str, password: str) -> None:
    """The login form and the second factor, by field names (the labels are French)."""
    page.goto(reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")
    if urlsplit(page.url).path == reverse("accounts:verify"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.locator("#id_code").fill(fresh_totp_code(device))
        page.locator("#id_code").press("Enter")
        page.wait_for_load_state("networkidle")
    assert urlsplit(page.url).path not in (reverse("login"), reverse("accounts:verify")), page.url


class Checks:
    """Each page state: width, wrapped labels, lang, axe, and a screenshot."""

    def __init__(self, page, shot, width: int):
        self.page, self.shot, self.width = page, shot, width
        self.audit = Audit(page, shot)
        self.wide: dict[str, int] = {}
        self.wrapped: dict[str, list[str]] = {}
        self.broken: dict[str, list[str]] = {}
        self.scrolling: dict[str, list[str]] = {}
        self.lang: dict[str, str] = {}
        self.shots: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(PAGE_WIDER_THAN_SCREEN)
        if overflow > 0:
            self.wide[name] = overflow
        wrapped = page.evaluate(WRAPPED_LABELS)
        if wrapped:
            self.wrapped[name] = wrapped
        broken = page.evaluate(BROKEN_WORDS)
        if broken:
            self.broken[name] = broken
        scrolling = page.evaluate(SCROLLING_TABLES) if self.width >= 1366 else []
        if scrolling:
            self.scrolling[name] = scrolling
        lang = page.evaluate("document.documentElement.lang")
        if lang != FRENCH:
            self.lang[name] = lang
        self.shots.append(str(self.shot(f"fr-{self.width}-{name}")))
        self.audit.check(f"{name} at {self.width} px")

    def assert_fine(self) -> None:
        print(f"\nFrench screenshots at {self.width} px:\n  " + "\n  ".join(self.shots))  # noqa: T201
        assert self.lang == {}, f"pages whose <html lang> is not {FRENCH}: {self.lang}"
        assert self.wide == {}, f"pages wider than {self.width} px (px too wide): {self.wide}"
        assert self.wrapped == {}, f"buttons or badges wrapped at {self.width} px: {self.wrapped}"
        assert self.broken == {}, f"words broken across lines at {self.width} px: {self.broken}"
        assert self.scrolling == {}, f"tables scrolling in their card: {self.scrolling}"
        self.audit.assert_clean(at_least=len(self.shots))


def _walk_the_wizard(page, checks: Checks, license: VolumeLicense) -> None:
    """The wizard's steps up to the review (not submitted), filled by field names."""
    page.goto(reverse("onboarding:wizard", kwargs={"license_pk": license.pk}))
    checks.check("wizard-1-incident")
    page.locator("input[name='incident-incident'][value='no']").check()  # goes on to details
    page.wait_for_load_state("networkidle")
    page.locator("#id_details-legal_name").fill("Clinique dentaire Érable")
    page.locator("#id_details-website").fill("https://erable.example")
    page.locator("#id_details-admin_email").fill("ti@erable.example")
    page.locator("#id_details-tier_users").fill("8")
    language = page.locator("[name='details-language']")
    if language.count():  # the wizard's "Customer language" (issue 22)
        if language.first.evaluate("el => el.tagName") == "SELECT":
            language.first.select_option(FRENCH)
        else:
            page.locator(f"[name='details-language'][value='{FRENCH}']").check()
    checks.check("wizard-2-details")
    page.locator(CONTINUE).click()
    page.wait_for_load_state("networkidle")
    page.locator("input[name='deployment-deployment'][value='virtual']").check()
    page.locator("select[name='deployment-hosting_region']").select_option("ca")
    checks.check("wizard-3-deployment")
    page.locator(CONTINUE).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-final-submit]").count() == 1, page.url  # the review step
    checks.check("wizard-4-review")


@pytest.mark.parametrize("width", [375, 1366])
def test_french_pages_fit_and_pass_axe(page, live_server, demo_data, shot, width):
    _french(page, live_server)
    page.set_viewport_size({"width": width, "height": 900})
    checks = Checks(page, shot, width)
    page.goto(reverse("login"))
    checks.check("login")

    _sign_in(page, "partner", "lmp-demo-2026")
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    customer = CustomerAccount.objects.filter(license=complete, offboarded_at=None).first()
    for name, url in (
        ("licenses", reverse("licenses:license_list")),
        ("license", reverse("licenses:license_detail", kwargs={"pk": complete.pk})),
        (
            "customer-edit",
            reverse(
                "licenses:customer_edit", kwargs={"license_pk": complete.pk, "pk": customer.pk}
            ),
        ),
        ("onboarding", reverse("onboarding:start")),
        ("team", reverse("partners:team")),
        ("billing", reverse("billing:billing")),
        ("purchase", reverse("billing:purchase")),
        ("account", reverse("accounts:account")),
    ):
        page.goto(url)
        checks.check(name)
    _walk_the_wizard(page, checks, complete)
    checks.assert_fine()


def test_french_remaining_users_keep_the_servers_thousands_separator(page, live_server, demo_data):
    """The Edit page's live "remaining" figure is written as the server writes it (U+202F between
    thousands in French, lmp/formats/fr_CA), before and after typing: it never changes separator
    as the script takes over (it used the browser's Intl, whose French writes U+00A0)."""
    _french(page, live_server)
    _sign_in(page, "partner", "lmp-demo-2026")
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    customer = CustomerAccount.objects.get(license=complete, legal_name="Maple Leaf Dental Group")
    url = reverse("licenses:customer_edit", kwargs={"license_pk": complete.pk, "pk": customer.pk})
    served = page.request.get(live_server.url + url).text()
    assert "1\u202f790" in served  # the server's figure, before any script
    page.goto(url)
    page.wait_for_load_state("networkidle")
    remaining = page.locator("[data-seats-pool]").first.locator("[data-seats-remaining]")
    assert remaining.inner_text() == "1\u202f790"  # the script rewrote it on load: same text
    page.locator("[data-seats-pool]").first.evaluate(
        "box => { const input = document.getElementById(box.dataset.seatsInput);"
        " input.value = '150'; input.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.wait_for_function(
        "el => el.textContent !== '1\u202f790'",
        arg=remaining.element_handle(),
    )
    assert remaining.inner_text() == "1\u202f740"
    page.locator("[data-seats-pool]").first.evaluate(
        "box => { const input = document.getElementById(box.dataset.seatsInput);"
        " input.value = '2990'; input.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    page.wait_for_function("el => el.textContent.startsWith('-')", arg=remaining.element_handle())
    assert remaining.inner_text() == "-1\u202f100"
