"""Plan the renewal: a seat commitment an Administrator schedules for a license's renewal date.

- ``commitment_change_schedule``: up, or down but never below what is allocated now (the seats
  allocated on the renewal date are unknowable in advance; the job checks again then). One
  scheduled change per license (a partial unique constraint); the figure is absolute.
- ``commitment_change_cancel``: until the job has applied it.
- ``commitment_changes_apply``: the job (``manage.py renewals_apply``). For each change due
  (renewal date reached, still scheduled) it locks the license row, then the change's; a change no
  longer scheduled is skipped, so two runs at once (two machines, a slow run overlapping the
  next) apply it once. Applied: the commitment becomes the figure, the history reads "Seat
  commitment 1,990 → 1,500 (renewal 2027-03-31)", the renewal date moves on by the license's
  term, the Administrators get an e-mail and the partner's endpoints ``license.commitment_renewed``.
  Refused (more seats allocated than the figure by then): nothing changes on the license, the
  change says why and the Administrators are told by e-mail.

A purchase before the renewal raises the commitment at once; the scheduled figure still applies
at the renewal (it is what the partner committed to for the next term), never below what is
allocated then.

Lock order, as everywhere in ``licenses.services``: the license row first, then the change.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licenses import policy, webhooks
from licenses.choices import AllocationEventSource, CommitmentChangeStatus, renewal_note
from licenses.models import ScheduledCommitmentChange, VolumeLicense
from licenses.policy import (
    RENEWAL_ALREADY_SCHEDULED,
    RENEWAL_COMMITMENT_COUNT,
    renewal_commitment_check,
    renewal_floor_message,
)
from licenses.services.history import commitment_change_record, terms_change_record
from licenses.services.locks import licenses_lock
from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.models import Partner
from lmp.partners.selectors import partner_member_emails

FIELD = RENEWAL_COMMITMENT_COUNT.field


def months_add(date: dt.date, months: int) -> dt.date:
    """``date`` moved on by ``months``; a day the month lacks becomes its last (31 Jan → 28 Feb)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date.replace(year=year, month=month, day=min(date.day, last))


def _owned_locked(*, partner: Partner, license: VolumeLicense) -> VolumeLicense:
    """The license row locked, if ``partner`` owns it (a sub-partner does not plan its renewal)."""
    locked = licenses_lock(license_ids=[license.pk]).get(license.pk)
    if locked is None or locked.partner_id != partner.pk:
        raise VolumeLicense.DoesNotExist("Only the license's owner plans its renewal.")
    return locked


@transaction.atomic
def commitment_change_schedule(
    *, actor, partner: Partner, license: VolumeLicense, new_commitment: object
) -> ScheduledCommitmentChange:
    """Schedule ``new_commitment`` for the license's renewal date (Administrators of its owner).

    Refused: the same figure as now, a figure below what is allocated now, a second change while
    one is scheduled.
    """
    roles.require(actor, roles.BUY_SEATS)
    locked = _owned_locked(partner=partner, license=license)
    figure = renewal_commitment_check(
        new_commitment, allocated=locked.allocated, current=locked.seat_commitment
    )
    if ScheduledCommitmentChange.objects.filter(
        license=locked, status=CommitmentChangeStatus.SCHEDULED
    ).exists():
        raise ValidationError({FIELD: RENEWAL_ALREADY_SCHEDULED})
    change = ScheduledCommitmentChange(
        license=locked,
        new_commitment=figure,
        renewal_date=locked.renewal_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    change.full_clean(exclude=["license", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError as exc:  # unreachable under the license lock; the database says so too
        raise ValidationError({FIELD: RENEWAL_ALREADY_SCHEDULED}) from exc
    return change


@transaction.atomic
def commitment_change_cancel(
    *, actor, partner: Partner, license: VolumeLicense
) -> ScheduledCommitmentChange:
    """Cancel the license's scheduled change; refused once applied (there is none scheduled)."""
    roles.require(actor, roles.BUY_SEATS)
    locked = _owned_locked(partner=partner, license=license)
    change = (
        ScheduledCommitmentChange.objects.select_for_update()
        .filter(license=locked, status=CommitmentChangeStatus.SCHEDULED)
        .first()
    )
    if change is None:
        raise ValidationError(_("No change is scheduled for this renewal any more."))
    change.status = CommitmentChangeStatus.CANCELLED
    change.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
    change.cancelled_at = timezone.now()
    change.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return change


@dataclass
class RenewalsReport:
    """What one run did: changes applied, refused, and skipped (another run had them)."""

    applied: int = 0
    refused: int = 0
    skipped: int = 0


def _email(*, change: ScheduledCommitmentChange, license: VolumeLicense, site_url: str) -> None:
    """Tell the owner's Administrators (``roles.RENEWAL_ALERT_EMAILS``) what the renewal did."""
    partner_id = license.partner_id
    recipients = partner_member_emails(partner=partner_id, emails=roles.RENEWAL_ALERT_EMAILS)
    if not recipients:
        return
    path = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    context = {
        "change": change,
        "license": license,
        "partner": license.partner,
        "url": site_url.rstrip("/") + path,
    }
    for language, addresses in languages.by_language(recipients, partner=partner_id).items():
        with translation.override(language):
            subject = render_to_string("emails/commitment_renewed_subject.txt", context)
            body = render_to_string("emails/commitment_renewed.txt", context)
        email_enqueue(kind="commitment renewed", to=addresses, subject=subject.strip(), body=body)


def _apply_one(*, change_id: int, license_id: int, today: dt.date, site_url: str) -> str:
    """Apply one due change under the license's lock; returns the status it ended in, or "" when
    another run had it already."""
    with transaction.atomic():
        license = licenses_lock(license_ids=[license_id])[license_id]
        change = (
            ScheduledCommitmentChange.objects.select_for_update()
            .filter(pk=change_id, status=CommitmentChangeStatus.SCHEDULED)
            .first()
        )
        if change is None or license.renewal_date > today:
            return ""  # another run had it, or staff moved the renewal on meanwhile
        change.renewal_date = license.renewal_date  # the renewal it applies at
        now = timezone.now()
        change.previous_commitment = license.seat_commitment
        if not policy.renewal_fits(commitment=change.new_commitment, allocated=license.allocated):
            change.status = CommitmentChangeStatus.REFUSED
            change.refused_at = now
            with translation.override("en"):  # stored in English, like the history's notes
                change.refusal_reason = renewal_floor_message(allocated=license.allocated)
            change.save(
                update_fields=[
                    "status",
                    "refused_at",
                    "refusal_reason",
                    "previous_commitment",
                    "renewal_date",
                ]
            )
            license.partner = Partner.objects.get(pk=license.partner_id)
            _email(change=change, license=license, site_url=site_url)
            return CommitmentChangeStatus.REFUSED
        before = VolumeLicense(
            price_per_user=license.price_per_user, renewal_date=license.renewal_date
        )
        commitment_change_record(
            license=license,
            old=license.seat_commitment,
            new=change.new_commitment,
            actor=None,
            source=AllocationEventSource.SYSTEM,
            note=renewal_note(change.renewal_date),
        )
        license.seat_commitment = change.new_commitment
        license.renewal_date = months_add(change.renewal_date, license.term_months)
        license.save(update_fields=["seat_commitment", "renewal_date"])
        terms_change_record(
            license=license, old=before, actor=None, source=AllocationEventSource.SYSTEM
        )
        change.status = CommitmentChangeStatus.APPLIED
        change.applied_at = now
        change.save(update_fields=["status", "applied_at", "previous_commitment", "renewal_date"])
        license.partner = Partner.objects.get(pk=license.partner_id)
        webhooks.commitment_renewed(license=license, change=change)
        _email(change=change, license=license, site_url=site_url)
        return CommitmentChangeStatus.APPLIED


def commitment_changes_apply(*, today: dt.date | None = None, site_url: str = "") -> RenewalsReport:
    """Apply every scheduled change whose renewal date has come; safe anywhere, any number of
    times (each change is applied or refused once)."""
    today = today or timezone.localdate()
    report = RenewalsReport()
    due = (
        ScheduledCommitmentChange.objects.filter(
            status=CommitmentChangeStatus.SCHEDULED, renewal_date__lte=today
        )
        .order_by("renewal_date", "pk")
        .values_list("pk", "license_id")
    )
    for change_id, license_id in list(due):
        outcome = _apply_one(
            change_id=change_id, license_id=license_id, today=today, site_url=site_url
        )
        if outcome == CommitmentChangeStatus.APPLIED:
            report.applied += 1
        elif outcome == CommitmentChangeStatus.REFUSED:
            report.refused += 1
        else:
            report.skipped += 1
    return report
