"""Plan the renewal: a commitment an Administrator schedules for the renewal date, applied once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from licenses import services
from licenses.choices import CommitmentChangeStatus
from licenses.models import ScheduledCommitmentChange, VolumeLicense
from licenses.services.renewals import months_add
from lmp.billing.services import seats_purchase
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership
from lmp.webhooks.models import WebhookDelivery
from lmp.webhooks.services import endpoint_create
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory, make_customer

pytestmark = pytest.mark.django_db

RENEWAL = dt.date(2027, 3, 31)


@pytest.fixture
def license(partner):
    return VolumeLicenseFactory(partner=partner, seat_commitment=1990, renewal_date=RENEWAL)


def schedule(actor, partner, license, figure):
    return services.commitment_change_schedule(
        actor=actor, partner=partner, license=license, new_commitment=figure
    )


def refusal(exc: ValidationError) -> dict:
    return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}


def test_an_administrator_schedules_a_lower_commitment_for_the_renewal(
    partner, admin_user, license
):
    make_customer(license=license, tier_users=1400)
    change = schedule(admin_user, partner, license, 1500)
    assert (change.new_commitment, change.renewal_date) == (1500, RENEWAL)
    assert change.status == CommitmentChangeStatus.SCHEDULED
    assert change.created_by == admin_user
    license.refresh_from_db()
    assert license.seat_commitment == 1990  # nothing changes before the renewal


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        (1619, "1,620 users are allocated; the commitment at renewal cannot be lower."),
        (1990, "This is the commitment already: choose a higher or lower figure."),
        (-5, None),
        ("many", None),
    ],
)
def test_a_figure_below_allocated_or_unchanged_is_refused_by_the_field(
    partner, admin_user, license, figure, message
):
    make_customer(license=license, tier_users=1620)
    with pytest.raises(ValidationError) as exc:
        schedule(admin_user, partner, license, figure)
    errors = refusal(exc.value)
    assert list(errors) == ["new_commitment"]
    if message:
        assert errors["new_commitment"] == [message]
    assert not ScheduledCommitmentChange.objects.exists()


def test_one_change_at_a_time_and_cancel_frees_the_slot(partner, admin_user, license):
    schedule(admin_user, partner, license, 2500)
    with pytest.raises(ValidationError) as exc:
        schedule(admin_user, partner, license, 2600)
    assert refusal(exc.value) == {
        "new_commitment": ["A change is already scheduled for this renewal: cancel it first."]
    }
    cancelled = services.commitment_change_cancel(
        actor=admin_user, partner=partner, license=license
    )
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", admin_user)
    assert schedule(admin_user, partner, license, 2600).new_commitment == 2600
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        ScheduledCommitmentChange.objects.create(
            license=license, new_commitment=10, renewal_date=RENEWAL
        )


@pytest.mark.parametrize("role", [PartnerRole.ALLOCATOR, PartnerRole.VIEW_ONLY])
def test_only_administrators_plan_the_renewal(partner, license, role):
    actor = MembershipFactory(partner=partner, user=UserFactory(), role=role).user
    with pytest.raises(PermissionDenied):
        schedule(actor, partner, license, 1500)
    assert not ScheduledCommitmentChange.objects.exists()


def test_a_sub_partner_cannot_plan_its_owners_renewal(partner, other_partner, license):
    license.sub_partners.add(other_partner)
    boss = MembershipFactory(
        partner=other_partner, user=UserFactory(), role=PartnerRole.ADMINISTRATOR
    ).user
    with pytest.raises(VolumeLicense.DoesNotExist):
        schedule(boss, other_partner, license, 1500)


def test_the_job_applies_once_moves_the_renewal_on_and_tells_everyone(
    partner, admin_user, license, django_capture_on_commit_callbacks
):
    make_customer(license=license, tier_users=1400)
    endpoint_create(
        actor=None,
        partner=partner,
        url="https://psa.example/hooks",
        event_types=["license.commitment_renewed"],
    )
    schedule(admin_user, partner, license, 1500)
    mail.outbox.clear()
    assert services.commitment_changes_apply(today=RENEWAL - dt.timedelta(days=1)).applied == 0
    with django_capture_on_commit_callbacks(execute=True):
        report = services.commitment_changes_apply(today=RENEWAL)
    assert (report.applied, report.refused) == (1, 0)
    license.refresh_from_db()
    assert (license.seat_commitment, license.renewal_date) == (1500, dt.date(2028, 3, 31))
    event = license.events.get(what="Seat commitment")
    assert event.change_text == "1,990 → 1,500 (renewal 2027-03-31)"
    assert license.events.get(what="Renewal date").change_text == "Mar 31, 2027 → Mar 31, 2028"
    change = ScheduledCommitmentChange.objects.get()
    assert (change.status, change.previous_commitment) == ("applied", 1990)
    [message] = mail.outbox
    assert message.to == [admin_user.email]
    assert message.subject == "MDR Complete renewed: seat commitment 1,990 → 1,500"
    assert "Next renewal: March 31, 2028" in message.body
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "license.commitment_renewed"
    data = delivery.payload["data"]
    assert (data["previous_commitment"], data["new_commitment"]) == (1990, 1500)
    assert data["license"]["renewal_date"] == "2028-03-31"
    # Again, and a year later: nothing more (the change is applied; none is scheduled).
    assert services.commitment_changes_apply(today=RENEWAL).applied == 0
    assert services.commitment_changes_apply(today=dt.date(2028, 4, 1)).applied == 0
    assert len(mail.outbox) == 1 and WebhookDelivery.objects.count() == 1


def test_a_change_is_refused_at_the_renewal_when_more_is_allocated_by_then(
    partner, admin_user, license, django_capture_on_commit_callbacks
):
    make_customer(license=license, tier_users=1400)
    schedule(admin_user, partner, license, 1500)
    make_customer(license=license, tier_users=200)  # 1,600 allocated now
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.commitment_changes_apply(today=RENEWAL)
    assert (report.applied, report.refused) == (0, 1)
    license.refresh_from_db()
    assert (license.seat_commitment, license.renewal_date) == (1990, RENEWAL)
    change = ScheduledCommitmentChange.objects.get()
    assert change.status == "refused"
    assert change.refusal_reason == (
        "1,600 users are allocated; the commitment at renewal cannot be lower."
    )
    [message] = mail.outbox
    assert "was not applied" in message.subject
    assert "1,600 users are allocated; the commitment at renewal cannot be lower." in message.body
    assert services.commitment_changes_apply(today=RENEWAL).refused == 0  # once


def test_a_purchase_before_the_renewal_and_the_scheduled_figure_compose(
    partner, admin_user, license
):
    """The scheduled figure is absolute: a purchase raises the commitment now (2,040), and at
    the renewal the commitment becomes the figure planned for the next term (1,500)."""
    schedule(admin_user, partner, license, 1500)
    seats_purchase(actor=admin_user, partner=partner, tier=license.tier, users=50, token="t1")
    license.refresh_from_db()
    assert license.seat_commitment == 2040
    services.commitment_changes_apply(today=RENEWAL)
    license.refresh_from_db()
    assert license.seat_commitment == 1500
    history = [e.change_text for e in license.events.filter(what="Seat commitment")]
    assert history[0] == "2,040 → 1,500 (renewal 2027-03-31)"
    assert history[1].startswith("1,990 → 2,040 (purchase LMP-")
    assert ScheduledCommitmentChange.objects.get().previous_commitment == 2040


def test_a_cancelled_change_is_never_applied(partner, admin_user, license):
    schedule(admin_user, partner, license, 1500)
    services.commitment_change_cancel(actor=admin_user, partner=partner, license=license)
    assert services.commitment_changes_apply(today=RENEWAL).applied == 0
    license.refresh_from_db()
    assert license.seat_commitment == 1990
    with pytest.raises(ValidationError):
        services.commitment_change_cancel(actor=admin_user, partner=partner, license=license)


def test_the_term_moves_the_renewal_date_on(partner, admin_user):
    license = VolumeLicenseFactory(
        partner=partner, seat_commitment=100, renewal_date=dt.date(2027, 1, 31), term_months=1
    )
    schedule(admin_user, partner, license, 120)
    services.commitment_changes_apply(today=dt.date(2027, 2, 3))  # a late run still applies it
    license.refresh_from_db()
    assert license.renewal_date == dt.date(2027, 2, 28)
    assert months_add(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)


def test_the_command_reports_what_it_did(partner, admin_user, license, capsys, monkeypatch):
    schedule(admin_user, partner, license, 2000)
    VolumeLicense.objects.update(renewal_date=dt.date(2020, 1, 1))  # due: the run is today
    ScheduledCommitmentChange.objects.update(renewal_date=dt.date(2020, 1, 1))
    call_command("renewals_apply")
    assert "renewals: 1 applied, 0 refused, 0 already done elsewhere" in capsys.readouterr().out


def test_the_history_note_reads_in_french(partner, admin_user, license):
    schedule(admin_user, partner, license, 2000)
    services.commitment_changes_apply(today=RENEWAL)
    event = license.events.get(what="Seat commitment")
    assert event.note == "renewal 2027-03-31"  # stored in English, as the API sends it
    with translation.override("fr-ca"):
        assert event.change_text == "1\u202f990 → 2\u202f000 (renouvellement 2027-03-31)"


def test_the_email_is_in_the_administrators_language(
    partner, admin_user, license, django_capture_on_commit_callbacks
):
    Membership.objects.filter(partner=partner).update(language="fr-ca")
    schedule(admin_user, partner, license, 1500)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_changes_apply(today=RENEWAL)
    [message] = mail.outbox
    assert message.subject == (
        "MDR Complete renouvelée\u00a0: engagement de sièges 1\u202f990 → 1\u202f500"
    )
    assert "Prochain renouvellement\u00a0: 31 mars 2028" in message.body


def test_a_change_follows_the_renewal_staff_move(partner, admin_user, license):
    schedule(admin_user, partner, license, 1500)
    license.renewal_date = dt.date(2027, 6, 30)
    services.license_save(license=license)
    assert ScheduledCommitmentChange.objects.get().renewal_date == dt.date(2027, 6, 30)
    assert services.commitment_changes_apply(today=RENEWAL).applied == 0  # not due any more
    assert services.commitment_changes_apply(today=dt.date(2027, 6, 30)).applied == 1
    license.refresh_from_db()
    assert (license.seat_commitment, license.renewal_date) == (1500, dt.date(2028, 6, 30))
    note = license.events.get(what="Seat commitment").note
    assert note == "renewal 2027-06-30"
