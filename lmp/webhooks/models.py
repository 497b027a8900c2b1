"""A partner's webhook endpoints and the deliveries posted to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from lmp.partners.models import Partner
from lmp.webhooks.choices import DeliveryStatus


class WebhookEndpoint(models.Model):
    """A URL of a partner's (its PSA, its automation) that receives the events it subscribed to,
    signed with the endpoint's secret (Standard Webhooks)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # A list of EventType values: JSON works alike on PostgreSQL and SQLite.
    event_types = models.JSONField("Events", default=list)
    secret = models.CharField(max_length=100, help_text="whsec_ and the key in base64.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner_id", "pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event posted to one endpoint, saved in the transaction of the change that causes it.

    A worker claims it (queued → sending, with a lease) and posts it; a failure puts it back to
    queued with ``next_attempt_at`` later, or to failed after the last attempt
    (``lmp.core.attempts``).
    ``message_id`` is the ``webhook-id`` header: the same for every attempt and a redelivery, so
    the receiver can tell a repeat.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveSmallIntegerField("Last HTTP status", null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_response = models.TextField(blank=True, help_text="The start of the last response.")
    attempted_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"
