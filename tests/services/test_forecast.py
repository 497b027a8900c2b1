"""The seat forecast: the pace of a pool's last 90 days, its honest cases and its sentence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from licenses import services
from licenses.choices import AllocationEventKind, AllocationEventSource, ServiceTier
from licenses.forecast import (
    ALREADY_OUT,
    NOT_ENOUGH_HISTORY,
    NOT_RUNNING_OUT,
    RUNS_OUT,
    seat_forecast,
)
from licenses.models import AllocationEvent, VolumeLicense
from licenses.usage import license_usage
from lmp.billing.services import seats_purchase
from tests.helpers.seat_history import START, SeatHistory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(partner):
    """A Complete pool of 1,000 created on Jan 1, 2026 with a customer of 100 users."""
    pool = SeatHistory(partner=partner, commitment=1000, base_users=100)
    yield pool
    pool.stop()


def days(pool: SeatHistory, n: int, change: int = 0, every: int = 1) -> None:
    for i in range(1, n + 1):
        pool.day(change if i % every == 0 else 0)


def test_steady_growth_runs_out_at_the_pace_of_the_last_90_days(history):
    days(history, 100, change=30, every=10)  # +30 users every 10 days: 400 allocated at day 100
    forecast = seat_forecast(history.refreshed())
    assert forecast.status == RUNS_OUT
    assert (forecast.window_days, forecast.net_users, forecast.unallocated) == (90, 270, 600)
    assert forecast.days_left == 200  # 600 users at 3 a day
    assert forecast.runs_out_on == dt.date(2026, 10, 28)  # Apr 11, 2026 + 200 days
    assert forecast.text == (
        "At this pace (+270 users in 90 days), MDR Complete's unallocated users run out "
        "around Oct 28, 2026 (in 200 days)."
    )
    with translation.override("fr-ca"):
        assert forecast.text == (
            "À ce rythme (+270 utilisateurs en 90 jours), les utilisateurs non attribués de "
            "MDR Complete seront épuisés vers le 28 oct. 2026 (dans 200 jours)."
        )


def test_under_30_days_of_history_is_not_enough(history):
    days(history, 29, change=10)
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.window_days, forecast.runs_out_on) == (
        NOT_ENOUGH_HISTORY,
        29,
        None,
    )
    assert forecast.text == (
        "Not enough history for a forecast of MDR Complete's unallocated users: 29 days "
        "recorded, 30 needed."
    )


def test_a_pool_30_to_90_days_old_uses_the_days_it_has(history):
    days(history, 45, change=2)  # +90 users in 45 days
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.window_days, forecast.net_users) == (RUNS_OUT, 45, 90)
    assert forecast.days_left == 405  # 810 unallocated at 2 a day
    assert "(+90 users in 45 days)" in forecast.text


def test_a_shrinking_pool_is_not_running_out(history):
    history.day(200)  # before the window
    days(history, 99, change=-1)
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.net_users, forecast.days_left) == (NOT_RUNNING_OUT, -90, None)
    assert forecast.text == (
        "At this pace (\u221290 users in 90 days), MDR Complete's unallocated users are not "
        "running out."
    )


def test_a_flat_pool_is_not_running_out(history):
    days(history, 100)
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.net_users) == (NOT_RUNNING_OUT, 0)
    assert forecast.text == (
        "At this pace (no change in 90 days), MDR Complete's unallocated users are not running out."
    )
    with translation.override("fr-ca"):
        assert "aucun changement en 90 jours" in forecast.text


def test_a_run_out_beyond_three_years_is_not_a_forecast(history):
    days(history, 100, change=1, every=60)  # +1 user in the window: 899 unallocated, 81,000 days
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.net_users, forecast.days_left) == (NOT_RUNNING_OUT, 1, None)
    assert forecast.text == (
        "At this pace (+1 user in 90 days), MDR Complete's unallocated users last more than "
        "three years."
    )


def test_a_full_pool_is_already_out(history):
    days(history, 40)
    history.day(900)
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.unallocated) == (ALREADY_OUT, 0)
    assert forecast.text == "MDR Complete has no unallocated users left."


def test_offboarded_users_count_as_leaving(history):
    days(history, 10)
    leaving = history.onboard(60)
    days(history, 50, change=1)  # +50
    history.offboard(leaving)  # -60, in the window
    days(history, 40)
    forecast = seat_forecast(history.refreshed())
    assert forecast.net_users == 50 - 60 + 0  # the 60 came before the window: only their leaving
    assert forecast.status == NOT_RUNNING_OUT


def test_a_purchase_in_the_window_is_not_allocation(history, admin_user):
    days(history, 60, change=3, every=3)  # +60 users
    seats_purchase(
        actor=admin_user, partner=history.partner, tier=ServiceTier.COMPLETE, users=500, token="t"
    )
    days(history, 40, change=3, every=3)  # +39 users
    forecast = seat_forecast(history.refreshed())
    assert forecast.net_users == 90  # 30 days of 51 + 39: the 500 seats bought are not counted
    assert forecast.unallocated == 1500 - 100 - 60 - 39


def test_mdr_cloud_users_of_a_customer_are_on_the_cloud_pool(partner):
    pool = SeatHistory(partner=partner, commitment=500, base_users=10, tier=ServiceTier.CLOUD)
    try:
        days(pool, 40)
        complete = services.license_save(
            license=VolumeLicense(
                partner=partner,
                tier=ServiceTier.COMPLETE,
                seat_commitment=1000,
                renewal_date=dt.date(2028, 1, 1),
                price_per_user=pool.license.price_per_user,
            )
        )
        for n in range(1, 4):
            pool.day(0)
            services.customer_create(
                partner=partner,
                license=complete,
                legal_name=f"Complete {n}",
                admin_email=f"it@c{n}.example",
                tier_users=50,  # on the Complete pool: not this one's
                cloud_users=20,
                sat_users=10,
            )
        forecast = seat_forecast(pool.refreshed())
        assert (forecast.window_days, forecast.net_users) == (43, 60)
        assert forecast.text.startswith("At this pace (+60 users in 43 days), MDR Cloud's")
        complete_forecast = seat_forecast(complete)
        assert complete_forecast.status == NOT_ENOUGH_HISTORY  # created 40 days after the pool
    finally:
        pool.stop()


@pytest.mark.parametrize("customers", [5, 50])
def test_the_forecast_costs_the_same_queries_for_5_or_50_customers(
    partner, customers, django_assert_num_queries
):
    pool = SeatHistory(partner=partner, commitment=1000, base_users=10)
    try:
        days(pool, 40)
        for _ in range(customers):
            pool.day(0)
            pool.onboard(2)
        license = pool.refreshed()
        with django_assert_num_queries(3):  # no baseline: the history's start in 2
            forecast = seat_forecast(license)
        assert forecast.net_users == 2 * customers
    finally:
        pool.stop()


def test_a_pool_with_a_baseline_has_history_from_when_the_baseline_was_written(history):
    """Before migration 0016 ran, a pool's counts are its baseline's reconstruction: the pace is
    measured only from then (here the test database's migration ran after this history). The
    migration gives the license a baseline of its terms and each customer one of its counts."""
    days(history, 100, change=30, every=10)
    AllocationEvent.objects.create(
        license=history.license,
        kind=AllocationEventKind.BASELINE,
        source=AllocationEventSource.SYSTEM,
        what="Seat commitment",
        from_value=0,
        to_value=1000,
        at=START,
    )
    AllocationEvent.objects.create(
        license=history.license,
        customer=history.base,
        kind=AllocationEventKind.BASELINE,
        source=AllocationEventSource.SYSTEM,
        what="MDR Complete Users",
        from_value=0,
        to_value=100,
        at=START,
    )
    forecast = seat_forecast(history.refreshed())
    assert (forecast.status, forecast.window_days) == (NOT_ENOUGH_HISTORY, 0)


@pytest.mark.parametrize(
    ("n", "change", "every"), [(100, 30, 10), (45, 5, 1), (20, 10, 1), (100, -2, 3)]
)
def test_the_license_pages_usage_series_gives_the_same_forecast(history, n, change, every):
    # The license page hands the forecast the usage series its chart reads: the same answer as
    # the forecast's own reading of the history, whatever the case.
    days(history, n, change=change, every=every)
    license = history.refreshed()
    own = seat_forecast(license)
    assert seat_forecast(license, usage=license_usage(license)) == own
