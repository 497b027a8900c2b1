"""A clock the demo moves by hand: ``django.utils.timezone.now`` under the seed's control.

Why: the demo replays two years of real service calls (onboardings, edits, an offboarding, a
purchase, each month's close) so that the pages that read history (the license page's usage
chart and seat forecast, the license as of a past date, Billing → Statements) have something to
show on a fresh database. The services stamp ``timezone.now()``; under this clock they stamp the
replayed instant instead, so every history event is the one the service would have written then.

Model fields whose default is ``timezone.now`` hold the real function (bound when the model was
defined), so for the replay their default follows the clock too (a customer's "onboarded at", a
purchase's "created at"); both are put back when the block ends, whatever happened in it. Only the
demo seed uses it: never the portal's own code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.apps import apps
from django.utils import timezone


class DemoClock:
    """The replayed instant; ``set`` moves it (forwards only: history never goes back)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, instant: dt.datetime) -> None:
        if instant < self._now:
            raise ValueError(f"The demo clock only moves forwards ({instant} < {self._now}).")
        self._now = instant


def _now_defaults() -> list:
    """The model fields whose default is the real ``timezone.now``."""
    real = timezone.now
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real
    ]


@contextmanager
def demo_clock(start: dt.datetime) -> Iterator[DemoClock]:
    """``timezone.now()`` (and so ``localdate()``) and the fields' ``timezone.now`` defaults read
    the returned clock inside the block."""
    clock = DemoClock(start)
    real = timezone.now
    fields = _now_defaults()
    for field in fields:
        field.default = clock.now
        field.__dict__.pop("_get_default", None)  # a cached_property: it read the old default
    try:
        with mock.patch("django.utils.timezone.now", clock.now):
            yield clock
    finally:
        for field in fields:
            field.default = real
            field.__dict__.pop("_get_default", None)
