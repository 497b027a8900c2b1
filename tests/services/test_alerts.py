"""Alerts partners act on: renewal reminders and low seats, each sent once; banners; threshold."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from licenses import services
from licenses.alerts import alerts_run
from licenses.choices import AlertKind, ThresholdUnit
from licenses.models import LicenseAlert
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory, make_customer
from tests.helpers.state import db_state

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def team(partner, admin_user, user):
    """An Administrator (admin_user), an Allocator (user) and a View Only login."""
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="vic"), role=PartnerRole.VIEW_ONLY
    ).user
    return {"admin": admin_user, "allocator": user, "viewer": viewer}


def run(today=TODAY, capture=None):
    with capture(execute=True):
        return alerts_run(today=today, site_url="https://lmp.example")


def test_renewal_reminders_go_out_60_30_and_7_days_before_once_each(
    partner, team, django_capture_on_commit_callbacks
):
    license = VolumeLicenseFactory(partner=partner, renewal_date=TODAY + dt.timedelta(days=60))
    capture = django_capture_on_commit_callbacks
    assert run(TODAY - dt.timedelta(days=1), capture).sent == 0  # 61 days: nothing yet
    assert run(TODAY, capture).sent == 1
    assert [m.to for m in mail.outbox] == [[team["admin"].email]]  # Administrators only
    message = mail.outbox[0]
    assert "renews in 60 days" in message.subject
    assert f"https://lmp.example/licenses/{license.pk}/" in message.body
    # A rerun, the next days: nothing more until 30 days before.
    assert run(TODAY, capture).sent == 0
    assert run(TODAY + dt.timedelta(days=1), capture).sent == 0
    assert run(TODAY + dt.timedelta(days=30), capture).sent == 1
    assert run(TODAY + dt.timedelta(days=45), capture).sent == 0
    assert run(TODAY + dt.timedelta(days=53), capture).sent == 1
    assert run(TODAY + dt.timedelta(days=61), capture).sent == 0  # renewal passed
    assert [m.subject.split(" (")[0] for m in mail.outbox] == [
        "MDR Complete renews in 60 days",
        "MDR Complete renews in 30 days",
        "MDR Complete renews in 7 days",
    ]
    assert LicenseAlert.objects.filter(kind=AlertKind.RENEWAL).count() == 3


def test_a_missed_reminder_is_not_sent_late_only_the_latest_due(
    partner, team, django_capture_on_commit_callbacks
):
    VolumeLicenseFactory(partner=partner, renewal_date=TODAY + dt.timedelta(days=20))
    assert run(TODAY, django_capture_on_commit_callbacks).sent == 1
    assert "renews in 20 days" in mail.outbox[0].subject
    assert LicenseAlert.objects.get().key.endswith("/30")


def test_low_seats_fires_once_and_re_arms_when_unallocated_rises(
    partner, team, complete_license, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    services.license_threshold_set(
        actor=team["admin"], partner=partner, license=complete_license, threshold=100, unit="users"
    )
    customer = make_customer(license=complete_license, tier_users=1850)  # 140 unallocated
    name = customer.legal_name
    assert run(capture=capture).sent == 0
    services.customer_update(customer=customer, legal_name=name, tier_users=1900)  # 90 left
    assert run(capture=capture).sent == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([team["admin"].email, team["allocator"].email])
    assert "90 unallocated" in message.subject and "threshold of 100" in message.body
    assert run(capture=capture).sent == 0  # still low: no second e-mail
    services.customer_update(customer=customer, legal_name=name, tier_users=1880)  # 110 left
    report = run(capture=capture)
    assert (report.sent, report.rearmed) == (0, 1)
    services.customer_update(customer=customer, legal_name=name, tier_users=1950)  # 40 left
    assert run(capture=capture).sent == 1
    assert len(mail.outbox) == 2
    assert list(LicenseAlert.objects.order_by("pk").values_list("key", flat=True)) == ["1", "2"]


def test_a_percentage_threshold_is_of_the_commitment(
    partner, team, complete_license, django_capture_on_commit_callbacks
):
    services.license_threshold_set(
        actor=team["allocator"],
        partner=partner,
        license=complete_license,
        threshold=5,
        unit="percent",
    )
    complete_license.refresh_from_db()
    assert complete_license.low_seats_level == 100  # 5 % of 1,990, rounded up
    make_customer(license=complete_license, tier_users=1891)  # 99 left
    assert run(capture=django_capture_on_commit_callbacks).sent == 1


def test_the_command_is_idempotent_and_says_what_it_did(
    partner, team, django_capture_on_commit_callbacks
):
    VolumeLicenseFactory(partner=partner, renewal_date=timezone.localdate() + dt.timedelta(days=7))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("alerts_run", stdout=out)
        call_command("alerts_run", stdout=out)
    assert "alerts: 1 sent" in out.getvalue() and "alerts: 0 sent" in out.getvalue()
    assert len(mail.outbox) == 1


def test_banners_show_on_the_licenses_tab_and_the_license_page(
    partner_client, partner, complete_license, core_license
):
    core_license.renewal_date = timezone.localdate() + dt.timedelta(days=25)
    core_license.save()
    complete_license.low_seats_threshold = 2000
    complete_license.save()
    page = partner_client.get(reverse("licenses:license_list"))
    assert "MDR Core renews in 25 days" in page.text
    assert (
        "MDR Complete is low on seats: 1,990 unallocated, below your threshold of 2,000."
        in page.text
    )
    detail = partner_client.get(reverse("licenses:license_detail", args=[complete_license.pk]))
    assert "is low on seats" in detail.text and "MDR Core renews" not in detail.text
    complete_license.low_seats_threshold = 100
    complete_license.save()
    assert "low on seats" not in partner_client.get(reverse("licenses:license_list")).text


def test_an_allocator_sets_the_threshold_on_the_license_page(partner_client, complete_license):
    detail = partner_client.get(reverse("licenses:license_detail", args=[complete_license.pk]))
    assert 'id="threshold-form"' in detail.text
    url = reverse("licenses:license_threshold", args=[complete_license.pk])
    assert partner_client.get(url).status_code == 200
    response = partner_client.post(url, {"low_seats_threshold": "10", "low_seats_unit": "percent"})
    assert response.status_code == 302
    complete_license.refresh_from_db()
    assert (complete_license.low_seats_threshold, complete_license.low_seats_unit) == (
        10,
        ThresholdUnit.PERCENT,
    )
    page = partner_client.get(response.url)
    assert "unallocated falls below 199 users" in page.text
    # Empty turns it off.
    partner_client.post(url, {"low_seats_threshold": "", "low_seats_unit": "users"})
    complete_license.refresh_from_db()
    assert complete_license.low_seats_threshold is None


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("150", "percent", "A percentage is at most 100."),
        ("0", "users", "The threshold must be at least 1"),
        ("abc", "users", "The threshold must be a whole number."),
        ("10", "bogus", "Select a valid choice."),
    ],
)
def test_a_bad_threshold_is_refused_next_to_the_field(
    partner_client, complete_license, value, unit, message
):
    before = db_state()
    url = reverse("licenses:license_threshold", args=[complete_license.pk])
    response = partner_client.post(url, {"low_seats_threshold": value, "low_seats_unit": unit})
    assert response.status_code == 200
    assert message in response.text
    assert db_state() == before


def test_a_shared_licenses_threshold_is_its_owners(
    partner_client, partner, other_partner, django_assert_num_queries
):
    shared = VolumeLicenseFactory(partner=other_partner)
    shared.sub_partners.add(partner)
    detail = partner_client.get(reverse("licenses:license_detail", args=[shared.pk]))
    assert detail.status_code == 200 and 'id="threshold-form"' not in detail.text
    url = reverse("licenses:license_threshold", args=[shared.pk])
    before = db_state()
    assert (
        partner_client.post(
            url, {"low_seats_threshold": "5", "low_seats_unit": "users"}
        ).status_code
        == 404
    )
    assert db_state() == before


def test_view_only_sees_no_threshold_form(client, partner, complete_license):
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="vic"), role=PartnerRole.VIEW_ONLY
    ).user
    client.force_login(viewer)
    detail = client.get(reverse("licenses:license_detail", args=[complete_license.pk]))
    assert 'id="threshold-form"' not in detail.text


def test_staff_see_the_alerts_sent_read_only(
    client, staff_user, partner, team, django_capture_on_commit_callbacks
):
    from tests.helpers.auth import verified_login

    VolumeLicenseFactory(partner=partner, renewal_date=TODAY + dt.timedelta(days=7))
    run(TODAY, django_capture_on_commit_callbacks)
    alert = LicenseAlert.objects.get()
    verified_login(client, staff_user)
    changelist = client.get(reverse("admin:licenses_licensealert_changelist"))
    assert changelist.status_code == 200 and team["admin"].email in changelist.text
    assert (
        client.get(reverse("admin:licenses_licensealert_change", args=[alert.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:licenses_licensealert_add")).status_code == 403
