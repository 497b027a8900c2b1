"""Writes of the webhooks: endpoints, the deliveries of an event, sending and redelivering.

An event becomes one ``WebhookDelivery`` per active endpoint of the partner subscribed to it, each
with its task on the queue, in the caller's transaction: both commit with the change or vanish
with its rollback. A worker (``manage.py worker``) posts it; the claim, the retries with backoff
and the redelivery are ``lmp.core.attempts``, shared with the outbox's e-mails.
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lmp.core.attempts import AttemptFailed, AttemptQueue
from lmp.partners import roles
from lmp.partners.models import Partner
from lmp.webhooks import delivery as http
from lmp.webhooks import errors
from lmp.webhooks.choices import PING, DeliveryStatus, EventType
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)


def _enqueue(delivery_id: int, *, run_after=None) -> None:
    from lmp.webhooks.tasks import webhook_deliver_task  # the task module imports this one

    task = webhook_deliver_task.using(run_after=run_after) if run_after else webhook_deliver_task
    task.enqueue(delivery_id=delivery_id)


def _describe(delivery: WebhookDelivery) -> str:
    return f"the {delivery.event_type} webhook {delivery.message_id} (delivery {delivery.pk})"


# --- endpoints -----------------------------------------------------------------------------------


def _endpoint_save(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.event_types = [e for e in EventType.values if e in set(endpoint.event_types)]
    if not endpoint.event_types:
        raise ValidationError({"event_types": _("Choose at least one event.")})
    endpoint.full_clean(exclude=["partner", "created_by"])
    http.url_check(endpoint.url)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_create(
    *,
    actor,
    partner: Partner,
    url: str,
    event_types: list[str],
    description: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint with a new signing secret."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    return _endpoint_save(
        WebhookEndpoint(
            partner=partner,
            url=(url or "").strip(),
            description=(description or "").strip(),
            event_types=list(event_types),
            active=active,
            secret=http.secret_new(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    )


@transaction.atomic
def endpoint_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    url: str,
    event_types: list[str],
    description: str = "",
    active: bool = True,
) -> WebhookEndpoint:
    """Change an endpoint's URL, description, events or active flag (the secret stays)."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    endpoint.url = (url or "").strip()
    endpoint.description = (description or "").strip()
    endpoint.event_types = list(event_types)
    endpoint.active = active
    return _endpoint_save(endpoint)


@transaction.atomic
def endpoint_active_set(*, actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Switch an endpoint on or off (off: no new events are queued to it)."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    endpoint.active = active
    endpoint.save(update_fields=["active"])
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret; the next attempts (retries included) are signed with it."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    endpoint.secret = http.secret_new()
    endpoint.save(update_fields=["secret"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its deliveries (a queued one's task then finds nothing to send)."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    endpoint.delete()


# --- events and deliveries -----------------------------------------------------------------------


def _deliveries_create(endpoints: list[WebhookEndpoint], event_type: str, data: dict):
    payload = {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    message_id=f"msg_{uuid.uuid4().hex}",
                    event_type=event_type,
                    payload=payload,
                )
                for endpoint in endpoints
            ]
        )
        for delivery in deliveries:
            _enqueue(delivery.pk)
    return deliveries


def webhook_event_emit(
    *, partner: Partner | int, event_type: str, data: dict
) -> list[WebhookDelivery]:
    """Queue ``event_type`` with ``data`` to each active endpoint of ``partner`` subscribed to it,
    in the caller's transaction. A partner without endpoints costs one query."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event {event_type!r}: add it to EventType.")
    partner_id = getattr(partner, "pk", partner)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(partner_id=partner_id, active=True)
        .only("pk", "event_types")
        .order_by("pk")
        if event_type in endpoint.event_types
    ]
    if not endpoints:
        return []
    return _deliveries_create(endpoints, event_type, data)


def webhook_events_emit(
    *, partner: Partner | int, event_type: str, datas: list[dict]
) -> list[WebhookDelivery]:
    """``webhook_event_emit`` for many events of one partner: its endpoints read once."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event {event_type!r}: add it to EventType.")
    partner_id = getattr(partner, "pk", partner)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(partner_id=partner_id, active=True)
        .only("pk", "event_types")
        .order_by("pk")
        if event_type in endpoint.event_types
    ]
    if not endpoints or not datas:
        return []
    at = timezone.now().isoformat()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    message_id=f"msg_{uuid.uuid4().hex}",
                    event_type=event_type,
                    payload={"type": event_type, "timestamp": at, "data": data},
                )
                for data in datas
                for endpoint in endpoints
            ],
            batch_size=2000,
        )
        for delivery in deliveries:
            _enqueue(delivery.pk)
    return deliveries


def webhook_ping(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``ping`` event to one endpoint (the "Send test event" button), subscribed or not."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    data = {"endpoint_id": endpoint.pk, "partner_id": endpoint.partner_id, "test": True}
    (delivery,) = _deliveries_create([endpoint], PING, data)
    return delivery


def _send(delivery: WebhookDelivery) -> dict:
    """Post the delivery; its last error is written in English (``lmp.webhooks.errors`` shows it
    in the reader's language)."""
    now = timezone.now()
    endpoint = delivery.endpoint
    if not endpoint.active:  # switched off after this was queued: Redeliver once it is on
        raise AttemptFailed(errors.DISABLED, final=True)
    try:
        with translation.override("en"):
            http.url_check(endpoint.url)
    except ValidationError as error:
        reason = " ".join(error.messages)
        raise AttemptFailed(
            errors.REFUSED % {"reason": reason}, last_status_code=None, last_response=""
        ) from None
    body = http.body_of(delivery.payload)
    headers = http.headers_for(
        secret=endpoint.secret, message_id=delivery.message_id, body=body, at=now
    )
    try:
        answer = http.post(url=endpoint.url, body=body, headers=headers)
    except OSError as error:  # refused, timed out, no route: no answer at all
        reason = getattr(error, "reason", None) or error
        raise AttemptFailed(
            errors.NO_ANSWER % {"reason": reason},
            last_status_code=None,
            last_response="",
            attempted_at=now,
        ) from None
    fields = {"last_status_code": answer.status, "last_response": answer.excerpt}
    fields["attempted_at"] = now
    if not answer.ok:
        raise AttemptFailed(errors.HTTP_STATUS % {"status": answer.status}, **fields)
    return fields | {"succeeded_at": now}


QUEUE = AttemptQueue(
    model=WebhookDelivery,
    queued=DeliveryStatus.QUEUED,
    sending=DeliveryStatus.SENDING,
    done=DeliveryStatus.SUCCEEDED,
    failed=DeliveryStatus.FAILED,
    enqueue=_enqueue,
    delays_setting="WEBHOOKS_RETRY_DELAYS",
    lease_setting="WEBHOOKS_LEASE_SECONDS",
    stalled_error=errors.STALLED,
    describe=_describe,
    logger=logger,
    send=_send,
    task_kwarg="delivery_id",
)


def delivery_send(*, delivery_id: int) -> str:
    """Post one delivery if it is due and nobody else holds it; retry later on failure.

    What happened: "succeeded", "retry", "failed" or "skipped"."""
    return QUEUE.attempt(delivery_id)


def delivery_redeliver(*, actor, delivery: WebhookDelivery) -> bool:
    """Queue a delivery again with a fresh set of attempts and the same message id; False if it
    is already queued or being sent."""
    roles.require(actor, roles.MANAGE_INTEGRATIONS)
    return QUEUE.requeue(delivery.pk)
