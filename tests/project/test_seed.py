"""``manage.py seed_demo``: the README's demo, and running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from licenses.choices import CustomerStatus, ServiceTier
from licenses.forecast import RUNS_OUT, seat_forecast
from licenses.history_state import history_complete_from, license_state_at
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from lmp.billing.models import Purchase, Statement, StatementLicense, StatementLine
from lmp.demo.management.commands.seed_demo import PARTNERS
from lmp.outbox.models import OutboundEmail
from lmp.partners.models import Partner
from shipping.selectors import partner_default_address

pytestmark = pytest.mark.django_db

DEMO_APPS = ("partners", "licenses", "shipping", "onboarding", "auth")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Row counts of every model of the project's apps, plus the seat figures that matter."""
    counts = {
        model._meta.label: model.objects.count()
        for app in DEMO_APPS
        for model in apps.get_app_config(app).get_models()
    }
    licenses = list(
        VolumeLicense.objects.order_by("partner__name", "tier").values_list(
            "partner__name",
            "tier",
            "seat_commitment",
            "allocated",
            "renewal_date",
            "price_per_user",
            "currency",
        )
    )
    customers = list(
        CustomerAccount.objects.order_by("legal_name").values_list(
            "legal_name", "partner__name", "license__tier", "status"
        )
    )
    allocations = list(
        SeatAllocation.objects.order_by("customer__legal_name", "tier").values_list(
            "customer__legal_name", "tier", "seats", "sat_users", "active"
        )
    )
    return {
        "counts": counts,
        "licenses": licenses,
        "customers": customers,
        "allocations": allocations,
    }


def test_seed_demo_twice_gives_the_same_data():
    seed()
    first = snapshot()
    assert first["counts"]["licenses.CustomerAccount"] > 0
    seed()
    assert snapshot() == first


def test_seed_mirrors_the_example_license():
    seed()
    northwind = Partner.objects.get(name="Northwind MSP")
    complete = VolumeLicense.objects.get(partner=northwind, tier=ServiceTier.COMPLETE)
    assert (complete.seat_commitment, complete.allocated, complete.unallocated) == (1990, 200, 1790)
    assert sorted(complete.allocations.filter(active=True).values_list("seats", flat=True)) == [
        100,
        100,
    ]
    assert complete.customers.filter(status=CustomerStatus.ACTIVE).count() == 2
    assert set(northwind.licenses.values_list("tier", flat=True)) == {
        ServiceTier.COMPLETE,
        ServiceTier.CORE,
        ServiceTier.CLOUD,
    }
    assert partner_default_address(partner=northwind) is not None
    assert northwind.addresses.filter(is_default=True).count() == 1


def test_seed_has_a_second_partner_with_its_own_data():
    seed()
    contoso = Partner.objects.get(name="Contoso Secure IT")
    assert contoso.licenses.exists()
    assert CustomerAccount.objects.filter(partner=contoso).exists()
    assert partner_default_address(partner=contoso) is not None
    # Nothing of it is shared with the first partner.
    assert not contoso.shared_licenses.exists()
    assert not CustomerAccount.objects.filter(partner=contoso, sub_partner__isnull=False).exists()


def test_seed_counters_equal_the_active_allocations():
    seed()
    for license in VolumeLicense.objects.all():
        active = license.allocations.filter(active=True).values_list("seats", flat=True)
        assert license.allocated == sum(active) <= license.seat_commitment, license


@pytest.mark.parametrize(
    ("username", "password", "partner", "staff"),
    [
        ("partner", "lmp-demo-2026", "Northwind MSP", False),
        ("other", "lmp-other-2026", "Contoso Secure IT", False),
        ("staff", "lmp-staff-2026", None, True),
    ],
)
def test_seed_logins_work(username, password, partner, staff):
    output = seed()
    seed()  # the second run keeps the passwords working
    user = get_user_model().objects.get(username=username)
    assert user.check_password(password)
    request = RequestFactory().post("/login/")
    assert authenticate(request, username=username, password=password) == user
    assert user.is_staff is staff
    membership = getattr(user, "membership", None)
    assert (membership.partner.name if membership else None) == partner
    assert username in output and password in output  # the command prints the logins


# --- the demo's two years of history (lmp.demo.history) ------------------------------------------


def _demo_licenses() -> list[VolumeLicense]:
    return list(VolumeLicense.objects.order_by("pk"))


def test_seed_gives_the_demo_licenses_two_years_of_history():
    out = seed()
    now = timezone.now()
    northwind = Partner.objects.get(name="Northwind MSP")
    complete = VolumeLicense.objects.get(partner=northwind, tier=ServiceTier.COMPLETE)
    started = history_complete_from(complete)
    assert now - dt.timedelta(days=740) < started < now - dt.timedelta(days=700)  # ~24 months
    assert f"history spans from {timezone.localdate(started):%Y-%m-%d}" in out
    # As of a past date the license existed, with fewer users than today.
    then = license_state_at(complete, now - dt.timedelta(days=365))
    assert then.exists and 0 < then.allocated < complete.allocated
    # One customer left along the way; its events are there, its seats are not.
    gone = CustomerAccount.objects.get(partner=northwind, status=CustomerStatus.OFFBOARDED)
    assert gone.onboarded_at < gone.offboarded_at < now - dt.timedelta(days=90)
    # The purchase raised the commitment in the history: 990 → 1,990.
    purchase = Purchase.objects.get(partner=northwind)
    assert (purchase.previous_commitment, purchase.new_commitment) == (990, 1990)
    assert purchase.created_at < now - dt.timedelta(days=30)


def test_seed_history_rebuilds_the_live_figures_of_every_demo_license():
    seed()
    now = timezone.now()
    for license in _demo_licenses():
        state = license_state_at(license, now)
        assert (
            state.seat_commitment,
            state.allocated,
            state.price_per_user,
            state.renewal_date,
        ) == (
            license.seat_commitment,
            license.allocated,
            license.price_per_user,
            license.renewal_date,
        ), license
        live = {
            a.customer_id: a.seats for a in license.allocations.filter(active=True, seats__gt=0)
        }
        rebuilt = {
            c.customer_id: (c.tier_users if c.license_id == license.pk else c.cloud_users)
            for c in state.customers.values()
            if c.is_active
        }
        assert {k: v for k, v in rebuilt.items() if v} == live, license


def test_seed_closes_every_ended_month_with_the_licenses_month_end_totals():
    seed()
    today = timezone.localdate()
    northwind = Partner.objects.get(name="Northwind MSP")
    first = history_complete_from(northwind.licenses.get(tier=ServiceTier.COMPLETE))
    months = set(Statement.objects.filter(partner=northwind).values_list("month", flat=True))
    month, expected = timezone.localdate(first).replace(day=1), set()
    while month < today.replace(day=1):
        expected.add(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert months == expected and len(months) >= 23
    for sl in StatementLicense.objects.select_related("statement", "license"):
        state = license_state_at(sl.license, sl.statement.period_end - dt.timedelta(microseconds=1))
        assert sl.amount == state.seat_commitment * state.price_per_user, sl
        assert sl.allocated == state.allocated, sl
    # Closed while the partners had no members: the demo's worker has no old e-mails to send.
    assert not OutboundEmail.objects.exists()


def test_seed_forecast_of_the_main_pool_runs_out():
    seed()
    complete = VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)
    forecast = seat_forecast(complete)
    assert forecast.status == RUNS_OUT
    assert forecast.net_users > 0 and forecast.window_days == 90


def test_seed_twice_adds_no_history_and_leaves_the_clock_alone():
    seed()
    counts = (
        AllocationEvent.objects.count(),
        Statement.objects.count(),
        StatementLine.objects.count(),
        Purchase.objects.count(),
        OutboundEmail.objects.count(),
    )
    seed()
    assert (
        AllocationEvent.objects.count(),
        Statement.objects.count(),
        StatementLine.objects.count(),
        Purchase.objects.count(),
        OutboundEmail.objects.count(),
    ) == counts
    # The demo clock is gone: the time and the models' defaults are the real ones again.
    before = dt.datetime.now(dt.UTC)
    assert before <= timezone.now()
    assert CustomerAccount._meta.get_field("onboarded_at").get_default() >= before


@pytest.mark.parametrize("options", [[], ["--no-history"]])
def test_seed_ends_on_the_figures_it_specifies(options):
    """With its history or without (the browser tests' flat demo), the same figures today."""
    call_command("seed_demo", *options, stdout=StringIO())
    today = timezone.localdate()
    for name, spec in PARTNERS.items():
        for tier, seats, price, currency, days in spec["licenses"]:
            license = VolumeLicense.objects.get(partner__name=name, tier=tier)
            assert (
                license.seat_commitment,
                license.price_per_user,
                license.currency,
                license.renewal_date,
            ) == (seats, Decimal(price), currency, today + dt.timedelta(days=days))
        for legal_name, _tier, users, cloud, sat, site, email in spec["customers"]:
            customer = CustomerAccount.objects.get(
                partner__name=name, legal_name=legal_name, status=CustomerStatus.ACTIVE
            )
            held = {
                a.license.tier: (a.seats, a.sat_users)
                for a in customer.allocations.filter(active=True).select_related("license")
            }
            own = held.pop(customer.license.tier)
            assert own == (users, sat), legal_name
            assert held.get(ServiceTier.CLOUD, (0, 0))[0] == cloud, legal_name
            assert (customer.website, customer.admin_email) == (site, email)
    assert Statement.objects.exists() is not bool(options)


def test_seed_leaves_a_demo_seeded_before_alone():
    """A database seeded before the history (the flat demo) gets no replay on top of it."""
    call_command("seed_demo", "--no-history", stdout=StringIO())
    events = AllocationEvent.objects.count()
    first = snapshot()
    seed()
    assert AllocationEvent.objects.count() == events
    assert not Statement.objects.exists() and not Purchase.objects.exists()
    assert snapshot() == first
