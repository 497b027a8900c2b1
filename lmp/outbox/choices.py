"""Enumerations of the outbox app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class EmailStatus(models.TextChoices):
    """Where an outgoing e-mail stands: queued → sending → sent, or failed after the last try."""

    QUEUED = "queued", pgettext_lazy("e-mail status", "Queued")
    SENDING = "sending", pgettext_lazy("e-mail status", "Sending")
    SENT = "sent", pgettext_lazy("e-mail status", "Sent")
    FAILED = "failed", pgettext_lazy("e-mail status", "Failed")
