"""Plan the renewal's pages: the form, the cancel confirmation, the license page and Billing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from licenses import services
from licenses.models import ScheduledCommitmentChange
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory, make_customer
from tests.helpers.auth import verified_login
from tests.helpers.messages import messages_of
from tests.helpers.role_pages import FRENCH, in_language
from tests.helpers.state import db_state, error_next_to

pytestmark = pytest.mark.django_db

RENEWAL = dt.date(2027, 3, 31)


@pytest.fixture
def license(partner):
    license = VolumeLicenseFactory(partner=partner, seat_commitment=1990, renewal_date=RENEWAL)
    make_customer(license=license, tier_users=1620)
    return license


def plan_url(license):
    return reverse("licenses:license_renewal", args=[license.pk])


def cancel_url(license):
    return reverse("licenses:license_renewal_cancel", args=[license.pk])


def test_an_administrator_plans_the_renewal_and_the_pages_show_it(
    administrator_client, admin_user, license, django_assert_max_num_queries
):
    page = administrator_client.get(reverse("licenses:license_detail", args=[license.pk])).text
    assert "Plan the renewal" in page
    assert administrator_client.get(plan_url(license)).status_code == 200
    response = administrator_client.post(plan_url(license), {"new_commitment": "1700"})
    assert response.status_code == 302
    assert messages_of(administrator_client.get(response["Location"])) == [
        "Renewal planned: from Mar 31, 2027 the seat commitment will be 1,700 users."
    ]
    change = ScheduledCommitmentChange.objects.get()
    assert (change.new_commitment, change.created_by) == (1700, admin_user)
    with django_assert_max_num_queries(40):
        page = administrator_client.get(reverse("licenses:license_detail", args=[license.pk]))
    assert "At renewal on Mar 31, 2027: 1,990 → 1,700 users" in page.text
    assert cancel_url(license) in page.text
    billing = administrator_client.get(reverse("billing:billing")).text
    assert "At renewal on Mar 31, 2027: 1,990 → 1,700 users" in billing
    form = administrator_client.get(plan_url(license)).text
    assert "From Mar 31, 2027: 1,700 users (scheduled by sam)." in form


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1500", "1,620 users are allocated; the commitment at renewal cannot be lower."),
        ("1990", "This is the commitment already: choose a higher or lower figure."),
        ("", "Enter the seat commitment for the renewal."),
        ("12.5", "The commitment must be a whole number."),
        ("-1", "The commitment cannot be negative."),
    ],
)
def test_a_refused_figure_is_shown_next_to_the_field_and_nothing_is_scheduled(
    administrator_client, license, value, message
):
    response = administrator_client.post(plan_url(license), {"new_commitment": value})
    assert response.status_code == 200
    assert error_next_to(response.text, "new_commitment", message)
    assert not ScheduledCommitmentChange.objects.exists()


def test_the_cancel_confirmation_then_post_cancels(
    administrator_client, admin_user, partner, license
):
    services.commitment_change_schedule(
        actor=admin_user, partner=partner, license=license, new_commitment=2500
    )
    page = administrator_client.get(cancel_url(license))
    assert "Cancel the change planned for the renewal?" in page.text
    assert ScheduledCommitmentChange.objects.get().status == "scheduled"  # GET changes nothing
    response = administrator_client.post(cancel_url(license))
    assert response.status_code == 302
    assert ScheduledCommitmentChange.objects.get().status == "cancelled"
    assert messages_of(administrator_client.get(response["Location"])) == [
        "The change planned for the renewal is cancelled."
    ]


@pytest.mark.parametrize(
    "role", [PartnerRole.ALLOCATOR, PartnerRole.VIEW_ONLY, PartnerRole.BANK_DETAILS_ONLY]
)
def test_other_roles_get_403_and_change_nothing(partner, license, role):
    client = verified_login(
        Client(), MembershipFactory(partner=partner, user=UserFactory(), role=role).user
    )
    before = db_state()
    assert client.get(plan_url(license)).status_code == 403
    assert client.post(plan_url(license), {"new_commitment": "2500"}).status_code == 403
    assert client.post(cancel_url(license)).status_code == 403
    assert db_state() == before


def test_another_partners_license_is_404(administrator_client, other_license, partner, license):
    for url in (plan_url(other_license), cancel_url(other_license)):
        assert administrator_client.get(url).status_code == 404
        assert administrator_client.post(url, {"new_commitment": "600"}).status_code == 404
    # A license shared with the partner is its owner's to plan: 404 too.
    other_license.sub_partners.add(partner)
    assert administrator_client.get(plan_url(other_license)).status_code == 404
    assert not ScheduledCommitmentChange.objects.exists()


FRENCH_FLOOR = (
    "1\u202f620 utilisateurs sont attribués\u00a0; l'engagement au renouvellement ne peut pas "
    "être inférieur."
)


def test_the_pages_in_french(administrator_client, admin_user, partner, license):
    client = in_language(administrator_client, FRENCH)
    response = client.post(plan_url(license), {"new_commitment": "1500"})
    assert error_next_to(response.text, "new_commitment", FRENCH_FLOOR)
    assert "Planifier le renouvellement" in response.text
