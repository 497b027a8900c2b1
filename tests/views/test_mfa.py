"""Two-factor sign-in: enrolment, verification after the password, recovery codes, throttling,
who must use it (Administrators, vendor staff, every member of a partner that asks it)."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmp.accounts import services
from lmp.demo.authenticator import DEMO_TOTP_KEY_HEX
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory
from tests.helpers.admin_site import form_data
from tests.helpers.auth import PASSWORD, totp_code, totp_device, verified_login
from tests.helpers.edit import EditPage
from tests.helpers.routes import all_routes, object_urls

pytestmark = pytest.mark.django_db

SETUP = reverse("accounts:setup")
VERIFY = reverse("accounts:verify")
LICENSES = reverse("licenses:license_list")


def sign_in(client: Client, user, next_url: str = "") -> object:
    """The login form, password only (as a person types it)."""
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def shown_key(response) -> str:
    """The key the setup page shows as text (groups of four, base32)."""
    match = re.search(r'id="totp-key">([A-Z2-7 ]+)<', response.content.decode())
    assert match, "the setup page shows the key as text"
    return match.group(1)


def code_for_key(key_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given ``key_text`` shows now."""
    key = key_text.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = totp.time + 30 * steps_ahead
    return f"{totp.token():06d}"


def field_error(response) -> str:
    """The error shown under the code field (crispy: right after the input, tied to it)."""
    html = response.content.decode()
    assert 'aria-invalid="true"' in html or "is-invalid" in html
    match = re.search(r'<p id="error_1_id_code"[^>]*>(.*?)</p>', html, re.S)
    assert match, "an error next to the code field"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def enrol(client: Client) -> list[str]:
    """Set up an authenticator through the pages; returns the recovery codes shown. One that
    replaces the login's authenticator (``verified_login`` made one) types its code too."""
    key = shown_key(client.get(SETUP))
    data = {"code": code_for_key(key)}
    current = TOTPDevice.objects.filter(
        user_id=client.session["_auth_user_id"], confirmed=True
    ).first()
    if current is not None:
        data["current_code"] = totp_code(current)
    response = client.post(SETUP, data)
    assert response.status_code == 302
    page = client.get(response.url)
    return re.findall(r'class="recovery-code">([a-z2-7]{8})<', page.content.decode())


@pytest.fixture
def administrator(partner):
    return MembershipFactory(
        partner=partner, user=UserFactory(username="ada"), role=PartnerRole.ADMINISTRATOR
    ).user


# --- enrolment --------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_a_real_code_turns_it_on(partner_client, user):
    page = partner_client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<img class="totp-qr' in html and 'src="data:image/svg+xml' in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    key = shown_key(page)
    assert len(key.replace(" ", "")) == 32
    assert partner_client.get(SETUP).content.decode().count(key) == 1  # a reload keeps the key
    assert not TOTPDevice.objects.exists()  # opening the page enrols nothing

    response = partner_client.post(SETUP, {"code": code_for_key(key)})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:recovery_codes"))
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert partner_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id

    codes_page = partner_client.get(response.url)
    codes = re.findall(r'class="recovery-code">([a-z2-7]{8})<', codes_page.content.decode())
    assert len(set(codes)) == 10
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(codes)
    assert "shown only this once" in codes_page.content.decode()
    again = partner_client.get(reverse("accounts:recovery_codes")).content.decode()
    assert not any(code in again for code in codes)
    assert "You have <strong>10</strong> unused" in again

    account = partner_client.get(reverse("accounts:account")).content.decode()
    assert 'badge text-bg-success">On' in account


def test_a_wrong_code_is_refused_next_to_the_field_and_nothing_is_enrolled(partner_client, user):
    key = shown_key(partner_client.get(SETUP))
    right = code_for_key(key)
    wrong = "123456" if right != "123456" else "654321"
    response = partner_client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert field_error(response).startswith("That code is not right.")
    assert shown_key(response) == key
    assert 'value="' + wrong + '"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert DEVICE_ID_SESSION_KEY not in partner_client.session

    response = partner_client.post(SETUP, {"code": "12ab"})
    assert field_error(response) == "Type the 6-digit code your authenticator app shows."


def test_a_new_phone_replaces_the_old_authenticator(partner_client, user):
    enrol(partner_client)
    old = TOTPDevice.objects.get(user=user)
    page = partner_client.get(SETUP)
    assert "Your current app keeps working" in page.content.decode()
    response = partner_client.post(
        SETUP,
        {"code": code_for_key(shown_key(page)), "current_code": totp_code(old, steps_ahead=1)},
    )
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) != [old]
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def error_under(response, field: str) -> str:
    """The error crispy shows right under ``field``."""
    html = response.content.decode()
    match = re.search(rf'<p id="error_1_id_{field}"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"an error next to {field}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_replacing_the_authenticator_asks_for_the_current_code_too(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    verified_login(client, user)
    recovery = enrol(client)
    old = TOTPDevice.objects.get(user=user, confirmed=True)
    tokens = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    page = client.get(SETUP)
    key = shown_key(page)
    assert 'name="current_code"' in page.content.decode()

    # Only the new app's code (a stolen session has nothing else): refused, nothing replaced.
    response = client.post(SETUP, {"code": code_for_key(key)})
    assert response.status_code == 200
    assert error_under(response, "current_code") == (
        "Type the code your current app shows, or one of your recovery codes."
    )
    wrong = "123456" if totp_code(old) != "123456" else "654321"
    response = client.post(SETUP, {"code": code_for_key(key, 1), "current_code": wrong})
    assert response.status_code == 200
    assert error_under(response, "current_code").startswith("That code is not right.")
    assert list(TOTPDevice.objects.filter(user=user, confirmed=True)) == [old]
    assert {t for t in tokens} == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )

    # A recovery code does instead of the current app's code (it is then used up).
    response = client.post(SETUP, {"code": code_for_key(key, 2), "current_code": recovery[0]})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user, confirmed=True) != old


# --- who must use it ----------------------------------------------------------------------------


def partner_pages(world) -> list[str]:
    urls = [url for _, url, owner_sees in object_urls(world) if owner_sees]
    urls += [
        reverse(r.name)
        for r in all_routes()
        if not r.kwargs and r.name.split(":")[0] in {"licenses", "onboarding"}
    ]
    return urls


def assert_open(client: Client, url: str) -> None:
    """The page answers (the onboarding wizard's start redirects to its first step)."""
    response = client.get(url)
    assert response.status_code in {200, 302}, url
    if response.status_code == 302:
        assert not response.url.startswith((SETUP, VERIFY, reverse("login"))), url


def assert_sent_to(client: Client, urls: list[str], step: str) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{step}?{urlencode({'next': url})}", (url, response.url)


def test_an_administrator_without_an_authenticator_reaches_no_page_until_enrolled(
    client, administrator, world
):
    client.force_login(administrator)
    pages = partner_pages(world)
    assert len(pages) >= 8
    assert_sent_to(client, pages + [reverse("accounts:account"), "/admin/"], SETUP)
    first = client.get(LICENSES)
    assert first.url == f"{SETUP}?next=%2Flicenses%2F"
    post = EditPage(client, world.customer, world.license).post()
    assert post.status_code == 302 and post.url.startswith(SETUP)

    page = client.get(first.url)
    assert "needs a second factor" in page.content.decode()
    response = client.post(first.url, {"code": code_for_key(shown_key(page))})
    codes_url = response.url
    assert "next=%2Flicenses%2F" in codes_url
    assert 'href="/licenses/"' in client.get(codes_url).content.decode()  # continue → the page
    for url in pages:
        assert_open(client, url)


def test_vendor_staff_without_an_authenticator_are_sent_to_setup_from_admin(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/admin/licenses/volumelicense/")
    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Fadmin%2Flicenses%2Fvolumelicense%2F"
    enrol(client)
    assert client.get("/admin/licenses/volumelicense/").status_code == 200


def test_staff_signing_in_to_admin_must_verify_their_code(client, staff_user):
    device = totp_device(staff_user)
    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": staff_user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.url == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.get("/admin/partners/partner/").url.startswith(VERIFY)
    response = client.post(response.url, {"code": totp_code(device)})
    assert response.url == "/admin/"
    assert client.get("/admin/partners/partner/").status_code == 200


def test_an_allocator_is_not_required_but_may_enrol(partner_client, user, world):
    for url in partner_pages(world):
        assert_open(partner_client, url)
    account = partner_client.get(reverse("accounts:account")).content.decode()
    assert "Set up two-factor sign-in" in account
    enrol(partner_client)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert partner_client.get(LICENSES).status_code == 200


@pytest.mark.parametrize("role", [PartnerRole.ALLOCATOR, PartnerRole.VIEW_ONLY])
def test_a_partner_that_requires_it_requires_it_of_every_member(client, partner, world, role):
    member = MembershipFactory(partner=partner, user=UserFactory(username="mo"), role=role).user
    client.force_login(member)
    assert client.get(LICENSES).status_code == 200
    partner.require_mfa = True
    partner.save()
    assert_sent_to(client, partner_pages(world), SETUP)
    enrol(client)
    assert client.get(LICENSES).status_code == 200


def test_a_required_role_cannot_turn_it_off(administrator_client):
    account = administrator_client.get(reverse("accounts:account")).content.decode()
    assert "Turn off two-factor sign-in" not in account
    assert "cannot be turned off" in account
    assert administrator_client.get(reverse("accounts:remove")).status_code == 403
    assert administrator_client.post(reverse("accounts:remove")).status_code == 403
    assert TOTPDevice.objects.exists()


def test_an_allocator_can_turn_it_off(partner_client, user):
    enrol(partner_client)
    page = partner_client.get(reverse("accounts:remove"))
    assert "Turn off two-factor sign-in?" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = partner_client.post(
        reverse("accounts:remove"), {"current_code": totp_code(device, steps_ahead=1)}
    )
    assert response.url == reverse("accounts:account")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert "Two-factor sign-in is off" in partner_client.get(response.url).content.decode()
    assert partner_client.get(LICENSES).status_code == 200


# --- signing in ---------------------------------------------------------------------------------


def test_password_alone_reaches_no_partner_page_until_the_code(client, user, world):
    device = totp_device(user)  # an Allocator who chose two-factor sign-in
    target = reverse("licenses:license_detail", args=[world.license.pk])
    response = sign_in(client, user, next_url=target)
    assert response.status_code == 302 and response.url == target
    assert_sent_to(client, partner_pages(world), VERIFY)
    response = client.get(target)
    assert response.url == f"{VERIFY}?next=%2Flicenses%2F{world.license.pk}%2F"
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Type the code your authenticator app shows" in page.content.decode()
    session_before = client.session.session_key
    response = client.post(response.url, {"code": totp_code(device), "next": target})
    assert response.status_code == 302 and response.url == target
    assert client.session.session_key != session_before
    assert client.get(target).status_code == 200


def test_an_unverified_login_cannot_replace_the_authenticator(client, user):
    totp_device(user)
    sign_in(client, user)
    assert client.get(SETUP).url.startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"}).url.startswith(VERIFY)
    assert client.get(reverse("accounts:account")).url.startswith(VERIFY)
    assert client.post(reverse("logout")).status_code == 302  # leaving is always possible


def test_the_verify_step_ignores_a_next_to_another_site(client, user):
    device = totp_device(user)
    sign_in(client, user)
    response = client.post(VERIFY + "?next=https://evil.example/", {"code": totp_code(device)})
    assert response.url == "/"


def test_an_htmx_request_is_sent_with_hx_redirect(client, user, complete_license):
    totp_device(user)
    sign_in(client, user)
    response = client.get(
        reverse("licenses:license_detail", args=[complete_license.pk]) + "?q=a",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/licenses/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Flicenses%2F"


def test_a_recovery_code_signs_in_once(client, user):
    verified_login(client, user)
    codes = enrol(client)
    client.post(reverse("logout"))

    sign_in(client, user)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302 and response.url == "/"
    assert "recovery code; 9 left" in client.get(LICENSES, follow=True).content.decode()
    client.post(reverse("logout"))

    sign_in(client, user)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert field_error(response).startswith("That code is not right.")
    assert client.get(LICENSES).url.startswith(VERIFY)


def test_new_recovery_codes_replace_the_old_ones(client, user, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0  # the refused old code must not make the next wait
    verified_login(client, user)
    old = enrol(client)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(
        reverse("accounts:recovery_codes"), {"current_code": totp_code(device, steps_ahead=1)}
    )
    assert response.url == reverse("accounts:recovery_codes")
    new = re.findall(
        r'class="recovery-code">([a-z2-7]{8})<', client.get(response.url).content.decode()
    )
    assert len(new) == 10 and not set(new) & set(old)
    client.post(reverse("logout"))
    sign_in(client, user)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 200
    assert client.post(VERIFY, {"code": new[1]}).status_code == 302


def test_wrong_codes_are_throttled_even_the_right_one_waits(client, user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = totp_device(user)
    sign_in(client, user)
    right = totp_code(device)
    wrong = "000000" if right != "000000" else "111111"

    response = client.post(VERIFY, {"code": wrong})
    message = field_error(response)
    assert message.startswith("That code is not right. Wait ")
    seconds = int(re.search(r"Wait (\d+) seconds before trying again", message).group(1))
    assert 58 <= seconds <= 60

    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 200
    assert re.fullmatch(
        r"Too many wrong codes\. Wait \d+ seconds? before trying again\.",
        field_error(response),
    )
    assert client.get(LICENSES).url.startswith(VERIFY)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a refusal while throttled is not counted

    # A minute later the right code is accepted.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - timedelta(seconds=61)
    )
    assert client.post(VERIFY, {"code": right}).status_code == 302
    assert client.get(LICENSES).status_code == 200


def test_default_throttling_doubles_the_wait(user):
    device = totp_device(user)
    for expected in (1, 2, 4):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
        with pytest.raises(ValidationError) as refused:
            services.two_factor_verify(
                user=user, code="000000" if totp_code(device) != "000000" else "111111"
            )
        device.refresh_from_db()
        assert f"Wait {expected} second" in str(refused.value)


def test_a_code_is_accepted_once(client, user):
    device = totp_device(user)
    code = totp_code(device)
    sign_in(client, user)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))
    other = Client()
    sign_in(other, user)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert field_error(response).startswith("That code is not right.")


def test_every_new_page_opens(partner_client, user):
    for name in ("accounts:account", "accounts:setup", "accounts:recovery_codes"):
        assert partner_client.get(reverse(name)).status_code == 200, name
    # Without an authenticator the verify and remove pages have nothing to do: they go on.
    assert partner_client.get(reverse("accounts:verify")).url == "/"
    assert partner_client.get(reverse("accounts:remove")).url == reverse("accounts:account")


def test_the_username_in_the_navigation_opens_the_account_page(administrator_client, admin_user):
    html = administrator_client.get(LICENSES).content.decode()
    assert f'href="{reverse("accounts:account")}"' in html
    page = administrator_client.get(reverse("accounts:account")).content.decode()
    assert "Change password" in page and "New recovery codes" in page


# --- the partner setting in admin ---------------------------------------------------------------


def test_staff_turn_on_a_partners_requirement_in_admin(client, staff_user, partner):
    verified_login(client, staff_user)
    url = reverse("admin:partners_partner_change", args=[partner.pk])
    page = client.get(url)
    assert "require two-factor sign-in for every member" in page.content.decode().lower()
    data = form_data(page)
    data["require_mfa"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.require_mfa


# --- the demo -------------------------------------------------------------------------------------


def test_the_demo_logins_partner_and_staff_sign_in_with_the_demo_key(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # idempotent: still one device each
    assert "RLSI E7GZ DRLJ XECN 56EG NIVJ XK6B GG3U" in out.getvalue()
    users = get_user_model().objects
    for username in ("partner", "staff"):
        devices = TOTPDevice.objects.filter(user__username=username)
        assert [(d.key, d.confirmed) for d in devices] == [(DEMO_TOTP_KEY_HEX, True)]
    assert not TOTPDevice.objects.filter(user__username="other").exists()

    code = StringIO()
    call_command("demo_totp", stdout=code)
    printed = code.getvalue().splitlines()[0]
    assert printed == totp_code(TOTPDevice.objects.get(user__username="partner"))
    client.post(reverse("login"), {"username": "partner", "password": "lmp-demo-2026"})
    assert client.post(VERIFY, {"code": printed}).status_code == 302
    assert client.get(LICENSES).status_code == 200
    assert users.get(username="partner").membership.role == PartnerRole.ADMINISTRATOR


def test_the_second_factor_step_shows_no_menu_but_log_out(client, admin_user):
    """Until the code is typed the menu's pages would only send the login back here: the step
    shows Log out alone; once verified, the menu is back."""
    totp_device(admin_user)
    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == reverse("accounts:verify")
    assert "Log out" in response.text
    for link in ("Customer Onboarding", "Team", "Billing", reverse("accounts:account")):
        assert link not in response.text, link

    device = totp_device(admin_user)
    response = client.post(reverse("accounts:verify"), {"code": totp_code(device)}, follow=True)
    assert response.request["PATH_INFO"] == reverse("licenses:license_list")
    for link in ("Customer Onboarding", "Team", "Billing", reverse("accounts:account")):
        assert link in response.text, link


# --- the recovery codes page ------------------------------------------------------------------


def download_text(html: str) -> str:
    """What the page's Download (.txt) link saves."""
    from urllib.parse import unquote

    match = re.search(
        r'<a [^>]*download="lmp-recovery-codes\.txt"[^>]*href="data:text/plain;charset=utf-8,'
        r'([^"]*)"',
        html,
    )
    assert match, "a Download (.txt) link"
    return unquote(match.group(1))


def test_first_codes_say_nothing_of_earlier_ones_and_can_be_copied_or_downloaded(
    partner_client, user
):
    codes = enrol(partner_client)  # alex's first authenticator
    html = partner_client.get(reverse("accounts:recovery_codes"))  # shown once: gone now
    assert not any(code in html.text for code in codes)

    # Regenerate (a recovery code proves it is alex), to look at both texts.
    partner_client.post(reverse("accounts:recovery_codes"), {"current_code": codes[0]})
    regenerated = partner_client.get(reverse("accounts:recovery_codes")).text
    assert "Your earlier recovery codes no longer work." in regenerated
    new = re.findall(r'class="recovery-code">([a-z2-7]{8})<', regenerated)
    text = download_text(regenerated)
    assert all(code in text.splitlines() for code in new) and "alex" in text
    assert 'data-copy-target="#recovery-codes"' in regenerated
    assert '<script defer src="/static/js/copy.js"></script>' in regenerated


def test_the_first_setup_does_not_say_earlier_codes_stopped_working(client, user):
    client.force_login(user)
    key = shown_key(client.get(SETUP))
    response = client.post(SETUP, {"code": code_for_key(key)})
    page = client.get(response.url).text
    assert "shown only this once" in page
    assert "no longer work" not in page
    codes = re.findall(r'class="recovery-code">([a-z2-7]{8})<', page)
    assert len(codes) == 10
    assert [line for line in download_text(page).splitlines() if line in codes] == codes


def test_a_replaced_authenticators_codes_say_the_earlier_ones_stopped_working(client, user):
    verified_login(client, user)  # with an authenticator already
    enrol(client)
    key = shown_key(client.get(SETUP))
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post(
        SETUP, {"code": code_for_key(key), "current_code": totp_code(device, steps_ahead=1)}
    )
    assert "Your earlier recovery codes no longer work." in client.get(response.url).text


# --- a signed-in session alone does not change the second factor ---------------------------------


def recovery_tokens(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def test_new_recovery_codes_ask_for_a_current_code(partner_client, user, settings):
    """A borrowed session could make new recovery codes, then move the second factor to its own
    phone with one of them (the setup page takes a recovery code as the current code)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    recovery = enrol(partner_client)
    tokens = recovery_tokens(user)
    codes_page = reverse("accounts:recovery_codes")

    response = partner_client.post(codes_page)
    assert response.status_code == 200
    assert error_under(response, "current_code") == (
        "Type the code your authenticator app shows, or one of your recovery codes."
    )
    assert "Your earlier recovery codes no longer work." not in response.text
    assert recovery_tokens(user) == tokens
    response = partner_client.post(codes_page, {"current_code": "abcdefgh"})
    assert error_under(response, "current_code").startswith("That code is not right.")
    assert 'value="abcdefgh"' in response.text
    assert recovery_tokens(user) == tokens
    assert 'name="current_code"' in partner_client.get(codes_page).text

    # With a code (here a recovery code, used up by it) the new ones are made and shown.
    response = partner_client.post(codes_page, {"current_code": recovery[0]})
    assert response.url == codes_page
    new = re.findall(r'class="recovery-code">([a-z2-7]{8})<', partner_client.get(codes_page).text)
    assert set(new) == recovery_tokens(user) and not set(new) & tokens


def test_turning_it_off_asks_for_a_current_code(partner_client, user, settings):
    """A borrowed session of a role that may turn it off could do so, then set up its own phone
    (the setup page asks for no current code when there is none)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    recovery = enrol(partner_client)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    tokens = recovery_tokens(user)
    remove = reverse("accounts:remove")

    response = partner_client.post(remove)
    assert response.status_code == 200
    assert error_under(response, "current_code") == (
        "Type the code your authenticator app shows, or one of your recovery codes."
    )
    wrong = "123456" if totp_code(device, steps_ahead=1) != "123456" else "654321"
    response = partner_client.post(remove, {"current_code": wrong})
    assert error_under(response, "current_code").startswith("That code is not right.")
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert recovery_tokens(user) == tokens
    assert 'name="current_code"' in partner_client.get(remove).text
    assert 'name="current_code"' in partner_client.get(SETUP).text  # still asked there too

    response = partner_client.post(remove, {"current_code": recovery[3]})
    assert response.url == reverse("accounts:account")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
