"""Enumerations of the outbox app."""

from __future__ import annotations

from django.db import models


class EmailStatus(models.TextChoices):
    """Where an outgoing e-mail stands: queued → sending → sent, or failed after the last try."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
