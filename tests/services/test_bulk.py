"""Bulk edit (customers_bulk_update): the Edit page's rules and messages, all or nothing."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from licenses import services
from licenses.choices import AllocationEventKind
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation
from licenses.services.bulk import (
    BulkChange,
    BulkRefused,
    customer_versions,
    customers_bulk_update,
)
from lmp.webhooks import services as webhook_services
from lmp.webhooks.choices import EventType
from lmp.webhooks.models import WebhookDelivery
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def allocated(license) -> int:
    license.refresh_from_db()
    rows = license.allocations.filter(active=True).aggregate(n=Sum("seats"))["n"] or 0
    assert license.allocated == rows
    return license.allocated


def edit_message(customer, **counts) -> dict[str, list[str]]:
    """What the Edit page's service says about the same change."""
    with pytest.raises(Exception) as excinfo:
        services.customer_update(customer=customer, legal_name=None, **counts)
    return excinfo.value.message_dict


def bulk(license, changes, *, dry_run=False, partner=None):
    return customers_bulk_update(
        partner=partner or license.partner,
        license=license,
        actor=None,
        changes=changes,
        dry_run=dry_run,
    )


@pytest.fixture
def two(complete_license, cloud_license):
    a = make_customer(license=complete_license, tier_users=10, legal_name="Acme")
    b = make_customer(license=complete_license, tier_users=20, cloud_users=5, legal_name="Beta")
    return a, b


def test_applies_every_row_with_history_and_one_webhook_per_changed_customer(
    partner, complete_license, cloud_license, two
):
    webhook_services.endpoint_create(
        actor=None,
        partner=partner,
        url="https://psa.example/hook",
        event_types=[EventType.ALLOCATION_CHANGED],
    )
    a, b = two
    result = bulk(
        complete_license,
        [
            BulkChange(a.pk, "Acme Corp", 12, 3, 4, row=5),
            BulkChange(b.pk, "Beta", 20, 0, 0, row=6),
        ],
    )
    assert [len(r.changes) for r in result.changed] == [4, 1]
    assert str(result.changed[0].changes[0]) == "Legal name “Acme” → “Acme Corp”"
    a.refresh_from_db()
    assert a.legal_name == "Acme Corp"
    assert allocated(complete_license) == 32
    assert allocated(cloud_license) == 3
    assert not SeatAllocation.objects.filter(customer=b, license=cloud_license).exists()
    edits = AllocationEvent.objects.filter(kind=AllocationEventKind.EDITED)
    assert sorted(edits.values_list("customer_id", "what")) == sorted(
        [
            (a.pk, "Legal name"),
            (a.pk, "MDR Complete Users"),
            (a.pk, "Beauceron SAT Users"),
            (a.pk, "MDR Cloud Users"),
            (b.pk, "MDR Cloud Users"),
        ]
    )
    hooks = WebhookDelivery.objects.filter(event_type=EventType.ALLOCATION_CHANGED)
    assert sorted(d.payload["data"]["customer"]["id"] for d in hooks) == [a.pk, b.pk]


def test_refusals_carry_the_edit_pages_messages_and_nothing_is_written(
    complete_license, cloud_license, two
):
    a, b = two
    before = allocated(complete_license)
    with pytest.raises(BulkRefused) as excinfo:
        bulk(
            complete_license,
            [
                BulkChange(a.pk, tier_users=15, row=5),  # valid on its own
                BulkChange(b.pk, tier_users=5, sat_users=9, row=6),
                BulkChange(a.pk + b.pk + 999, tier_users=1, row=7),
            ],
        )
    refusals = excinfo.value.result.refusals
    assert [(r.row, r.field) for r in refusals] == [(6, "sat_users"), (7, "customer")]
    assert refusals[0].message == edit_message(b, tier_users=5, sat_users=9)["sat_users"][0]
    assert (
        refusals[0].message == "Beauceron SAT users cannot be more than the 5 MDR Complete users."
    )
    assert allocated(complete_license) == before
    assert not AllocationEvent.objects.filter(kind=AllocationEventKind.EDITED).exists()


def test_a_row_asking_more_than_its_pool_has_gets_the_edit_pages_message(
    complete_license, cloud_license, two
):
    a, _ = two
    result = bulk(complete_license, [BulkChange(a.pk, tier_users=5000, row=4)], dry_run=True)
    (refusal,) = result.refusals
    assert refusal.message == edit_message(a, tier_users=5000)["tier_users"][0]


def test_the_net_change_of_the_set_is_checked_against_the_pool(
    complete_license, cloud_license, two
):
    a, b = two
    complete_license.refresh_from_db()
    room = complete_license.unallocated  # 1960
    # Each row fits on its own; together they need more than is unallocated.
    result = bulk(
        complete_license,
        [BulkChange(a.pk, tier_users=10 + room, row=4), BulkChange(b.pk, tier_users=21, row=5)],
        dry_run=True,
    )
    (refusal,) = result.refusals
    assert refusal.message == (
        "Together these changes need 1,961 MDR Complete users more than the pool has: "
        "only 1,960 are unallocated."
    )
    # Giving seats back on one row makes room for another.
    result = bulk(
        complete_license,
        [BulkChange(a.pk, tier_users=10 + room, row=4), BulkChange(b.pk, tier_users=19, row=5)],
    )
    assert not result.refusals
    assert allocated(complete_license) == 1989


def test_a_row_changed_since_the_download_is_refused_and_says_so(complete_license, two):
    a, _ = two
    version = customer_versions(customer_ids=[a.pk])[a.pk]
    services.customer_update(customer=a, legal_name=None, tier_users=11)
    with pytest.raises(BulkRefused) as excinfo:
        bulk(complete_license, [BulkChange(a.pk, tier_users=14, version=version, row=9)])
    (refusal,) = excinfo.value.result.refusals
    assert refusal.row == 9
    assert refusal.message == (
        "Acme was changed after this file was downloaded: download the workbook again."
    )
    assert a.allocations.get().seats == 11


def test_the_same_file_applied_twice_changes_nothing_the_second_time(complete_license, two):
    a, b = two
    versions = customer_versions(customer_ids=[a.pk, b.pk])
    rows = [
        BulkChange(a.pk, "Acme", 13, 0, 2, version=versions[a.pk], row=5),
        BulkChange(b.pk, "Beta", 20, 5, 0, version=versions[b.pk], row=6),
    ]
    first = bulk(complete_license, rows)
    assert (len(first.changed), first.unchanged) == (1, 1)
    events = AllocationEvent.objects.count()
    second = bulk(complete_license, rows)
    assert (second.changed, second.refusals, second.unchanged) == ([], [], 2)
    assert AllocationEvent.objects.count() == events


def test_names_follow_the_edit_pages_rules(complete_license, two):
    a, b = two
    result = bulk(
        complete_license,
        [BulkChange(a.pk, "  beta ", row=3), BulkChange(b.pk, " ", row=4)],
        dry_run=True,
    )
    assert [(r.row, r.message) for r in result.refusals] == [
        (3, "An active customer named “beta” already exists."),
        (4, "Enter the customer's legal name."),
    ]
    # A name another row frees is free.
    bulk(complete_license, [BulkChange(a.pk, "Gamma", row=3), BulkChange(b.pk, "Acme", row=4)])
    assert set(CustomerAccount.objects.values_list("legal_name", flat=True)) == {"Gamma", "Acme"}


def test_an_offboarded_customer_or_anothers_is_refused(complete_license, other_license, two):
    a, _ = two
    services.customer_offboard(customer=a)
    stranger = make_customer(license=other_license)
    result = bulk(
        complete_license,
        [BulkChange(a.pk, tier_users=3, row=2), BulkChange(stranger.pk, tier_users=3, row=3)],
        dry_run=True,
    )
    assert [r.message for r in result.refusals] == [
        "This customer has been offboarded and can no longer be edited.",
        "No customer of this license has this id.",
    ]


def test_the_apply_costs_the_same_queries_for_10_or_200_rows(complete_license, cloud_license):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.helpers.customers import bulk_customers

    customers = bulk_customers(complete_license, 200, cloud=cloud_license)
    reads = {}
    for size in (10, 200):
        rows = [
            BulkChange(c.pk, f"Renamed {size} {c.pk}", 2, 0, row=i)
            for i, c in enumerate(customers[:size])
        ]
        with CaptureQueriesContext(connection) as captured:
            bulk(complete_license, rows)
        if connection.vendor == "postgresql":
            assert len(captured) <= 18
        # SQLite takes fewer rows a statement (999 parameters): there only the set-based writes
        # split into more statements; the reads stay the same whatever the rows.
        reads[size] = sum(q["sql"].lstrip().upper().startswith("SELECT") for q in captured)
    assert reads[10] == reads[200]
    assert allocated(complete_license) == 400
    assert allocated(cloud_license) == 0


def test_a_sub_partner_reaches_only_the_customers_it_manages(complete_license, two):
    from tests.factories import PartnerFactory

    sub = PartnerFactory(name="Sub MSP")
    complete_license.sub_partners.add(sub)
    own = make_customer(license=complete_license, partner=sub, tier_users=4, legal_name="Subco")
    a, _ = two
    result = bulk(
        complete_license,
        [BulkChange(own.pk, tier_users=5, row=2), BulkChange(a.pk, tier_users=5, row=3)],
        partner=sub,
        dry_run=True,
    )
    assert [r.customer_id for r in result.changed] == [own.pk]
    assert [(r.row, r.message) for r in result.refusals] == [
        (3, "No customer of this license has this id.")
    ]
