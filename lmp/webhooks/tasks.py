"""The queue's task: a worker (``manage.py worker``) runs it to post one webhook delivery."""

from __future__ import annotations

from django_tasks import task

from lmp.webhooks import services


@task()
def webhook_deliver_task(delivery_id: int) -> str:
    """Post the delivery ``delivery_id`` ("succeeded", "retry", "failed" or "skipped")."""
    return services.delivery_send(delivery_id=delivery_id)
