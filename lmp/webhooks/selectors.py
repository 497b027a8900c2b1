"""Reads of the webhooks, each from the signed-in partner's scope."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from lmp.partners.models import Partner
from lmp.webhooks.choices import DeliveryStatus
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from lmp.webhooks.services import QUEUE


def partner_endpoints(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    """The partner's endpoints with their count of failed deliveries."""
    return (
        WebhookEndpoint.objects.filter(partner=partner)
        .annotate(failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)))
        .order_by("pk")
    )


def partner_endpoint(*, partner: Partner, pk: int) -> WebhookEndpoint:
    """One endpoint of the partner (another partner's: DoesNotExist)."""
    return WebhookEndpoint.objects.get(partner=partner, pk=pk)


def endpoint_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first; ``redeliverable``: whether Redeliver would queue
    it again (the queue's own rule: done, failed, or stranded by a stopped worker)."""
    return endpoint.deliveries.annotate(
        redeliverable=ExpressionWrapper(QUEUE.redeliverable(), output_field=BooleanField())
    ).order_by("-created_at", "-pk")


def partner_delivery(*, partner: Partner, pk: int) -> WebhookDelivery:
    """One delivery to one of the partner's endpoints (another partner's: DoesNotExist)."""
    return WebhookDelivery.objects.select_related("endpoint").get(endpoint__partner=partner, pk=pk)
