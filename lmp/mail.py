"""Outgoing e-mail: the one way the portal sends a message.

Every e-mail is handed over here inside the transaction of the change that causes it; it leaves
only if that transaction commits. (Today it is sent from ``transaction.on_commit`` in the web
process; the durable task queue of issue 14 replaces the body of ``email_enqueue``, not its
callers.)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)


def _send(message: EmailMultiAlternatives, kind: str) -> None:
    try:
        message.send()
    except Exception:  # a mail server that is down must not turn a saved change into an error
        logger.exception("Could not send the %s e-mail to %s", kind, ", ".join(message.to))


def email_enqueue(
    *,
    kind: str,
    to: Sequence[str],
    subject: str,
    body: str,
    html: str = "",
    reply_to: Sequence[str] = (),
) -> None:
    """Send ``subject``/``body`` (and ``html``) to ``to`` once the current transaction commits.

    ``kind`` names the e-mail for logs and the admin ("onboarding order", "invitation", ...).
    """
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        reply_to=list(reply_to),
    )
    if html:
        message.attach_alternative(html, "text/html")
    transaction.on_commit(partial(_send, message, kind))
