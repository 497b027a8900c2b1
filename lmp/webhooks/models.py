"""A partner's webhook endpoints and the deliveries posted to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmp.partners.models import Partner
from lmp.webhooks.choices import DeliveryStatus
from lmp.webhooks.errors import error_text


class WebhookEndpoint(models.Model):
    """A URL of a partner's (its PSA, its automation) that receives the events it subscribed to,
    signed with the endpoint's secret (Standard Webhooks)."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # A list of EventType values: JSON works alike on PostgreSQL and SQLite.
    event_types = models.JSONField(_("Events"), default=list)
    secret = models.CharField(
        _("signing secret"), max_length=100, help_text=_("whsec_ and the key in base64.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
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
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    message_id = models.CharField(_("message id"), max_length=40, unique=True)
    event_type = models.CharField(_("event type"), max_length=40)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("Last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_response = models.TextField(
        _("last response"), blank=True, help_text=_("The start of the last response.")
    )
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"

    @property
    def last_error_display(self) -> str:
        """The last error in the reader's language (the worker writes it in English)."""
        return error_text(self.last_error)
