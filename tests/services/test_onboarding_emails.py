"""The two e-mails of a submitted onboarding order: the order to the partner who submitted it, and a
welcome / MDR Portal invitation of its own to the customer's administrator (bug 12)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail

from onboarding.models import OnboardingRequest
from tests.factories import UserFactory
from tests.factories_onboarding import submit_order

PARTNER_SUBJECT = "Onboarding submitted: Acme Holdings Ltd. (MDR Complete)"
WELCOME_SUBJECT = "Welcome to MDR Complete: create your MDR Portal account for Acme Holdings Ltd."


def texts(message) -> list[str]:
    """The subject, the plain-text body and every alternative (HTML) body."""
    return [message.subject, message.body, *(content for content, _ in message.alternatives)]


@pytest.fixture
def submitted(complete_license, cloud_license, django_capture_on_commit_callbacks):
    """An order for "Acme Holdings Ltd." (a name ending in a period) submitted by Alex."""
    user = UserFactory(username="alex.chen", email="alex@northwind.example", first_name="Alex")
    with django_capture_on_commit_callbacks(execute=True):
        submit_order(
            license=complete_license,
            actor=user,
            legal_name="Acme Holdings Ltd.",
            cloud_users=5,
            sat_users=10,
            site_url="https://lmp.example/",
        )
    return OnboardingRequest.objects.get()


def test_the_partner_gets_the_order_and_the_administrator_its_own_welcome(submitted):
    assert [(m.to, m.cc, m.bcc) for m in mail.outbox] == [
        (["alex@northwind.example"], [], []),
        (["it@acme-dental.example"], [], []),
    ]
    order_mail, welcome = mail.outbox
    assert order_mail.subject == PARTNER_SUBJECT
    assert welcome.subject == WELCOME_SUBJECT


def test_the_order_mail_has_the_order_and_the_portal_link(submitted):
    order_mail = mail.outbox[0]
    assert "Hello Alex" in order_mail.body
    assert "MDR Complete Users: 25" in order_mail.body
    assert "MDR Cloud Users: 5" in order_mail.body
    assert "Beauceron SAT Users: 10" in order_mail.body
    assert f"https://lmp.example/onboarding/requests/{submitted.pk}/" in order_mail.body
    # The partner is told the invitation went out, but the customer's own link stays theirs.
    assert "it@acme-dental.example" in order_mail.body
    assert all("invitations/accept" not in text for text in texts(order_mail))
    html, mimetype = order_mail.alternatives[0]
    assert mimetype == "text/html" and f"/onboarding/requests/{submitted.pk}/" in html


def test_the_welcome_mail_has_the_invitation_and_no_partner_portal_link(submitted):
    welcome = mail.outbox[1]
    assert "invitations/accept?email=it%40acme-dental.example" in welcome.body
    html, mimetype = welcome.alternatives[0]
    assert mimetype == "text/html" and "Create your MDR Portal account" in html
    assert "invitations/accept?email=it%40acme-dental.example" in html
    for text in texts(welcome):
        assert "lmp.example" not in text
        assert "/onboarding/requests/" not in text
        assert "License Management Portal" not in text
    assert "Northwind MSP" in welcome.body  # who onboarded them


def test_a_name_ending_in_a_period_gets_no_second_period(submitted):
    for message in mail.outbox:
        for text in texts(message):
            assert "Ltd.." not in text


def test_without_a_submitter_address_only_the_welcome_goes_out(
    complete_license, django_capture_on_commit_callbacks, caplog
):
    user = UserFactory(username="no-mail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        submit_order(license=complete_license, actor=user)
    ((to, subject),) = [(m.to, m.subject) for m in mail.outbox]
    assert to == ["it@acme-dental.example"]
    assert subject.startswith("Welcome to MDR Complete")
    assert "has no e-mail address" in caplog.text


def test_one_failed_message_does_not_stop_the_other(
    complete_license, user, django_capture_on_commit_callbacks, caplog
):
    real_send = mail.EmailMultiAlternatives.send
    calls = []

    def first_fails(message, *args, **kwargs):
        calls.append(message.to)
        if len(calls) == 1:
            raise OSError("down")
        return real_send(message, *args, **kwargs)

    with (
        mock.patch.object(mail.EmailMultiAlternatives, "send", first_fails),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submit_order(license=complete_license, actor=user)
    assert len(calls) == 2
    assert [m.to for m in mail.outbox] == [["it@acme-dental.example"]]
    assert "Could not send the onboarding order e-mail" in caplog.text
