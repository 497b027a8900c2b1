"""The seat forecast's backtest: synthetic histories, a forecast at day T from the days before it,
and the run-out day the history then actually reaches.

Four histories of daily changes to the users allocated, each with noise from a seeded random:

- steady growth: 0 to 6 users a day (3 on average), every day;
- a step: half a user a day, and once, on a random day of the window, a customer of 150 users;
- flat: -2 to +2 users a day;
- shrinking: -3 to +1 users a day (1 fewer on average).

The forecast is made at day ``T`` (120: a full 90-day window) from the history before it; the
history then goes on with the same rule until the allocated users reach the commitment: that day
is the actual run-out. The error is (forecast days left - actual days left) / actual days left.
200 seeds of each run without the database, comparing the pace LMP uses (the window's two ends,
``pace_ends``) with a least-squares slope over the same daily series; then one seed of each is
built as real events through the services under a controlled clock, and ``seat_forecast`` must
read the same figures from them. The measured figures are printed (``-s``) and recorded in
docs/pages/user-guide/partner-pages.md, "Seat forecast".
"""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest

from licenses.forecast import (
    NOT_RUNNING_OUT,
    RUNS_OUT,
    WINDOW_DAYS,
    forecast_from_pace,
    pace_ends,
    pace_least_squares,
    seat_forecast,
)
from lmp.partners.models import Partner
from tests.helpers.seat_history import SeatHistory

T = 120
SEEDS = 200
TODAY = dt.date(2026, 5, 1)  # any day: the pure backtest only counts days from it


def steady(rng: random.Random, day: int) -> int:
    return rng.randint(0, 6)


def flat(rng: random.Random, day: int) -> int:
    return rng.randint(-2, 2)


def shrinking(rng: random.Random, day: int) -> int:
    return rng.randint(-3, 1)


def step_at(step_day: int):
    def step(rng: random.Random, day: int) -> int:
        return (1 if rng.random() < 0.5 else 0) + (150 if day == step_day else 0)

    return step


# name: (the daily rule for a seed, the commitment, the users at day 0)
SCENARIOS = {
    "steady": (lambda seed: steady, 1500, 200),
    "step": (lambda seed: step_at(random.Random(-seed).randint(T - WINDOW_DAYS + 1, T)), 600, 200),
    "flat": (lambda seed: flat, 1000, 400),
    "shrinking": (lambda seed: shrinking, 1000, 400),
}
# Beyond this many days the synthetic history is said never to run out.
NEVER = 20 * 365


def simulate(name: str, seed: int) -> dict:
    """One synthetic history: the daily changes up to T, the series the forecast sees, and the
    actual days from T until the allocated users reach the commitment (None: never)."""
    rule_for, commitment, base = SCENARIOS[name]
    rule = rule_for(seed)
    rng = random.Random(seed)
    changes = [rule(rng, day) for day in range(1, T + 1)]
    allocated = [base]
    for change in changes:
        allocated.append(allocated[-1] + change)
    held, day, actual = allocated[-1], T, None
    while day < T + NEVER:
        day += 1
        held += rule(rng, day)
        if held >= commitment:
            actual = day - T
            break
    return {
        "changes": changes,
        "series": allocated[T - WINDOW_DAYS :],
        "unallocated": commitment - allocated[-1],
        "commitment": commitment,
        "base": base,
        "actual": actual,
    }


def predicted(history: dict, pace) -> object:
    series = history["series"]
    return forecast_from_pace(
        tier_name="MDR Complete",
        unallocated=history["unallocated"],
        window_days=WINDOW_DAYS,
        net_users=series[-1] - series[0],
        pace=pace(series),
        today=TODAY,
    )


def errors(name: str, pace) -> list[float]:
    found = []
    for seed in range(SEEDS):
        history = simulate(name, seed)
        forecast = predicted(history, pace)
        assert forecast.status == RUNS_OUT and history["actual"], (name, seed, forecast)
        found.append((forecast.days_left - history["actual"]) / history["actual"])
    return found


def summary(found: list[float]) -> dict[str, float]:
    size = sorted(abs(e) for e in found)
    return {
        "mean": round(statistics.mean(found), 3),
        "median": round(statistics.median(size), 3),
        "p90": round(size[int(0.9 * len(size))], 3),
        "max": round(size[-1], 3),
    }


def test_steady_growth_forecast_within_the_measured_error_and_no_worse_than_least_squares():
    ends = summary(errors("steady", pace_ends))
    least = summary(errors("steady", pace_least_squares))
    print(f"\nsteady growth, days-left error over {SEEDS} seeds: ends {ends}, least {least}")
    # Measured: the ends' error is 5 % in the median, 14 % at the 90th percentile, 22 % at
    # worst, unbiased (mean under 1 %); the least-squares slope is as good in the median and a
    # little worse in the tail.
    assert abs(ends["mean"]) <= 0.02
    assert ends["median"] <= 0.07
    assert ends["p90"] <= 0.18
    assert ends["max"] <= 0.35
    assert ends["p90"] <= least["p90"]


def test_a_step_makes_the_forecast_run_out_early_by_a_bounded_share():
    ends, least = summary(errors("step", pace_ends)), summary(errors("step", pace_least_squares))
    print(f"\na step of 150 users, days-left error over {SEEDS} seeds: ends {ends}, least {least}")
    # Honest: a one-off customer of 150 users is read as pace, so the forecast says the users
    # run out about four times sooner than they do: days left 77 % short in the median, 74-80 %
    # for every seed, wherever in the window the step fell. It errs early, never late. The
    # least-squares slope depends on where the step fell: 10 % short when it is in the last days
    # (the line hardly sees it yet), up to 85 % mid-window, 79 % in the median.
    found = errors("step", pace_ends)
    assert all(-0.82 <= e <= -0.70 for e in found)
    assert 0.70 <= ends["median"] <= 0.82
    assert least["max"] >= ends["max"]


@pytest.mark.parametrize("name", ["flat", "shrinking"])
def test_flat_and_shrinking_histories_are_not_running_out(name):
    for seed in range(SEEDS):
        history = simulate(name, seed)
        assert history["actual"] is None, (name, seed)  # nor do they, for 20 years
        assert predicted(history, pace_ends).status == NOT_RUNNING_OUT, (name, seed)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_forecast_reads_the_same_from_real_events(name):
    """One seed of each history built through the services: ``seat_forecast`` at day T reads the
    series the pure backtest used, so the figures above are the page's."""
    seed = 7
    history = simulate(name, seed)
    expected = predicted(history, pace_ends)
    pool = SeatHistory(
        partner=Partner.objects.create(name=f"Backtest {name}"),
        commitment=history["commitment"],
        base_users=history["base"],
    )
    try:
        for change in history["changes"]:
            pool.day(change)
        forecast = seat_forecast(pool.refreshed())
    finally:
        pool.stop()
    assert (forecast.status, forecast.net_users, forecast.days_left, forecast.window_days) == (
        expected.status,
        expected.net_users,
        expected.days_left,
        WINDOW_DAYS,
    )
    if forecast.status == RUNS_OUT:
        error = (forecast.days_left - history["actual"]) / history["actual"]
        print(f"\n{name} (seed {seed}): {forecast.days_left} days forecast, {history['actual']}")
        print(f"actual, error {error:+.1%}")
