"""Seat services: each rule leaves the database right and tells the partner exactly why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import Sum

from licenses import services
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from tests.factories import PartnerFactory, VolumeLicenseFactory, make_customer

pytestmark = pytest.mark.django_db

BELOW_200 = "The seat commitment cannot be lower than the 200 seats already allocated."
SAT_COMPLETE_ONLY = "Beauceron SAT is only available with MDR Complete."


def allocated(license: VolumeLicense) -> int:
    """The trigger-maintained counter, read fresh, after checking it equals the active rows."""
    license.refresh_from_db()
    rows = license.allocations.filter(active=True).aggregate(n=Sum("seats"))["n"] or 0
    assert license.allocated == rows
    return license.allocated


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def seats_of(customer: CustomerAccount) -> dict[str, tuple[int, int, bool]]:
    """{tier: (seats, sat_users, active)} for each allocation row of the customer."""
    return {
        a.license.tier: (a.seats, a.sat_users, a.active)
        for a in customer.allocations.select_related("license")
    }


def fill(license: VolumeLicense, *, leave: int) -> CustomerAccount:
    """Allocate all but ``leave`` of the license's unallocated seats to one filler customer."""
    license.refresh_from_db()
    return make_customer(license=license, tier_users=license.unallocated - leave)


# --- customer_create ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "website, admin_email, expected",
    [
        # A web site typed without a scheme is https, surrounding spaces go (licenses/contact.py).
        (" acme.example ", " it@acme.example ", ("https://acme.example", "it@acme.example")),
        ("https://acme.example", "not an address", {"admin_email"}),
        ("http://", "it@acme.example", {"website"}),
    ],
)
def test_create_checks_the_contact_fields_as_update_does(
    partner, complete_license, website, admin_email, expected
):
    def outcome(call):
        try:
            customer = call()
        except ValidationError as error:
            return set(error.message_dict)
        customer.refresh_from_db()
        return customer.website, customer.admin_email

    existing = make_customer(license=complete_license, legal_name="Existing Co")

    def update():
        services.customer_update(
            customer=existing,
            legal_name=existing.legal_name,
            tier_users=10,
            website=website,
            admin_email=admin_email,
        )
        return existing

    updated = outcome(update)
    created = outcome(
        lambda: services.customer_create(
            partner=partner,
            license=complete_license,
            legal_name="Acme Co",
            admin_email=admin_email,
            tier_users=10,
            website=website,
        )
    )
    assert updated == created == expected


def test_create_allocates_tier_cloud_and_sat_users(
    partner, complete_license, cloud_license, django_assert_max_num_queries
):
    # 12 with the read of the partner's webhook endpoints (issue 15; none: no delivery).
    with django_assert_max_num_queries(12):
        customer = services.customer_create(
            partner=partner,
            license=complete_license,
            legal_name="  Maple   Leaf Dental ",
            admin_email="it@mapleleaf.example",
            tier_users=100,
            cloud_users=20,
            sat_users=60,
            website="https://mapleleaf.example",
            deployment="virtual",
            hosting_region="ca",
        )
    customer.refresh_from_db()
    assert customer.legal_name == "Maple Leaf Dental"
    assert customer.partner == partner and customer.license == complete_license
    assert customer.status == CustomerStatus.ACTIVE and customer.offboarded_at is None
    assert seats_of(customer) == {
        ServiceTier.COMPLETE: (100, 60, True),
        ServiceTier.CLOUD: (20, 0, True),
    }
    assert allocated(complete_license) == 100
    assert complete_license.unallocated == 1890
    assert allocated(cloud_license) == 20


def test_create_mirrors_the_seed_example(complete_license):
    make_customer(license=complete_license, tier_users=100)
    make_customer(license=complete_license, tier_users=100)
    assert allocated(complete_license) == 200
    assert complete_license.unallocated == 1790


def test_create_refused_when_the_pool_is_short(partner, complete_license):
    fill(complete_license, leave=12)
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=13, legal_name="Too Big Inc")
    assert errors_of(excinfo) == {"tier_users": ["Only 12 MDR Complete users are available."]}
    assert allocated(complete_license) == 1978
    assert not CustomerAccount.objects.filter(legal_name="Too Big Inc").exists()


def test_create_takes_exactly_what_is_left_then_says_none_are_available(complete_license):
    fill(complete_license, leave=12)
    make_customer(license=complete_license, tier_users=12)
    assert allocated(complete_license) == complete_license.seat_commitment
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=1)
    assert errors_of(excinfo) == {"tier_users": ["No MDR Complete users are available."]}


def test_create_says_user_in_the_singular(core_license):
    fill(core_license, leave=1)
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=core_license, tier_users=2)
    assert errors_of(excinfo) == {"tier_users": ["Only 1 MDR Core user is available."]}


def test_create_formats_large_numbers_with_separators(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=5000)
    assert errors_of(excinfo) == {"tier_users": ["Only 1,990 MDR Complete users are available."]}


def test_create_short_on_cloud_users_saves_nothing(complete_license, cloud_license):
    fill(cloud_license, leave=5)
    with pytest.raises(ValidationError) as excinfo:
        make_customer(
            license=complete_license, tier_users=40, cloud_users=6, legal_name="Half Saved Ltd"
        )
    assert errors_of(excinfo) == {"cloud_users": ["Only 5 MDR Cloud users are available."]}
    assert allocated(complete_license) == 0
    assert allocated(cloud_license) == 295
    assert not CustomerAccount.objects.filter(legal_name="Half Saved Ltd").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tier_users", 0, "MDR Complete Users must be at least 1."),
        ("tier_users", -5, "MDR Complete Users must be at least 1."),
        ("tier_users", "12", "MDR Complete Users must be a whole number."),
        ("tier_users", 12.5, "MDR Complete Users must be a whole number."),
        ("tier_users", None, "MDR Complete Users must be a whole number."),
        ("tier_users", True, "MDR Complete Users must be a whole number."),
        ("tier_users", 3_000_000_000, "MDR Complete Users must be at most 2,147,483,647."),
        ("cloud_users", -1, "MDR Cloud Users cannot be negative."),
        ("cloud_users", "ten", "MDR Cloud Users must be a whole number."),
        ("sat_users", -3, "Beauceron SAT Users cannot be negative."),
        ("sat_users", 1.0, "Beauceron SAT Users must be a whole number."),
    ],
)
def test_create_refuses_bad_counts(complete_license, cloud_license, field, value, message):
    counts = {"tier_users": 10, "cloud_users": 0, "sat_users": 0, field: value}
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, legal_name="Bad Count Ltd", **counts)
    assert errors_of(excinfo) == {field: [message]}
    assert not CustomerAccount.objects.exists()
    assert allocated(complete_license) == 0 and allocated(cloud_license) == 0


def test_sat_users_only_on_mdr_complete(core_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=core_license, tier_users=10, sat_users=5)
    assert errors_of(excinfo) == {"sat_users": [SAT_COMPLETE_ONLY]}
    assert allocated(core_license) == 0


def test_sat_users_cannot_exceed_complete_users(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=50, sat_users=51)
    assert errors_of(excinfo) == {
        "sat_users": ["Beauceron SAT users cannot be more than the 50 MDR Complete users."]
    }
    customer = make_customer(license=complete_license, tier_users=50, sat_users=50)
    assert seats_of(customer) == {ServiceTier.COMPLETE: (50, 50, True)}


def test_cloud_users_need_an_mdr_cloud_license(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=10, cloud_users=3)
    assert errors_of(excinfo) == {
        "cloud_users": ["There is no MDR Cloud license to take MDR Cloud users from."]
    }
    assert not CustomerAccount.objects.exists()


def test_customers_of_the_cloud_license_hold_only_cloud_users(cloud_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=cloud_license, tier_users=10, cloud_users=3)
    assert errors_of(excinfo) == {
        "cloud_users": ["Customers of the MDR Cloud license hold only MDR Cloud users."]
    }
    customer = make_customer(license=cloud_license, tier_users=25)
    assert seats_of(customer) == {ServiceTier.CLOUD: (25, 0, True)}
    assert allocated(cloud_license) == 25


def test_duplicate_active_legal_name_is_refused_case_insensitively(
    partner, complete_license, core_license
):
    make_customer(license=complete_license, legal_name="Acme Corp")
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=core_license, legal_name="  ACME   corp ", tier_users=7)
    assert errors_of(excinfo) == {
        "legal_name": ["An active customer named “ACME corp” already exists."]
    }
    assert CustomerAccount.objects.filter(partner=partner).count() == 1
    assert allocated(core_license) == 0


def test_another_unique_violation_is_not_reported_as_the_name_clash(complete_license):
    """Only the legal-name constraint is the partner's clash: any other one is a real error."""
    # A unique rule the services know nothing of (as a later migration or a DBA might add).
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNIQUE INDEX test_one_customer_per_admin_email "
            "ON licenses_customeraccount (admin_email)"
        )
    make_customer(license=complete_license, legal_name="Acme Corp", admin_email="it@acme.example")
    with pytest.raises(IntegrityError) as excinfo:
        make_customer(license=complete_license, legal_name="Globex", admin_email="it@acme.example")
    assert "admin_email" in str(excinfo.value)  # the database's own words, not a name clash
    assert CustomerAccount.objects.filter(legal_name="Globex").count() == 0


def test_a_name_clash_the_early_check_missed_is_still_the_name_clash(
    partner, complete_license, monkeypatch
):
    """The race a concurrent onboarding wins: the database's constraint refuses, same message."""
    from licenses.services import customers

    make_customer(license=complete_license, legal_name="Acme Corp")
    monkeypatch.setattr(customers, "legal_name_check", lambda *, legal_name, **kw: legal_name)
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, legal_name="ACME CORP", tier_users=7)
    assert errors_of(excinfo) == {
        "legal_name": ["An active customer named “ACME CORP” already exists."]
    }
    assert CustomerAccount.objects.filter(partner=partner).count() == 1
    assert allocated(complete_license) == 10


def test_another_partner_may_use_the_same_legal_name(complete_license, other_license):
    make_customer(license=complete_license, legal_name="Acme Corp")
    make_customer(license=other_license, legal_name="Acme Corp")
    assert CustomerAccount.objects.filter(legal_name="Acme Corp").count() == 2


def test_legal_name_is_required(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, legal_name="   ")
    assert errors_of(excinfo) == {"legal_name": ["Enter the customer's legal name."]}


def test_bad_email_saves_nothing(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, tier_users=30, admin_email="not-an-email")
    assert errors_of(excinfo) == {"admin_email": ["Enter a valid email address."]}
    assert not CustomerAccount.objects.exists()
    assert allocated(complete_license) == 0


def test_bad_deployment_and_region_are_refused(complete_license):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, deployment="carrier-pigeon")
    assert errors_of(excinfo) == {"deployment": ["Choose a deployment solution."]}
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, hosting_region="mars")
    assert errors_of(excinfo) == {"hosting_region": ["Choose a hosting region."]}


def test_sub_partner_onboards_onto_a_shared_license(partner, complete_license):
    sub = PartnerFactory(name="Sub Partner IT")
    complete_license.sub_partners.add(sub)
    customer = make_customer(partner=sub, license=complete_license, tier_users=15)
    assert customer.partner == partner  # the owner's customer ...
    assert customer.sub_partner == sub  # ... managed by the sub-partner
    assert allocated(complete_license) == 15


def test_unshared_partner_cannot_onboard_onto_a_license(complete_license, other_partner):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(partner=other_partner, license=complete_license)
    assert excinfo.value.messages == ["This license is not shared with your organisation."]
    assert not CustomerAccount.objects.exists()


def test_owner_can_name_only_a_sharing_sub_partner(complete_license, other_partner):
    with pytest.raises(ValidationError) as excinfo:
        make_customer(license=complete_license, sub_partner=other_partner)
    assert errors_of(excinfo) == {
        "sub_partner": ["Choose a sub-partner this license is shared with."]
    }


# --- customer_update ------------------------------------------------------------------------


def test_update_changes_allocations_and_reports_what_changed(
    complete_license, cloud_license, django_assert_max_num_queries
):
    customer = make_customer(
        license=complete_license,
        tier_users=100,
        cloud_users=20,
        sat_users=60,
        legal_name="Maple Leaf Dental",
    )
    with django_assert_max_num_queries(12):
        changes = services.customer_update(
            customer=customer,
            legal_name="Maple Leaf Dental Group",
            tier_users=1500,
            cloud_users=5,
            sat_users=80,
        )
    assert [str(c) for c in changes] == [
        "Legal name “Maple Leaf Dental” → “Maple Leaf Dental Group”",
        "MDR Complete Users 100 → 1,500",
        "Beauceron SAT Users 60 → 80",
        "MDR Cloud Users 20 → 5",
    ]
    assert customer.legal_name == "Maple Leaf Dental Group"  # the caller's copy follows
    customer.refresh_from_db()
    assert customer.legal_name == "Maple Leaf Dental Group"
    assert seats_of(customer) == {
        ServiceTier.COMPLETE: (1500, 80, True),
        ServiceTier.CLOUD: (5, 0, True),
    }
    assert allocated(complete_license) == 1500
    assert allocated(cloud_license) == 5


def test_a_users_edit_is_a_lock_two_reads_and_two_writes(
    complete_license, django_assert_max_num_queries
):
    customer = make_customer(license=complete_license, tier_users=10)
    fill(complete_license, leave=5)
    # The customer's lock, its allocations with their pools, the history, the seats and the
    # partner's webhook endpoints (issue 15; none: no delivery), between the start and the end of
    # the transaction (a savepoint here, so ending a refused one takes two statements). A refusal
    # stops after the read.
    with django_assert_max_num_queries(7):
        changes = services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=15
        )
    assert [str(c) for c in changes] == ["MDR Complete Users 10 → 15"]
    with django_assert_max_num_queries(5), pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=16)
    assert errors_of(excinfo) == {
        "tier_users": [
            "No MDR Complete users are unallocated: this customer can have at most the 15 it holds."
        ]
    }
    assert seats_of(customer) == {ServiceTier.COMPLETE: (15, 0, True)}
    assert allocated(complete_license) == complete_license.seat_commitment


def test_update_with_nothing_changed_changes_nothing(complete_license):
    customer = make_customer(license=complete_license, tier_users=10, sat_users=4)
    assert (
        services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=10, sat_users=4
        )
        == []
    )
    assert allocated(complete_license) == 10


def test_update_adds_and_removes_cloud_users(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=7
    )
    assert seats_of(customer)[ServiceTier.CLOUD] == (7, 0, True)
    assert allocated(cloud_license) == 7
    changes = services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=0
    )
    assert [str(c) for c in changes] == ["MDR Cloud Users 7 → 0"]
    assert ServiceTier.CLOUD not in seats_of(customer)
    assert allocated(cloud_license) == 0


def test_update_counts_the_customers_own_seats_as_available(complete_license):
    customer = make_customer(license=complete_license, tier_users=100, legal_name="Acme Corp")
    fill(complete_license, leave=12)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name="Acme Renamed", tier_users=113)
    assert errors_of(excinfo) == {
        "tier_users": [
            "Only 112 MDR Complete users are available to this customer "
            "(12 unallocated plus the 100 it holds)."
        ]
    }
    customer.refresh_from_db()
    assert customer.legal_name == "Acme Corp"  # nothing half-saved, not even the new name
    assert seats_of(customer)[ServiceTier.COMPLETE] == (100, 0, True)
    services.customer_update(customer=customer, legal_name="Acme Corp", tier_users=112)
    assert allocated(complete_license) == complete_license.seat_commitment


def test_update_refuses_sat_above_tier_users_and_zero_tier_users(complete_license):
    customer = make_customer(license=complete_license, tier_users=100, sat_users=60)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=50, sat_users=60
        )
    assert errors_of(excinfo) == {
        "sat_users": ["Beauceron SAT users cannot be more than the 50 MDR Complete users."]
    }
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=0)
    assert errors_of(excinfo) == {"tier_users": ["MDR Complete Users must be at least 1."]}
    assert seats_of(customer)[ServiceTier.COMPLETE] == (100, 60, True)
    assert allocated(complete_license) == 100


def test_update_refuses_a_name_another_active_customer_has(complete_license):
    make_customer(license=complete_license, legal_name="Globex")
    customer = make_customer(license=complete_license, legal_name="Initech")
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name="GLOBEX", tier_users=10)
    assert errors_of(excinfo) == {
        "legal_name": ["An active customer named “GLOBEX” already exists."]
    }
    # Changing only the case of its own name is fine.
    services.customer_update(customer=customer, legal_name="INITECH", tier_users=10)
    customer.refresh_from_db()
    assert customer.legal_name == "INITECH"


def test_update_of_a_cloud_tier_customer_keeps_its_seats(cloud_license):
    customer = make_customer(license=cloud_license, tier_users=25)
    changes = services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=30
    )
    assert [str(c) for c in changes] == ["MDR Cloud Users 25 → 30"]
    assert seats_of(customer) == {ServiceTier.CLOUD: (30, 0, True)}
    assert allocated(cloud_license) == 30


def test_offboarded_customer_cannot_be_edited(complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_offboard(customer=customer)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name="New Name", tier_users=20)
    assert excinfo.value.messages == [
        "This customer has been offboarded and can no longer be edited."
    ]
    assert allocated(complete_license) == 0


# --- seats alone through customer_update (what the Edit page sends when only numbers change) --


def test_update_changes_the_primary_seats_and_sat_users(complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=40, sat_users=40
    )
    assert seats_of(customer) == {ServiceTier.COMPLETE: (40, 40, True)}
    assert allocated(complete_license) == 40
    services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=3)
    assert seats_of(customer) == {ServiceTier.COMPLETE: (3, 0, True)}
    assert allocated(complete_license) == 3


def test_update_sets_and_releases_cloud_seats(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=12
    )
    assert allocated(cloud_license) == 12
    services.customer_update(
        customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=0
    )
    assert allocated(cloud_license) == 0
    assert not SeatAllocation.objects.filter(license=cloud_license).exists()
    assert allocated(complete_license) == 10


def test_update_refuses_more_cloud_users_than_the_pool_has(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)
    fill(cloud_license, leave=4)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=5
        )
    assert errors_of(excinfo) == {"cloud_users": ["Only 4 MDR Cloud users are available."]}
    assert allocated(cloud_license) == 296


def test_primary_seats_cannot_be_released(complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=0)
    assert errors_of(excinfo) == {"tier_users": ["MDR Complete Users must be at least 1."]}
    assert allocated(complete_license) == 10


def test_update_takes_seats_only_from_the_customers_own_pools(
    complete_license, core_license, other_partner
):
    """Another partner's MDR Cloud pool is never the customer's, nor another tier's pool."""
    other_cloud = VolumeLicenseFactory(
        partner=other_partner, tier=ServiceTier.CLOUD, seat_commitment=50
    )
    customer = make_customer(license=complete_license, tier_users=10)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=12, cloud_users=1
        )
    assert errors_of(excinfo) == {
        "cloud_users": ["There is no MDR Cloud license to take MDR Cloud users from."]
    }
    services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=12)
    assert seats_of(customer) == {ServiceTier.COMPLETE: (12, 0, True)}
    assert allocated(other_cloud) == 0 and allocated(core_license) == 0


def test_update_refuses_sat_on_cloud_and_above_seats(complete_license, cloud_license):
    cloud_customer = make_customer(license=cloud_license, tier_users=5)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=cloud_customer,
            legal_name=cloud_customer.legal_name,
            tier_users=5,
            sat_users=1,
        )
    assert errors_of(excinfo) == {"sat_users": [SAT_COMPLETE_ONLY]}
    customer = make_customer(license=complete_license, tier_users=10)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=5, sat_users=6
        )
    assert errors_of(excinfo) == {
        "sat_users": ["Beauceron SAT users cannot be more than the 5 MDR Complete users."]
    }
    assert seats_of(customer) == {ServiceTier.COMPLETE: (10, 0, True)}
    assert seats_of(cloud_customer) == {ServiceTier.CLOUD: (5, 0, True)}


def test_seats_of_an_offboarded_customer_cannot_change(complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_offboard(customer=customer)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=20)
    assert excinfo.value.messages == [
        "This customer has been offboarded and can no longer be edited."
    ]
    assert allocated(complete_license) == 0
    assert seats_of(customer) == {ServiceTier.COMPLETE: (10, 0, False)}


# --- customer_offboard ----------------------------------------------------------------------


def test_offboard_releases_seats_and_keeps_the_row(
    complete_license, cloud_license, django_assert_max_num_queries
):
    customer = make_customer(
        license=complete_license,
        tier_users=100,
        cloud_users=20,
        sat_users=30,
        legal_name="Harbourfront Logistics",
    )
    keep = make_customer(license=complete_license, tier_users=100)
    with django_assert_max_num_queries(10):
        released = services.customer_offboard(customer=customer)
    assert {lic.pk: seats for lic, seats in released.items()} == {
        complete_license.pk: 100,
        cloud_license.pk: 20,
    }
    assert customer.status == CustomerStatus.OFFBOARDED  # the caller's copy follows
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.OFFBOARDED
    assert customer.offboarded_at is not None
    # History stays: the rows and their seat figures, only inactive.
    assert seats_of(customer) == {
        ServiceTier.COMPLETE: (100, 30, False),
        ServiceTier.CLOUD: (20, 0, False),
    }
    assert allocated(complete_license) == 100  # only the other customer's seats remain
    assert allocated(cloud_license) == 0
    assert seats_of(keep) == {ServiceTier.COMPLETE: (100, 0, True)}


def test_offboarded_name_can_be_onboarded_again(partner, complete_license):
    first = make_customer(license=complete_license, tier_users=10, legal_name="Rideau Accounting")
    services.customer_offboard(customer=first)
    again = make_customer(license=complete_license, tier_users=10, legal_name="RIDEAU accounting")
    assert again.pk != first.pk
    assert list(
        CustomerAccount.objects.filter(partner=partner).values_list("legal_name", "status")
    ) == [("RIDEAU accounting", "active"), ("Rideau Accounting", "offboarded")]
    assert allocated(complete_license) == 10


def test_offboarding_frees_seats_for_others(core_license):
    full = fill(core_license, leave=0)
    with pytest.raises(ValidationError):
        make_customer(license=core_license, tier_users=50)
    services.customer_offboard(customer=full)
    make_customer(license=core_license, tier_users=500)
    assert allocated(core_license) == 500


def test_offboard_twice_is_refused(complete_license):
    customer = make_customer(license=complete_license, tier_users=10)
    services.customer_offboard(customer=customer)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_offboard(customer=customer)
    assert excinfo.value.messages == ["This customer is already offboarded."]
    assert allocated(complete_license) == 0


# --- license_commitment_set / license_save --------------------------------------------------


def test_commitment_cannot_go_below_what_is_allocated(complete_license):
    make_customer(license=complete_license, tier_users=100)
    make_customer(license=complete_license, tier_users=100)
    with pytest.raises(ValidationError) as excinfo:
        services.license_commitment_set(license=complete_license, seat_commitment=199)
    assert errors_of(excinfo) == {"seat_commitment": [BELOW_200]}
    complete_license.refresh_from_db()
    assert complete_license.seat_commitment == 1990
    services.license_commitment_set(license=complete_license, seat_commitment=200)
    assert complete_license.seat_commitment == 200  # the caller's copy follows
    assert complete_license.unallocated == 0
    complete_license.refresh_from_db()
    assert (complete_license.seat_commitment, complete_license.allocated) == (200, 200)


def test_commitment_refused_message_for_one_seat(core_license):
    make_customer(license=core_license, tier_users=1)
    with pytest.raises(ValidationError) as excinfo:
        services.license_commitment_set(license=core_license, seat_commitment=0)
    assert errors_of(excinfo) == {
        "seat_commitment": [
            "The seat commitment cannot be lower than the 1 seat already allocated."
        ]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "Seat commitment cannot be negative."),
        ("2000", "Seat commitment must be a whole number."),
        (2**31, "Seat commitment must be at most 2,147,483,647."),
    ],
)
def test_commitment_refuses_bad_numbers(core_license, value, message):
    with pytest.raises(ValidationError) as excinfo:
        services.license_commitment_set(license=core_license, seat_commitment=value)
    assert errors_of(excinfo) == {"seat_commitment": [message]}
    core_license.refresh_from_db()
    assert core_license.seat_commitment == 500


def test_license_save_creates_and_updates_terms(partner, complete_license):
    license = VolumeLicense(
        partner=partner,
        tier=ServiceTier.CORE,
        seat_commitment=300,
        renewal_date=complete_license.renewal_date,
        price_per_user="9.25",
        currency="USD",
    )
    services.license_save(license=license)
    assert VolumeLicense.objects.get(pk=license.pk).seat_commitment == 300
    make_customer(license=license, tier_users=120)
    stale = VolumeLicense.objects.get(pk=license.pk)  # allocated == 120 ...
    make_customer(license=license, tier_users=30)  # ... now 150
    stale.price_per_user = "10.00"
    stale.seat_commitment = 400
    services.license_save(license=stale)
    fresh = VolumeLicense.objects.get(pk=license.pk)
    assert (str(fresh.price_per_user), fresh.seat_commitment) == ("10.00", 400)
    assert allocated(fresh) == 150  # the stale copy's counter was not written back


def test_license_save_refuses_commitment_below_allocated(complete_license):
    make_customer(license=complete_license, tier_users=200)
    complete_license.seat_commitment = 150
    complete_license.price_per_user = "1.00"
    with pytest.raises(ValidationError) as excinfo:
        services.license_save(license=complete_license)
    assert errors_of(excinfo) == {"seat_commitment": [BELOW_200]}
    complete_license.refresh_from_db()
    assert (complete_license.seat_commitment, str(complete_license.price_per_user)) == (
        1990,
        "14.50",
    )


def test_license_save_refuses_a_new_tier_or_partner_once_it_has_customers(
    complete_license, other_partner
):
    customer = make_customer(license=complete_license, tier_users=10, sat_users=5)
    complete_license.tier = ServiceTier.CORE
    complete_license.partner = other_partner
    with pytest.raises(ValidationError) as excinfo:
        services.license_save(license=complete_license)
    assert errors_of(excinfo) == {
        "partner": ["A license that has customers cannot move to another partner."],
        "tier": ["The tier of a license that has customers cannot be changed."],
    }
    complete_license.refresh_from_db()
    assert complete_license.tier == ServiceTier.COMPLETE
    assert seats_of(customer) == {ServiceTier.COMPLETE: (10, 5, True)}
    # Still offboarded customers are history on this tier: the tier stays fixed.
    services.customer_offboard(customer=customer)
    complete_license.tier = ServiceTier.CORE
    with pytest.raises(ValidationError):
        services.license_save(license=complete_license)


def test_license_save_may_change_the_tier_of_an_unused_license(core_license):
    core_license.tier = ServiceTier.COMPLETE
    services.license_save(license=core_license)
    core_license.refresh_from_db()
    assert core_license.tier == ServiceTier.COMPLETE


def test_license_save_refuses_a_second_license_of_a_tier(partner, complete_license):
    duplicate = VolumeLicenseFactory.build(partner=partner, tier=ServiceTier.COMPLETE)
    with pytest.raises(ValidationError) as excinfo:
        services.license_save(license=duplicate)
    assert excinfo.value.messages == ["This partner already has a license of this tier."]
    assert VolumeLicense.objects.filter(partner=partner).count() == 1


def test_a_stale_license_save_never_overwrites_the_counter(complete_license):
    stale = VolumeLicense.objects.get(pk=complete_license.pk)
    make_customer(license=complete_license, tier_users=70)
    stale.price_per_user = "15.00"
    stale.save()
    assert allocated(complete_license) == 70
    assert str(complete_license.price_per_user) == "15.00"


# --- the limit messages say what the dashboard shows (issue 12, bug 5) ----------------------


def test_the_limit_message_counts_the_customers_own_seats_and_says_so(complete_license):
    # The seed's example: 1,990 seats, two customers with 100 each, 1,790 unallocated.
    customer = make_customer(license=complete_license, tier_users=100)
    make_customer(license=complete_license, tier_users=100)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(customer=customer, legal_name=customer.legal_name, tier_users=5000)
    assert errors_of(excinfo) == {
        "tier_users": [
            "Only 1,890 MDR Complete users are available to this customer "
            "(1,790 unallocated plus the 100 it holds)."
        ]
    }


def test_the_cloud_message_when_the_cloud_pool_is_empty(complete_license, cloud_license):
    holder = make_customer(license=complete_license, tier_users=5, cloud_users=10)
    newcomer = make_customer(license=complete_license, tier_users=5)
    fill(cloud_license, leave=0)  # the MDR Cloud pool has nothing unallocated
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=holder, legal_name=holder.legal_name, tier_users=5, cloud_users=15
        )
    assert errors_of(excinfo) == {
        "cloud_users": [
            "No MDR Cloud users are unallocated: this customer can have at most the 10 it holds."
        ]
    }
    with pytest.raises(ValidationError) as excinfo:
        services.customer_update(
            customer=newcomer, legal_name=newcomer.legal_name, tier_users=5, cloud_users=1
        )
    assert errors_of(excinfo) == {"cloud_users": ["No MDR Cloud users are available."]}
    # Keeping what it holds, or less, is fine.
    services.customer_update(
        customer=holder, legal_name=holder.legal_name, tier_users=5, cloud_users=10
    )
    assert allocated(cloud_license) == cloud_license.seat_commitment
