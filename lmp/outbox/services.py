"""Writes of the outbox: save an e-mail with its send task, send it, resend it.

``email_enqueue`` is the one way the portal sends a message: every app hands its e-mail over here,
inside the transaction of the change that causes it. It is saved as an ``OutboundEmail`` row with
a task on the queue (django-tasks, database backend) in that same transaction: both commit with
the change or vanish with its rollback. A worker (``manage.py worker``) sends it, with retries and
backoff; failures show in the admin with Resend. It lives in the outbox app, not in the kernel
(``lmp/core/``), because it writes the outbox's model: the kernel imports no app, and the outbox,
at the bottom of the app stack, may be used by every app.

Delivery is at least once at the SMTP boundary: a worker that stops after the mail server accepted
a message but before the row says "sent" leaves it in "sending"; once its lease has passed another
worker sends it again. Everything else is once: the claim (a conditional UPDATE queued → sending)
lets one worker at a time hold a mail, and only the holder of the claim may mark it sent. The
claim, the retries and the resend are ``lmp.core.attempts``, shared with the webhooks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from lmp.core.attempts import AttemptQueue
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


def email_enqueue(
    *,
    kind: str,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str = "",
    reply_to: Sequence[str] = (),
    about: str = "",
) -> OutboundEmail:
    """Save the e-mail and its send task in the caller's transaction: both or neither commit.

    ``kind`` names the e-mail for logs and the admin ("onboarding order", "invitation", ...);
    ``about`` says what it concerns ("onboarding request 12").
    """
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
    task_kwarg="email_id",
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
