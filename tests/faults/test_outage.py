"""A database that cannot be reached answers 503 with Retry-After, wherever the request meets it.

The outage is simulated where a real one shows: opening a cursor raises the driver's
``OperationalError`` (connection refused) or ``InterfaceError`` (connection already closed).
A signed-in request meets it first in LoginRequiredMiddleware's ``process_view`` (the session
and user are loaded there, before the view), a login in the throttling backend, a view in its
selector.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError, InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from licenses import views as license_views
from tests.helpers.auth import PASSWORD
from tests.helpers.outage import OUTAGE, database_down


@pytest.fixture
def browser(user, complete_license):
    """A signed-in client that gets the error page, as a browser would, not the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    text = response.text
    assert "LMP is briefly unavailable" in text
    assert "try again in a minute" in text
    assert "Traceback" not in text and OUTAGE not in text
    assert "Log out" not in text  # rendered without the user, who could not be loaded


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_signed_in_page_answers_503_when_the_session_cannot_be_loaded(browser, error):
    with database_down(error):
        response = browser.get(reverse("licenses:license_list"))
    assert_unavailable(response)


def test_a_login_answers_503_when_the_database_is_down(user):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert_unavailable(response)


def test_a_view_whose_query_fails_answers_503(browser, complete_license, monkeypatch):
    monkeypatch.setattr(
        license_views, "license_customers", mock.Mock(side_effect=OperationalError(OUTAGE))
    )
    url = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    assert_unavailable(browser.get(url))
    assert_unavailable(browser.get(url, headers={"HX-Request": "true"}))


@pytest.mark.parametrize("error", [DatabaseError, ValueError])
def test_other_errors_are_still_a_500(browser, complete_license, monkeypatch, error):
    monkeypatch.setattr(license_views, "license_customers", mock.Mock(side_effect=error("bug")))
    response = browser.get(reverse("licenses:license_detail", kwargs={"pk": complete_license.pk}))
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong on our side" in response.text


def test_the_503_page_renders_without_a_request_context():
    from django.template.loader import get_template

    text = get_template("503.html").render()
    assert "LMP is briefly unavailable" in text
    assert "Log out" not in text
