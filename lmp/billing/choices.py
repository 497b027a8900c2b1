"""Enumerations of the billing app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class StatementLineKind(models.TextChoices):
    """What a statement line bills: a customer's users, the pool's unallocated users, or a
    correction of an earlier statement."""

    CUSTOMER = "customer", pgettext_lazy("statement line", "Customer")
    UNALLOCATED = "unallocated", pgettext_lazy("statement line", "Unallocated users")
    ADJUSTMENT = "adjustment", pgettext_lazy("statement line", "Adjustment")
