"""The queue's task: a worker (``manage.py worker``) runs it to send one outgoing e-mail."""

from __future__ import annotations

from django_tasks import task

from lmp.outbox import services


@task()
def email_send_task(email_id: int) -> str:
    """Send the e-mail ``email_id`` (what happened: "sent", "retry", "failed" or "skipped")."""
    return services.email_send(email_id=email_id)
