"""Hardening an operator would check: login throttling, CSP, sessions, the deploy checklist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _without_csrf(html: str) -> str:
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def _fail_login(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_wrong_password_gives_a_generic_message(client, user):
    response = _fail_login(client, user.username)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
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


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_checklist_reports_nothing_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEBUG"},
        "SECRET_KEY": "x" * 20 + "-deploy-check-" + "y7Qz3!pL0vR9#wK2@nB5$hJ8%mD4^fT6&",
        "ALLOWED_HOSTS": "lmp.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_HTTPONLY", "SESSION_EXPIRE_AT_BROWSER_CLOSE"])
def test_session_cookie_settings(setting):
    assert getattr(settings, setting) is True
