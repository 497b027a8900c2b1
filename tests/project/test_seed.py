"""``manage.py seed_demo``: the README's demo, and running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
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
