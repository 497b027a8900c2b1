"""Alerts partners act on: renewal reminders and low seats, each e-mailed once.

``alerts_run`` is the periodic job (``manage.py alerts_run``, from cron or a systemd timer). It may
run on several machines at once, or twice in a row: every alert is a ``LicenseAlert`` row whose
unique (license, kind, key) the database enforces. The job inserts the row in its own savepoint and
e-mails (``email_enqueue``, in the same transaction) and queues its webhook event only when the
insert went through; a run that meets the constraint (another run sent it) sends nothing.

- Renewal reminders: 60, 30 and 7 days before ``renewal_date`` (key "<renewal date>/<days>"), to the
  partner's ``roles.RENEWAL_ALERT_EMAILS`` recipients (its Administrators).
- Low seats: when unallocated falls below the partner's threshold, one alert per episode (key: the
  episode's number), to its ``roles.LOW_SEATS_ALERT_EMAILS`` recipients (Administrators and
  Allocators). When unallocated is back at or above the
  threshold the episode is resolved, and the next fall starts a new one (it re-arms).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from licenses import policy, webhooks
from licenses.choices import AlertKind, what_key
from licenses.forecast import seat_forecast
from licenses.models import LicenseAlert, VolumeLicense
from licenses.selectors import renewal_reminder_due
from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.selectors import partner_member_emails

logger = logging.getLogger(__name__)


@dataclass
class AlertsReport:
    """What one run did: alerts sent, alerts another run had already sent, episodes re-armed."""

    sent: int = 0
    skipped: int = 0
    rearmed: int = 0


def _license_url(license: VolumeLicense, site_url: str) -> str:
    return site_url.rstrip("/") + reverse("licenses:license_detail", kwargs={"pk": license.pk})


def _alert_send(
    *,
    license: VolumeLicense,
    kind: str,
    key: str,
    emails: str,
    context: dict,
    site_url: str,
    report: AlertsReport,
) -> None:
    """Insert the alert's row, enqueue its e-mail and webhook event, once; the report counts it
    sent, or skipped when another run had sent it."""
    recipients = partner_member_emails(partner=license.partner_id, emails=emails)
    try:
        with transaction.atomic():
            LicenseAlert.objects.create(
                license=license, kind=kind, key=key, recipients=", ".join(recipients)
            )
            if kind == AlertKind.RENEWAL:
                webhooks.renewal_upcoming(license=license, days_left=context["days_left"])
            else:
                webhooks.low_seats(license=license, threshold=context["level"])
            if recipients:
                context = {"license": license, "partner": license.partner, **context}
                context["url"] = _license_url(license, site_url)
                # One e-mail per language: each recipient reads it in its login's language.
                groups = languages.by_language(recipients, partner=license.partner_id)
                for language, addresses in groups.items():
                    with translation.override(language):
                        subject = render_to_string(f"emails/alert_{kind}_subject.txt", context)
                        body = render_to_string(f"emails/alert_{kind}.txt", context)
                    email_enqueue(
                        kind=f"{what_key(AlertKind(kind).label).lower()} alert",
                        to=addresses,
                        subject=subject.strip(),
                        body=body,
                    )
    except IntegrityError:
        report.skipped += 1  # another run (or machine) inserted it first and sent it
        return
    report.sent += 1


def _renewal_check(
    license: VolumeLicense, today: dt.date, report: AlertsReport, site_url: str
) -> None:
    days = renewal_reminder_due(license=license, today=today)
    if days is None:
        return
    key = f"{license.renewal_date.isoformat()}/{days}"
    if LicenseAlert.objects.filter(license=license, kind=AlertKind.RENEWAL, key=key).exists():
        return
    context = {"days_left": (license.renewal_date - today).days}
    _alert_send(
        license=license,
        kind=AlertKind.RENEWAL,
        key=key,
        emails=roles.RENEWAL_ALERT_EMAILS,
        context=context,
        site_url=site_url,
        report=report,
    )


def _low_seats_check(
    license: VolumeLicense, today: dt.date, report: AlertsReport, site_url: str
) -> None:
    episodes = LicenseAlert.objects.filter(license=license, kind=AlertKind.LOW_SEATS)
    open_episodes = episodes.filter(resolved_at__isnull=True)
    if not policy.is_low_on_seats(license):
        # Back at or above the threshold (or none set): re-arm.
        if open_episodes.update(resolved_at=timezone.now()):
            report.rearmed += 1
        return
    if open_episodes.exists():
        return  # this episode's alert went out already
    # The episode's number counts the *resolved* episodes before it: a run that reads after
    # another run's insert computes the same key and meets the constraint. (Counting every
    # episode gave the second run "2" for the same fall below: seen in the concurrent test.)
    key = str(episodes.filter(resolved_at__isnull=False).count() + 1)
    # The forecast's figures are read once; its sentence is written in each reader's language.
    context = {
        "level": policy.low_seats_level(license),
        "forecast": seat_forecast(license, today=today),
    }
    _alert_send(
        license=license,
        kind=AlertKind.LOW_SEATS,
        key=key,
        emails=roles.LOW_SEATS_ALERT_EMAILS,
        context=context,
        site_url=site_url,
        report=report,
    )


def alerts_run(*, today: dt.date | None = None, site_url: str = "") -> AlertsReport:
    """Send every alert that is due and not sent yet; safe to run anywhere, any number of times.

    ``site_url`` (e.g. "https://lmp.example") makes the e-mails' links absolute.
    """
    today = today or timezone.localdate()
    report = AlertsReport()
    for license in VolumeLicense.objects.select_related("partner").order_by("pk").iterator():
        _renewal_check(license, today, report, site_url)
        _low_seats_check(license, today, report, site_url)
    return report
