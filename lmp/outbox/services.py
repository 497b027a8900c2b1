"""Writes of the outbox: save an e-mail with its send task, send it, resend it.

Delivery is at least once at the SMTP boundary: a worker that stops after the mail server accepted
a message but before the row says "sent" leaves it in "sending"; once its lease has passed another
worker sends it again. Everything else is once: the claim (a conditional UPDATE queued → sending)
lets one worker at a time hold a mail, and only the holder of the claim may mark it sent. The
claim, the retries and the resend are ``lmp.attempts``, shared with the webhooks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from lmp.attempts import AttemptQueue
from lmp.outbox.choices import EmailStatus
from lmp.outbox.models import OutboundEmail

logger = logging.getLogger(__name__)


def _enqueue(email_id: int, *, run_after=None) -> None:
    from lmp.outbox.tasks import email_send_task  # the task module imports this one

    task = email_send_task.using(run_after=run_after) if run_after else email_send_task
    task.enqueue(email_id=email_id)


def _describe(email: OutboundEmail) -> str:
    return (
        f"the {email.kind} e-mail to {', '.join(email.to)} ({email.about or f'e-mail {email.pk}'})"
    )


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


def _send(email: OutboundEmail) -> dict:
    _message(email).send()
    return {"sent_at": timezone.now()}


QUEUE = AttemptQueue(
    model=OutboundEmail,
    queued=EmailStatus.QUEUED,
    sending=EmailStatus.SENDING,
    done=EmailStatus.SENT,
    failed=EmailStatus.FAILED,
    enqueue=_enqueue,
    delays_setting="OUTBOX_RETRY_DELAYS",
    lease_setting="OUTBOX_LEASE_SECONDS",
    stalled_error="A worker stopped while sending it (no answer from the mail server).",
    describe=_describe,
    logger=logger,
    send=_send,
)


def email_send(*, email_id: int) -> str:
    """Send one e-mail if it is due and nobody else holds it; retry later on failure.

    What happened: "sent", "retry", "failed" or "skipped" (sent, failed, held by another worker,
    or not due yet)."""
    return QUEUE.attempt(email_id)


def email_resend(*, email: OutboundEmail) -> bool:
    """Queue a failed (or sent) e-mail again with a fresh set of attempts; False if it is already
    queued or being sent."""
    return QUEUE.requeue(email.pk)
