"""The seat policy: counts per tier, limits, the SAT rule, and what a customer may be given."""

from __future__ import annotations

import pathlib
import re

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from licenses import policy
from licenses.choices import ServiceTier
from licenses.forms import SeatCountsFormMixin
from tests.factories import make_customer

ROOT = pathlib.Path(settings.BASE_DIR)


def fields(tier: str, has_cloud: bool) -> list[tuple[str, str, int]]:
    return [
        (c.field, c.label, c.minimum) for c in policy.count_fields(tier=tier, has_cloud=has_cloud)
    ]


def test_counts_per_tier_with_and_without_a_cloud_pool():
    assert fields(ServiceTier.COMPLETE, True) == [
        ("tier_users", "MDR Complete Users", 1),
        ("cloud_users", "MDR Cloud Users", 0),
        ("sat_users", "Beauceron SAT Users", 0),
    ]
    assert fields(ServiceTier.COMPLETE, False) == [
        ("tier_users", "MDR Complete Users", 1),
        ("sat_users", "Beauceron SAT Users", 0),
    ]
    assert fields(ServiceTier.CORE, True) == [
        ("tier_users", "MDR Core Users", 1),
        ("cloud_users", "MDR Cloud Users", 0),
    ]
    # A Cloud customer's users are its tier users: no separate cloud count, no SAT.
    assert fields(ServiceTier.CLOUD, True) == [("tier_users", "MDR Cloud Users", 1)]


@pytest.mark.parametrize(
    ("unallocated", "held", "message"),
    [
        (0, 0, "No MDR Complete users are available."),
        (1, 0, "Only 1 MDR Complete user is available."),
        (1790, 0, "Only 1,790 MDR Complete users are available."),
        (
            1790,
            100,
            "Only 1,890 MDR Complete users are available to this customer "
            "(1,790 unallocated plus the 100 it holds).",
        ),
        (
            0,
            10,
            "No MDR Complete users are unallocated: "
            "this customer can have at most the 10 it holds.",
        ),
    ],
)
def test_the_message_says_unallocated_plus_held(unallocated, held, message):
    assert (
        policy.available_message(tier=ServiceTier.COMPLETE, unallocated=unallocated, held=held)
        == message
    )


def test_an_allowance_is_unallocated_plus_held(complete_license):
    make_customer(license=complete_license, tier_users=200)
    complete_license.refresh_from_db()
    room = policy.allowance(license=complete_license, held=100)
    assert (room.unallocated, room.held, room.available) == (1790, 100, 1890)
    assert room.remaining(150) == 1740
    room.check(1890)
    with pytest.raises(ValidationError) as excinfo:
        room.check(1891)
    assert excinfo.value.message_dict == {"tier_users": [room.message()]}
    assert room.data_attrs() == {
        "data-seats-available": "1890",
        "data-seats-held": "100",
        "data-seats-unallocated": "1790",
    }


def test_can_onboard_needs_one_unallocated_seat(core_license):
    assert policy.can_onboard(core_license)
    make_customer(license=core_license, tier_users=core_license.seat_commitment)
    core_license.refresh_from_db()
    assert not policy.can_onboard(core_license)


@pytest.mark.parametrize(
    ("counts", "error"),
    [
        ({"tier_users": 0}, {"tier_users": ["MDR Complete Users must be at least 1."]}),
        ({"tier_users": True}, {"tier_users": ["MDR Complete Users must be a whole number."]}),
        (
            {"tier_users": policy.MAX_SEATS + 1},
            {"tier_users": ["MDR Complete Users must be at most 2,147,483,647."]},
        ),
        ({"cloud_users": -1}, {"cloud_users": ["MDR Cloud Users cannot be negative."]}),
        (
            {"sat_users": 11},
            {"sat_users": ["Beauceron SAT users cannot be more than the 10 MDR Complete users."]},
        ),
        ({"cloud_users": 1, "has_cloud": False}, {"cloud_users": [policy.NO_CLOUD_LICENSE]}),
        ({"sat_users": 1, "tier": ServiceTier.CORE}, {"sat_users": [policy.SAT_COMPLETE_ONLY]}),
    ],
)
def test_counts_check_refuses_on_the_field(counts, error):
    kwargs = {"tier": ServiceTier.COMPLETE, "has_cloud": True, "tier_users": 10, **counts}
    with pytest.raises(ValidationError) as excinfo:
        policy.counts_check(**kwargs)
    assert excinfo.value.message_dict == error


def test_max_seats_is_defined_once_in_licenses():
    # (onboarding/forms.py still has its own copy until the wizard's details form uses the mixin.)
    defined = [
        path.relative_to(ROOT).as_posix()
        for folder in ("licenses", "lmp")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^MAX_SEATS\s*=", path.read_text(), re.MULTILINE)
    ]
    assert defined == ["licenses/policy.py"]


# Seat arithmetic: the unallocated seats (commitment - allocated), the commitment's floor
# (compared with what is allocated), a purchase's headroom (MAX_SEATS - commitment), a tier's
# seat label ("… Users").
SEAT_ARITHMETIC = re.compile(
    r"seat_commitment\s*-(?!=)|MAX_SEATS\s*-|[<>]=?\s*\w+\.allocated\b|\} Users\""
)


def test_seat_arithmetic_lives_only_in_the_policy():
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for folder in ("licenses", "lmp", "onboarding", "shipping")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path != ROOT / "licenses" / "policy.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SEAT_ARITHMETIC.search(line)
    ]
    assert found == []


@pytest.mark.django_db
def test_the_policy_counts_unallocated_and_the_commitments_floor(core_license):
    make_customer(license=core_license, tier_users=200)
    core_license.refresh_from_db()
    assert policy.unallocated(core_license) == core_license.unallocated == 300
    assert policy.commitment_check(200, allocated=200) == 200
    with pytest.raises(ValidationError) as excinfo:
        policy.commitment_check(199, allocated=200)
    assert excinfo.value.message_dict == {
        "seat_commitment": [policy.commitment_message(allocated=200)]
    }
    assert policy.purchase_count(commitment=0).maximum == policy.MAX_PURCHASE_USERS
    assert policy.purchase_count(commitment=policy.MAX_SEATS - 5).maximum == 5


class DetailsForm(SeatCountsFormMixin):
    """What the onboarding details step needs of the mixin: a new customer, holding nothing."""

    legal_name = forms.CharField()


@pytest.mark.django_db
def test_the_mixin_serves_a_new_customer_too(complete_license, core_license, cloud_license):
    form = DetailsForm(
        {"legal_name": "Acme", "tier_users": "1991", "cloud_users": "301", "sat_users": "5"},
        license=complete_license,
        cloud_license=cloud_license,
    )
    assert form.errors == {
        "tier_users": ["Only 1,990 MDR Complete users are available."],
        "cloud_users": ["Only 300 MDR Cloud users are available."],
    }
    form = DetailsForm(
        {"legal_name": "Acme", "tier_users": "10", "sat_users": "11"},
        license=complete_license,
        cloud_license=cloud_license,
    )
    assert form.errors == {
        "sat_users": ["Beauceron SAT users cannot be more than the 10 MDR Complete users."]
    }
    form = DetailsForm(
        {"legal_name": "Acme", "tier_users": "10"}, license=core_license, cloud_license=None
    )
    assert list(form.fields) == ["tier_users", "legal_name"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "legal_name": "Acme",
        "tier_users": 10,
        "cloud_users": 0,
        "sat_users": 0,
    }
