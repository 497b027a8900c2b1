"""Outgoing e-mail: the one way the portal sends a message.

Every e-mail is handed over here inside the transaction of the change that causes it. It is saved
as an ``OutboundEmail`` row with a task on the queue (django-tasks, database backend) in that same
transaction: both commit with the change or vanish with its rollback. A worker
(``manage.py worker``) sends it, with retries and backoff; failures show in the admin with
Resend. See ``lmp/outbox/services.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from lmp.outbox.models import OutboundEmail
from lmp.outbox.services import email_create


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
    """Queue ``subject``/``body`` (and ``html``) to ``to`` in the current transaction.

    ``kind`` names the e-mail for logs and the admin ("onboarding order", "invitation", ...);
    ``about`` says what it concerns ("onboarding request 12").
    """
    return email_create(
        kind=kind, to=to, subject=subject, body=body, html=html, reply_to=reply_to, about=about
    )
