"""Hardening an operator would check: login throttling, CSP, sessions, the deploy checklist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers.auth import PASSWORD, verified_login
from tests.helpers.edit import EditPage
from tests.helpers.routes import (
    TENANCY_TESTED_ELSEWHERE,
    all_routes,
    object_urls,
    sample_kwargs,
)
from tests.helpers.state import db_state

ROOT = Path(settings.BASE_DIR)


def _without_csrf(html: str) -> str:
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def _fail_login(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_wrong_password_gives_a_generic_message(client, user):
    response = _fail_login(client, user.username)
    assert response.status_code == 200
    assert "Please enter a correct e-mail address (or username) and password" in response.text
    # What was typed stays in the form.
    assert f'value="{user.username}"' in response.text


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, user):
    # The first failures get the login form back; the one that reaches the limit locks.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _fail_login(client, user.username).status_code == 200
    locked = _fail_login(client, user.username)
    assert locked.status_code == 429
    assert "Too many login attempts" in locked.text
    right = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_reveal_whether_a_username_exists(client, user):
    responses = {}
    for name in (user.username, "no-such-user"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _fail_login(client, name)
        responses[name] = _fail_login(client, name)
    existing, missing = responses[user.username], responses["no-such-user"]
    assert existing.status_code == missing.status_code == 429
    # Identical pages apart from the per-request CSRF token.
    assert _without_csrf(existing.text) == _without_csrf(missing.text)


def test_other_users_are_not_locked_by_someone_elses_failures(client, user, other_user):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _fail_login(client, user.username)
    response = client.post(
        reverse("login"), {"username": other_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302


# --- throttling behind a load balancer ---------------------------------------------------------

BALANCER = "10.0.0.2"  # REMOTE_ADDR of every request that came through the load balancer


def _fail_login_from(username: str, *, remote: str, forwarded: str | None = None):
    """A wrong password from a client of its own (one per attempt, as an attacker would)."""
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra).post(
        reverse("login"), {"username": username, "password": "wrong-password"}
    )


def _log_in_from(username: str, *, remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra).post(reverse("login"), {"username": username, "password": PASSWORD})


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_a_lockout_is_per_client_not_per_balancer(user):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail_login_from(user.username, remote=BALANCER, forwarded="198.51.100.7")
    assert _log_in_from(user.username, remote=BALANCER, forwarded="198.51.100.7").status_code == 429
    # Another office, through the same balancer, still gets in.
    assert _log_in_from(user.username, remote=BALANCER, forwarded="192.0.2.44").status_code == 302


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_a_forged_forwarded_for_does_not_escape_the_lockout(user):
    # The balancer appends the address it saw; whatever the client sent stays to the left of it.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        forged = f"203.0.113.{attempt + 1}, 198.51.100.7"
        _fail_login_from(user.username, remote=BALANCER, forwarded=forged)
    forged = "203.0.113.99, 198.51.100.7"
    assert _log_in_from(user.username, remote=BALANCER, forwarded=forged).status_code == 429


def test_without_a_proxy_count_forwarded_for_is_ignored(user):
    # Reaching LMP directly, an attacker who changes X-Forwarded-For on every attempt is still
    # one address; and nobody else is locked out by it.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _fail_login_from(user.username, remote="198.51.100.7", forwarded=f"203.0.113.{attempt}")
    response = _log_in_from(user.username, remote="198.51.100.7", forwarded="203.0.113.99")
    assert response.status_code == 429
    assert _log_in_from(user.username, remote="192.0.2.44").status_code == 302


def test_successful_login_session_expires(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 60 * 60


def test_pages_send_a_strict_content_security_policy(partner_client, complete_license):
    response = partner_client.get(reverse("licenses:license_list"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["style-src"]


def test_logout_requires_post(partner_client):
    assert partner_client.get(reverse("logout")).status_code == 405
    assert partner_client.post(reverse("logout")).status_code == 302


# The subprocesses below run ``manage.py`` as an operator would on a production host: only the
# process basics are inherited. Copying the test run's environment once leaked
# DJANGO_ALLOW_ASYNC_UNSAFE (which the browser tests set while a browser runs) into the
# deploy check, which rightly reported it (async.E001); DATABASE_URL, DEBUG,
# LMP_TESTING, SECURE_* and the like would change what is checked just as silently.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT")
# A bound, not a timing assertion: a loaded CI box under ``pytest -n 4`` can be slow to import.
SUBPROCESS_TIMEOUT = 180


def production_env(**settings_env: str) -> dict[str, str]:
    """A production host's environment: the process basics plus ``settings_env``, nothing else."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(settings_env)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
    )


# What a test run (or a developer's shell) may have set that a production host would not.
TEST_RUN_ENV = {
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    "DEBUG": "1",
    "LMP_TESTING": "1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
}


def test_production_settings_refuse_to_start_without_a_secret_key(monkeypatch):
    for name, value in TEST_RUN_ENV.items():
        monkeypatch.setenv(name, value)
    result = manage("check", env=production_env())
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_checklist_reports_nothing_with_production_settings(monkeypatch):
    # As under ``pytest -n 4``, where every worker has imported the browser conftest.
    for name, value in TEST_RUN_ENV.items():
        monkeypatch.setenv(name, value)
    env = production_env(
        SECRET_KEY="x" * 20 + "-deploy-check-" + "y7Qz3!pL0vR9#wK2@nB5$hJ8%mD4^fT6&",
        ALLOWED_HOSTS="lmp.example.com",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_HTTPONLY", "SESSION_EXPIRE_AT_BROWSER_CLOSE"])
def test_session_cookie_settings(setting):
    assert getattr(settings, setting) is True


# --- every state change is a POST with a CSRF token ------------------------------------------


def _every_url(world) -> list[tuple[str, str]]:
    """Each route of the URLconf (admin aside) once, object routes with the owner's objects."""
    urls = [(name, url) for name, url, owner_sees in object_urls(world) if owner_sees]
    urls += [(r.name, reverse(r.name)) for r in all_routes() if not r.kwargs]
    urls += [
        (r.name, reverse(r.name, kwargs=sample_kwargs(r)))
        for r in all_routes()
        if r.name in TENANCY_TESTED_ELSEWHERE
    ]
    assert {name for name, _ in urls} == {r.name for r in all_routes()}
    return urls


def test_get_never_changes_anything_on_any_page(world, admin_user):
    # An Administrator may open every page (what the other roles get: tests/policy/test_roles.py).
    client = verified_login(Client(), admin_user)
    before = db_state()
    for name, url in _every_url(world):
        response = client.get(url)
        # An Administrator must keep the second factor: its removal page is the one refusal.
        expected = {403} if name == "accounts:remove" else {200, 302, 405}
        if name in TENANCY_TESTED_ELSEWHERE:
            expected.add(404)  # a sample id (tests/policy/test_roles.py opens real ones)
        assert response.status_code in expected, (name, response.status_code)
    assert db_state() == before
    assert "_auth_user_id" in client.session  # GET /logout/ did not log out either


def test_every_post_without_a_csrf_token_is_refused(world, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    before = db_state()
    for name, url in _every_url(world):
        response = client.post(url, {"legal_name": "Changed", "tier_users": "1", "confirm": "on"})
        assert response.status_code == 403, (name, response.status_code)
    assert db_state() == before
    assert "_auth_user_id" in client.session


# --- nothing a signed-in user saw stays in a cache ---------------------------------------------


def _stored(response) -> bool:
    return "no-store" not in response.get("Cache-Control", "")


def test_no_page_and_no_export_is_stored_by_a_browser_or_proxy(world, user, other_license):
    client = Client()
    client.force_login(user)
    pages = _every_url(world) + [
        (
            "export of a search",
            reverse("licenses:license_export", kwargs={"pk": world.license.pk}) + "?q=Alpha",
        ),
        (
            "another partner's license",
            reverse("licenses:license_detail", kwargs={"pk": other_license.pk}),
        ),
        ("no such page", "/no-such-page/"),
    ]
    assert "licenses:license_export" in {name for name, _ in pages}
    stored = [(name, url) for name, url in pages if _stored(client.get(url))]
    assert stored == []
    # Answers to a POST too (a form shown again with its errors).
    posted = EditPage(client, world.customer, world.license).post({"tier_users": "-1"})
    assert posted.status_code == 200
    assert not _stored(posted)


def test_the_login_page_is_not_stored_but_its_static_assets_are_cacheable(db):
    anonymous = Client()
    assert not _stored(anonymous.get(reverse("login")))
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        asset = Client().get(static("css/lmp.css"))
    assert asset.status_code == 200
    assert _stored(asset)


def test_error_pages_look_like_the_product_and_say_what_to_do(partner_client, other_license):
    missing = partner_client.get(
        reverse("licenses:license_detail", kwargs={"pk": other_license.pk})
    )
    assert missing.status_code == 404
    assert "We could not find that page" in missing.text
    assert 'href="/licenses/"' in missing.text and "lmp-navbar" in missing.text

    unlinked = Client()
    unlinked.force_login(UserFactory(username="no-partner"))
    refused = unlinked.get(reverse("licenses:license_list"))
    assert refused.status_code == 403
    assert "You do not have access to this page" in refused.text


def test_every_page_has_a_plain_title(world, admin_user):
    """The browser tab names the page in plain words: no markup leaks into <title> (the Billing
    page once carried its whole purchases table there)."""
    client = verified_login(Client(), admin_user)
    for name, url in _every_url(world):
        response = client.get(url, follow=True)
        if "text/html" not in response.get("Content-Type", "") or "<title>" not in response.text:
            continue
        title = response.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and len(title) < 120, (name, title[:80])


@pytest.mark.parametrize("length", [151, 255, 256, 1000])
def test_a_very_long_username_gets_the_ordinary_login_error(client, user, length):
    # django-axes records a failure's username in a 255-character column; a longer one must not
    # reach it as it is (PostgreSQL refuses it: a DataError, a 500).
    response = _fail_login(client, "u" * length)
    assert response.status_code == 200
    assert "Please enter a correct" in response.text
    assert "_auth_user_id" not in client.session


def test_the_login_field_says_what_people_type(client, user, staff_user):
    page = client.get(reverse("login")).text
    assert '<label class="form-label" for="id_username">E-mail address or username</label>' in page
    # An invited member's login is its e-mail address; vendor staff and the demo logins have a
    # username, in the portal as in Django admin's own login page.
    user.username = user.email = "alex@northwind.example"
    user.save()
    assert Client().post(reverse("login"), {"username": user.email, "password": PASSWORD}).url
    admin_login = Client().get(reverse("admin:login"))
    assert '<label for="id_username" class="required">Username:</label>' in admin_login.text
    response = Client().post(
        reverse("admin:login"), {"username": staff_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    wrong = _fail_login(client, "alex@northwind.example")
    assert "Please enter a correct e-mail address (or username) and password." in wrong.text
