"""A seat forecast: when a pool's unallocated users run out at the pace of its last 90 days.

The method (docs/pages/user-guide/partner-pages.md, "Seat forecast", says it to partners):

- The **window** is the last 90 days, ending today (the portal's local day, ``TIME_ZONE``). It
  is shortened to the days the pool's history covers
  (``history_state.history_complete_from``); under 30 days, there is **not enough
  history** for a forecast.
- The **net allocation** over the window is the change of the users the pool holds: every users
  event on the pool (an onboarding, an edit, an offboarding that takes a customer's users to 0)
  after the window's first day, summed in the database (``Sum(to_value - from_value)``, per day:
  one query, whatever the number of customers). A change of the seat commitment (a purchase) is
  not an allocation and is not counted; neither are Beauceron SAT users (they sit inside the
  Complete users).
- The **pace** is the net allocation divided by the window's days (the slope between the
  window's two ends). The backtest (``tests/services/test_forecast_backtest.py``) compared it
  with a least-squares slope over the daily end-of-day allocation: on steady growth the ends are
  as good in the median and a little better in the tail (allocation accumulates its noise, so
  the two ends already hold it all); a single step moves the ends' pace by the same amount
  wherever it falls, and the least-squares slope by anything from almost nothing (a step in the
  last days) to 1.5 times that (mid-window). The ends won: as accurate, and predictable.
- Pace at or below zero: **not running out**. Otherwise the users run out in
  ``ceil(unallocated / pace)`` days; beyond ``HORIZON_DAYS`` that is no forecast either (it says
  they last beyond it). No unallocated user at all: **already out**.

Three or four queries, whatever the pool's size: two or three for the history's start
(``history_complete_from``) and one for the daily net allocation; none on the license page, which
hands it the usage series its chart reads (the same allocation, day by day).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from licenses.choices import what_key
from licenses.history_state import history_complete_from
from licenses.models import AllocationEvent, VolumeLicense
from licenses.usage import UsageSeries
from lmp.core.l10n import count

WINDOW_DAYS = 90
MIN_HISTORY_DAYS = 30
# A run-out further away than this is not a forecast anyone should plan on.
HORIZON_DAYS = 3 * 365

RUNS_OUT = "runs_out"
NOT_RUNNING_OUT = "not_running_out"
NOT_ENOUGH_HISTORY = "not_enough_history"
ALREADY_OUT = "already_out"
STATUSES = (RUNS_OUT, NOT_RUNNING_OUT, NOT_ENOUGH_HISTORY, ALREADY_OUT)

MINUS = "\u2212"


@dataclass(frozen=True)
class Forecast:
    """What the pace of the last days says about a pool's unallocated users.

    ``window_days`` is the days of history the pace was measured over (under 30: not enough
    history); ``net_users`` the change of the users allocated over them (None without enough
    history); ``runs_out_on`` and ``days_left`` are set only when ``status`` is ``runs_out``.
    ``text`` is the sentence in the active language (read it under the reader's language).
    """

    status: str
    tier_name: str
    unallocated: int
    window_days: int
    net_users: int | None = None
    runs_out_on: dt.date | None = None
    days_left: int | None = None

    @property
    def pace_text(self) -> str:
        """e.g. "+42 users in 90 days", "−5 users in 90 days", "no change in 90 days"."""
        days = count(self.window_days)
        if not self.net_users:
            # Translators: the pace of a seat forecast when nothing changed over the window.
            return ngettext(
                "no change in %(days)s day", "no change in %(days)s days", self.window_days
            ) % {"days": days}
        sign = "+" if self.net_users > 0 else MINUS
        users = f"{sign}{count(abs(self.net_users))}"
        # Translators: the pace of a seat forecast, e.g. "+42 users in 90 days" (the sign
        # included in %(users)s).
        return ngettext(
            "%(users)s user in %(days)s days",
            "%(users)s users in %(days)s days",
            abs(self.net_users),
        ) % {"users": users, "days": days}

    @property
    def text(self) -> str:
        """The forecast as one sentence in the active language."""
        tier = self.tier_name
        if self.status == ALREADY_OUT:
            return gettext("%(tier)s has no unallocated users left.") % {"tier": tier}
        if self.status == NOT_ENOUGH_HISTORY:
            # Translators: a seat forecast needs 30 days of history (%(needed)s).
            return ngettext(
                "Not enough history for a forecast of %(tier)s's unallocated users: "
                "%(days)s day recorded, %(needed)s needed.",
                "Not enough history for a forecast of %(tier)s's unallocated users: "
                "%(days)s days recorded, %(needed)s needed.",
                self.window_days,
            ) % {
                "tier": tier,
                "days": count(self.window_days),
                "needed": count(MIN_HISTORY_DAYS),
            }
        if self.status == NOT_RUNNING_OUT:
            if self.net_users and self.net_users > 0:
                # Translators: a seat forecast whose run-out is more than three years away.
                return gettext(
                    "At this pace (%(pace)s), %(tier)s's unallocated users last more than "
                    "three years."
                ) % {"pace": self.pace_text, "tier": tier}
            return gettext(
                "At this pace (%(pace)s), %(tier)s's unallocated users are not running out."
            ) % {"pace": self.pace_text, "tier": tier}
        # Translators: a seat forecast, e.g. "At this pace (+42 users in 90 days), MDR
        # Complete's unallocated users run out around Mar 14, 2027 (in 98 days)."
        return ngettext(
            "At this pace (%(pace)s), %(tier)s's unallocated users run out around %(date)s "
            "(in %(days)s day).",
            "At this pace (%(pace)s), %(tier)s's unallocated users run out around %(date)s "
            "(in %(days)s days).",
            self.days_left,
        ) % {
            "pace": self.pace_text,
            "tier": tier,
            "date": date_format(self.runs_out_on),
            "days": count(self.days_left),
        }


def daily_net(license: VolumeLicense, *, after: dt.date) -> dict[dt.date, int]:
    """The net users allocated on the pool each day after ``after`` (local days; one query).

    Only the pool's users events: a commitment change has no customer, SAT users another "what".
    """
    start = timezone.make_aware(dt.datetime.combine(after + dt.timedelta(days=1), dt.time.min))
    rows = (
        AllocationEvent.objects.filter(
            license_id=license.pk,
            customer_id__isnull=False,
            what=what_key(license.users_label),
            at__gte=start,
        )
        .annotate(day=TruncDate("at"))
        .order_by()
        .values("day")
        .annotate(net=Sum(F("to_value") - F("from_value")))
        .values_list("day", "net")
    )
    return dict(rows)


def allocated_by_day(
    *, allocated_now: int, net: dict[dt.date, int], start: dt.date, today: dt.date
) -> list[int]:
    """End-of-day users allocated from ``start`` to ``today`` (today: now), walking back from
    what the pool holds now."""
    series = [allocated_now]
    held = allocated_now
    day = today
    while day > start:
        held -= net.get(day, 0)
        series.append(held)
        day -= dt.timedelta(days=1)
    return series[::-1]


def pace_ends(series: list[int]) -> float:
    """Users per day between the window's two ends (the method LMP uses)."""
    return (series[-1] - series[0]) / (len(series) - 1)


def pace_least_squares(series: list[int]) -> float:
    """Users per day, the least-squares slope over the daily series (compared in the backtest)."""
    n = len(series)
    mean_x = (n - 1) / 2
    mean_y = sum(series) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(series))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return num / den


def forecast_from_pace(
    *, tier_name: str, unallocated: int, window_days: int, net_users: int, pace: float, today
) -> Forecast:
    """The forecast for a measured pace (users per day)."""
    common = {
        "tier_name": tier_name,
        "unallocated": unallocated,
        "window_days": window_days,
        "net_users": net_users,
    }
    if pace <= 0:
        return Forecast(status=NOT_RUNNING_OUT, **common)
    days_left = math.ceil(unallocated / pace)
    if days_left > HORIZON_DAYS:
        return Forecast(status=NOT_RUNNING_OUT, **common)
    return Forecast(
        status=RUNS_OUT,
        runs_out_on=today + dt.timedelta(days=days_left),
        days_left=days_left,
        **common,
    )


def seat_forecast(
    license: VolumeLicense, *, today: dt.date | None = None, usage: UsageSeries | None = None
) -> Forecast:
    """When the pool's unallocated users run out at the pace of its last 90 days (or fewer, down
    to 30, when its history is younger). Three or four queries; none given the pool's usage
    series up to ``today`` (``licenses.usage.license_usage``, which the license page reads for
    its chart): its last days are the same allocation, day by day."""
    today = today or timezone.localdate()
    tier_name = str(license.get_tier_display())
    unallocated = license.unallocated
    if usage is not None:
        first_day = usage.first_day
    else:
        complete_from = history_complete_from(license)
        first_day = None if complete_from is None else timezone.localdate(complete_from)
    history_days = 0 if first_day is None else max(0, (today - first_day).days)
    window_days = min(WINDOW_DAYS, history_days)
    if unallocated <= 0:
        return Forecast(
            status=ALREADY_OUT, tier_name=tier_name, unallocated=0, window_days=window_days
        )
    if window_days < MIN_HISTORY_DAYS:
        return Forecast(
            status=NOT_ENOUGH_HISTORY,
            tier_name=tier_name,
            unallocated=unallocated,
            window_days=window_days,
        )
    if usage is not None and usage.days[-1] == today:
        series = list(usage.allocated[-(window_days + 1) :])
    else:
        start = today - dt.timedelta(days=window_days)
        series = allocated_by_day(
            allocated_now=license.allocated,
            net=daily_net(license, after=start),
            start=start,
            today=today,
        )
    return forecast_from_pace(
        tier_name=tier_name,
        unallocated=unallocated,
        window_days=window_days,
        net_users=series[-1] - series[0],
        pace=pace_ends(series),
        today=today,
    )
