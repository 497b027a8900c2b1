"""An outgoing e-mail: what is sent, to whom, and how its sending went."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lmp.outbox.choices import EmailStatus


class OutboundEmail(models.Model):
    """One e-mail, saved in the transaction of the change that causes it.

    A worker claims it (queued → sending, with a lease), sends it and marks it sent; a failure puts
    it back to queued with ``next_attempt_at`` later, or to failed after the last attempt. A row
    left in sending by a worker that stopped is claimed again once ``lease_until`` has passed.
    """

    kind = models.CharField(max_length=60, help_text='What the e-mail is, e.g. "invitation".')
    to = models.JSONField(default=list, help_text="The recipients' addresses.")
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    about = models.CharField(
        max_length=200, blank=True, help_text='What it concerns, e.g. "onboarding request 12".'
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outgoing e-mail"
        verbose_name_plural = "outgoing e-mails"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} to {', '.join(self.to)}: {self.subject}"
