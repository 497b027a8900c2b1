"""Password reset by e-mail (never saying whether an address has a login) and change password
(Django's validators); a reset does not skip the second factor."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.helpers.auth import PASSWORD, totp_code, totp_device, verified_login

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")
NEW_PASSWORD = "harbour-lantern-1987"


def reset_link(message) -> str:
    match = re.search(r"https?://testserver(/password-reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sign_in(client, user, password):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def ask_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RESET, {"email": email})


def test_the_login_page_links_to_password_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{RESET}">Forgot your password?</a>' in html
    page = client.get(RESET)
    assert page.status_code == 200
    assert "Reset your password" in page.content.decode()


def test_a_known_address_gets_a_link_that_sets_a_new_password(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask_reset(client, user.email.upper(), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert "If a login has this address" in client.get(response.url).content.decode()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your License Management Portal password"
    assert user.username in message.body

    link = reset_link(message)
    form_url = client.get(link).url  # Django moves the token out of the URL into the session
    page = client.get(form_url)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == reverse("password_reset_complete")
    assert "Your password is changed" in client.get(response.url).content.decode()

    assert sign_in(client, user, PASSWORD).status_code == 200  # the form again, refused
    assert sign_in(client, user, NEW_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    # The link worked once.
    used = client.get(link, follow=True)
    assert "This link no longer works" in used.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_email(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask_reset(client, user.email, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    unknown = ask_reset(client, "nobody@nowhere.example", django_capture_on_commit_callbacks)
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert mailoutbox == []


def test_a_tampered_link_is_refused(client, user):
    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "wrong-token"})
    )
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_a_reset_does_not_skip_the_second_factor(
    client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    device = totp_device(admin_user)
    ask_reset(client, admin_user.email, django_capture_on_commit_callbacks)
    form_url = client.get(reset_link(mailoutbox[0])).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.post(
        reverse("login"), {"username": admin_user.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    licenses = reverse("licenses:license_list")
    assert client.get(licenses).url.startswith(reverse("accounts:verify"))
    client.post(reverse("accounts:verify"), {"code": totp_code(device)})
    assert client.get(licenses).status_code == 200


def test_change_password_refuses_a_weak_one_next_to_the_field(administrator_client, admin_user):
    url = reverse("accounts:password_change")
    assert administrator_client.get(url).status_code == 200
    response = administrator_client.post(
        url, {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    errors = re.findall(
        r'<p id="error_\d+_id_new_password2"[^>]*>(.*?)</p>', response.content.decode(), re.S
    )
    assert "This password is too common." in " ".join(errors)
    assert 'value="password"' not in response.content.decode()  # passwords are not echoed
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)


def test_change_password_with_a_wrong_old_one_is_refused(administrator_client, admin_user):
    response = administrator_client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)


def test_change_password_keeps_the_session_signed_in_and_verified(client, admin_user):
    verified_login(client, admin_user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("accounts:account")
    assert "Your password has been changed." in client.get(response.url).content.decode()
    assert client.get(reverse("licenses:license_list")).status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)


def _request_work(client, email) -> tuple[list[str], int]:
    """The SQL a reset request runs (its literals blanked) and how many tasks it queues."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    tasks_before = DBTaskResult.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    blank = r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b"  # literals, savepoint names, numbers
    statements = [re.sub(blank, "?", q["sql"]) for q in queries.captured_queries]
    return statements, DBTaskResult.objects.count() - tasks_before


def test_a_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    # Timing would tell which addresses have a login: the request itself does the same work
    # for both (the same queries, one task queued); the worker finds the login and mails it.
    known = _request_work(client, user.email)
    unknown = _request_work(client, "nobody@nowhere.example")
    assert known == unknown
    assert known[1] == 1
    assert mailoutbox == []  # nothing is mailed by the request itself

    # The worker runs the queue: both requests for the known address mailed it, none other.
    ask_reset(client, user.email, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[user.email], [user.email]]
    ask_reset(client, "nobody@nowhere.example", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
