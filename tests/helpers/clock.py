"""Time passing for the outbox: scheduled times moved into the past instead of sleeping."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django_tasks_db.models import DBTaskResult, get_date_max

from lmp.outbox.models import OutboundEmail


def time_passes(seconds: int) -> None:
    """Move every scheduled time (retries, leases, delayed tasks) ``seconds`` into the past."""
    delta = dt.timedelta(seconds=seconds)
    OutboundEmail.objects.update(next_attempt_at=F("next_attempt_at") - delta)
    OutboundEmail.objects.filter(lease_until__isnull=False).update(
        lease_until=F("lease_until") - delta
    )
    DBTaskResult.objects.filter(run_after__lt=get_date_max()).update(
        run_after=F("run_after") - delta
    )
