"""What the API stores of its own: the answers to requests sent with an ``Idempotency-Key``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmp.partners.models import ApiKey


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key`` by one API key.

    A retry with the same key and the same request gets this answer again and changes nothing;
    the same key with another request is refused. The row is inserted before the write, in its
    transaction, so two identical requests at once queue on the unique key and the second one
    reads the first one's answer.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # The method, path and a hash of the body: what "the same request" means.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    # The language the answer was written in (Accept-Language): a replay says it again.
    language = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class ThrottleWindow(models.Model):
    """How many requests one API key, or failed authentications one client address, has made in
    one throttle window (``API_THROTTLE_RATE``, ``API_AUTH_FAILURE_RATE``).

    Counted by a conditional UPDATE (``count < limit``), so requests answered at once by several
    web processes are each counted and a key never gets more than its rate. A key (an address)
    keeps one row: the window's first request deletes its older ones.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+", null=True)
    # Set instead of api_key: the failed authentications from this address.
    client_address = models.GenericIPAddressField(null=True)
    window = models.DateTimeField()  # the window's start
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("throttle window")
        verbose_name_plural = _("throttle windows")
        constraints = [
            models.UniqueConstraint(fields=["api_key", "window"], name="api_throttle_one_window"),
            models.UniqueConstraint(
                fields=["client_address", "window"], name="api_throttle_one_address_window"
            ),
            models.CheckConstraint(
                condition=models.Q(api_key__isnull=True) ^ models.Q(client_address__isnull=True),
                name="api_throttle_key_or_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window:%H:%M:%S}: {self.count}"
