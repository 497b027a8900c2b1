"""Time in tests: scheduled times moved into the past instead of sleeping (the outbox), and a
controlled clock (the history)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

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


class ControlledClock:
    """``django.utils.timezone.now`` (and so ``localdate``) under the test's control.

    The services read the time through ``timezone.now()``; ``advance`` moves it on. Model field
    defaults hold the real function, so only what a service stamps itself follows this clock.
    """

    def __init__(self, start: dt.datetime) -> None:
        self._now = start
        self._patch = mock.patch("django.utils.timezone.now", self.now)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, *, seconds: int) -> dt.datetime:
        self._now += dt.timedelta(seconds=seconds)
        return self._now

    def start(self) -> None:
        self._patch.start()

    def stop(self) -> None:
        self._patch.stop()
