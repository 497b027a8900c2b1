"""Writes of the outbox: save an e-mail with its send task, send it, resend it.

Delivery is at least once at the SMTP boundary: a worker that stops after the mail server accepted
a message but before the row says "sent" leaves it in "sending"; once its lease has passed another
worker sends it again. Everything else is once: the claim (a conditional UPDATE queued → sending)
lets one worker at a time hold a mail, and only the holder of the claim may mark it sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lmp.outbox.choices import EmailStatus
from lmp.outbox.models import OutboundEmail

logger = logging.getLogger(__name__)


def retry_delays() -> list[int]:
    """Seconds to wait after each failed attempt; one attempt more than delays, then failed."""
    return [int(s) for s in settings.OUTBOX_RETRY_DELAYS]


def max_attempts() -> int:
    return len(retry_delays()) + 1


def _lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def _enqueue(email_id: int, *, run_after=None) -> None:
    from lmp.outbox.tasks import email_send_task  # the task module imports this one

    task = email_send_task.using(run_after=run_after) if run_after else email_send_task
    task.enqueue(email_id=email_id)


def email_create(
    *,
    kind: str,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str = "",
    reply_to: Sequence[str] = (),
    about: str = "",
) -> OutboundEmail:
    """Save the e-mail and its send task in the caller's transaction: both or neither commit."""
    with transaction.atomic():
        email = OutboundEmail(
            kind=kind,
            to=list(to),
            reply_to=list(reply_to),
            subject=subject,
            body=body,
            html=html,
            about=about,
        )
        email.full_clean()
        email.save()
        _enqueue(email.pk)
    return email


def _claim(email_id: int) -> str | None:
    """Take the e-mail for this worker (queued and due, or sending with its lease passed).

    One conditional UPDATE: of two workers racing for one row, one gets it. The same transaction
    queues a check at the lease's end, which sends the mail again if this worker dies mid-send.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = (
            OutboundEmail.objects.filter(pk=email_id)
            .filter(
                Q(status=EmailStatus.QUEUED, next_attempt_at__lte=now)
                | Q(status=EmailStatus.SENDING, lease_until__lte=now)
            )
            .update(
                status=EmailStatus.SENDING,
                claim_token=token,
                lease_until=now + _lease(),
                attempts=F("attempts") + 1,
            )
        )
        if not claimed:
            return None
        _enqueue(email_id, run_after=now + _lease())
    return token


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(email.to),
        reply_to=list(email.reply_to),
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def email_send(*, email_id: int) -> str:
    """Send one e-mail if it is due and nobody else holds it; retry later on failure."""
    token = _claim(email_id)
    if token is None:
        return "skipped"  # sent, failed, held by another worker, or not due yet
    email = OutboundEmail.objects.get(pk=email_id)
    if email.attempts > max_attempts():
        # Claimed again after a worker stopped while sending it, once too often.
        _failed(email, token, "A worker stopped while sending it (no answer from the mail server).")
        return "failed"
    try:
        _message(email).send()
    except Exception as exc:  # whatever the mail server or the network says, try again later
        return _retry_or_fail(email, token, f"{type(exc).__name__}: {exc}")
    OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING, claim_token=token).update(
        status=EmailStatus.SENT, sent_at=timezone.now(), last_error="", lease_until=None
    )
    return "sent"


def _failed(email: OutboundEmail, token: str, error: str) -> None:
    OutboundEmail.objects.filter(pk=email.pk, status=EmailStatus.SENDING, claim_token=token).update(
        status=EmailStatus.FAILED, last_error=error, lease_until=None
    )
    logger.error(
        "Could not send the %s e-mail to %s (%s); gave up after %s attempts: %s",
        email.kind,
        ", ".join(email.to),
        email.about or f"e-mail {email.pk}",
        email.attempts,
        error,
    )


def _retry_or_fail(email: OutboundEmail, token: str, error: str) -> str:
    if email.attempts >= max_attempts():
        _failed(email, token, error)
        return "failed"
    later = timezone.now() + timedelta(seconds=retry_delays()[email.attempts - 1])
    with transaction.atomic():
        held = OutboundEmail.objects.filter(
            pk=email.pk, status=EmailStatus.SENDING, claim_token=token
        ).update(
            status=EmailStatus.QUEUED, next_attempt_at=later, last_error=error, lease_until=None
        )
        if held:
            _enqueue(email.pk, run_after=later)
    logger.warning(
        "Could not send the %s e-mail to %s (%s), attempt %s of %s; trying again at %s: %s",
        email.kind,
        ", ".join(email.to),
        email.about or f"e-mail {email.pk}",
        email.attempts,
        max_attempts(),
        later.isoformat(timespec="seconds"),
        error,
    )
    return "retry"


def email_resend(*, email: OutboundEmail) -> bool:
    """Queue a failed (or sent) e-mail again with a fresh set of attempts; False if it is already
    queued or being sent."""
    with transaction.atomic():
        requeued = (
            OutboundEmail.objects.filter(pk=email.pk)
            .exclude(status__in=[EmailStatus.QUEUED, EmailStatus.SENDING])
            .update(
                status=EmailStatus.QUEUED,
                attempts=0,
                next_attempt_at=timezone.now(),
                lease_until=None,
                claim_token="",
            )
        )
        if requeued:
            _enqueue(email.pk)
    return bool(requeued)
