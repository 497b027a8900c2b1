"""The seat forecast where partners read it: the license page, the low-seats e-mail, the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from licenses import services
from licenses.alerts import alerts_run
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.helpers.api import key_client, make_key
from tests.helpers.role_pages import FRENCH as FRENCH_LOGIN
from tests.helpers.seat_history import SeatHistory

pytestmark = pytest.mark.django_db

SENTENCE = (
    "At this pace (+270 users in 90 days), MDR Complete's unallocated users run out around "
    "Oct 28, 2026 (in 200 days)."
)
FRENCH = (
    "À ce rythme (+270 utilisateurs en 90 jours), les utilisateurs non attribués de MDR "
    "Complete seront épuisés vers le 28 oct. 2026 (dans 200 jours)."
)


@pytest.fixture
def history(partner):
    """A Complete pool of 1,000: 100 users on Jan 1, 2026, then +30 every 10 days to Apr 11."""
    pool = SeatHistory(partner=partner, commitment=1000, base_users=100)
    for day in range(1, 101):
        pool.day(30 if day % 10 == 0 else 0)
    yield pool
    pool.stop()


def page(license) -> str:
    return reverse("licenses:license_detail", kwargs={"pk": license.pk})


def api_url(license) -> str:
    return reverse("api:license_detail", kwargs={"license_pk": license.pk})


def test_the_license_page_shows_the_forecast(client, user, history):
    client.force_login(user)
    response = client.get(page(history.license))
    assert response.status_code == 200
    assert 'data-forecast="runs_out"' in response.text
    assert SENTENCE.replace("'", "&#x27;") in response.text
    Membership.objects.filter(user=user).update(language=FRENCH_LOGIN)
    french = client.get(page(history.license))
    assert FRENCH.replace("'", "&#x27;") in french.text


def test_a_sub_partner_sees_no_forecast_of_the_owners_pool(client, other_partner, history):
    history.license.sub_partners.add(other_partner)
    viewer = MembershipFactory(partner=other_partner, user=UserFactory(username="sub")).user
    client.force_login(viewer)
    response = client.get(page(history.license))
    assert response.status_code == 200
    assert "data-forecast" not in response.text
    assert "At this pace" not in response.text


def test_the_low_seats_email_says_when_the_users_run_out(
    partner, admin_user, history, django_capture_on_commit_callbacks
):
    services.license_threshold_set(
        actor=admin_user, partner=partner, license=history.license, threshold=700, unit="users"
    )
    today = timezone.localdate()
    history.stop()  # the outbox's worker sends what is due by the real clock
    with django_capture_on_commit_callbacks(execute=True):
        report = alerts_run(today=today, site_url="https://lmp.example")
    assert report.sent == 1
    (message,) = mail.outbox
    assert "600 unallocated" in message.subject
    assert SENTENCE in message.body


def test_the_api_license_detail_has_the_forecast(partner, other_partner, history):
    api = key_client(make_key(partner, role=PartnerRole.VIEW_ONLY)[1])
    body = api.get(api_url(history.license)).json()
    assert body["forecast"] == {
        "status": "runs_out",
        "window_days": 90,
        "net_users": 270,
        "runs_out_on": "2026-10-28",
        "days_left": 200,
        "text": SENTENCE,
    }
    french = api.get(api_url(history.license), HTTP_ACCEPT_LANGUAGE="fr-CA").json()
    assert french["forecast"]["text"] == FRENCH
    assert french["forecast"]["runs_out_on"] == "2026-10-28"  # the data stays the same
    # The list has no forecast (one per license would cost four queries each).
    listed = api.get(reverse("api:license_list")).json()
    assert "forecast" not in listed[0]
    # A sub-partner does not see the pool's allocation, nor its forecast.
    history.license.sub_partners.add(other_partner)
    shared = key_client(make_key(other_partner, role=PartnerRole.VIEW_ONLY)[1])
    assert shared.get(api_url(history.license)).json()["forecast"] is None


@pytest.mark.parametrize("customers", [5, 50])
def test_the_api_license_detail_costs_the_same_queries_for_5_or_50_customers(
    partner, customers, django_assert_num_queries
):
    pool = SeatHistory(partner=partner, commitment=1000, base_users=10)
    try:
        for _ in range(40):
            pool.day(0)
        for _ in range(customers):
            pool.day(0)
            pool.onboard(2)
        api = key_client(make_key(partner, role=PartnerRole.VIEW_ONLY)[1])
        api.get(api_url(pool.license))  # the key's first use writes last_used_at
        # The key with its partner, the throttle, the license, the forecast's three, the
        # commitment planned for the renewal.
        with django_assert_num_queries(7):
            body = api.get(api_url(pool.license)).json()
        assert body["forecast"]["net_users"] == 2 * customers
    finally:
        pool.stop()
