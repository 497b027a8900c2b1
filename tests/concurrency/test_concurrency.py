"""Real concurrent requests on PostgreSQL: the pool lock keeps every license honest.

Each job runs in its own thread with its own database connection; a barrier releases them together
so they really contend for the license rows. Results are collected per job, never raised in the
thread, and every thread closes its connection.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from django.db.models import Sum

from licenses import services
from licenses.choices import AllocationEventKind, ServiceTier
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from tests.factories import PartnerFactory, VolumeLicenseFactory, make_customer
from tests.helpers.concurrency import outcomes, race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def assert_invariant(*licenses: VolumeLicense) -> None:
    """Counter == sum of active allocation rows <= commitment, for each license."""
    for license in licenses:
        license.refresh_from_db()
        rows = (
            SeatAllocation.objects.filter(license=license, active=True).aggregate(n=Sum("seats"))[
                "n"
            ]
            or 0
        )
        assert license.allocated == rows, license
        assert 0 <= license.allocated <= license.seat_commitment, license


def test_racing_onboardings_never_oversell_the_pool(partner):
    pool = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=95)

    def onboard(n: int) -> Callable[[], object]:
        return lambda: services.customer_create(
            partner=partner,
            license=pool,
            legal_name=f"Racer {n:02d} Ltd",
            admin_email=f"it{n}@racer.example",
            tier_users=10,
        )

    results = race([onboard(n) for n in range(20)])

    assert outcomes(results).count("ok") == 9  # 9 x 10 fit in 95; the 10th would need 100
    refusals = [value.message_dict for kind, value in results if kind == "refused"]
    assert refusals == [{"tier_users": ["Only 5 MDR Complete users are available."]}] * 11
    assert_invariant(pool)
    assert pool.allocated == 90
    assert CustomerAccount.objects.filter(license=pool).count() == 9


def test_racing_onboardings_of_one_name_on_two_pools_keep_one(partner):
    complete = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=500)
    core = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=500)

    def onboard(n: int) -> Callable[[], object]:
        # Different pools do not queue on the same license lock: the unique index decides.
        return lambda: services.customer_create(
            partner=partner,
            license=complete if n % 2 else core,
            legal_name="Acme Corp",
            admin_email=f"it{n}@acme.example",
            tier_users=10 + n,
        )

    results = race([onboard(n) for n in range(16)])

    assert outcomes(results).count("ok") == 1
    refusals = [value.message_dict for kind, value in results if kind == "refused"]
    clash = {"legal_name": ["An active customer named “Acme Corp” already exists."]}
    assert refusals == [clash] * 15
    winner = next(value for kind, value in results if kind == "ok")
    assert_invariant(complete, core)
    assert complete.allocated + core.allocated == winner.allocations.get().seats


# The policy's three wordings: nothing held, some held on a pool with room, some on a full pool.
AVAILABLE = re.compile(
    r"^((Only [\d,]+ MDR Complete users? (are|is)|No MDR Complete users are) available\."
    r"|Only [\d,]+ MDR Complete users are available to this customer "
    r"\([\d,]+ unallocated plus the [\d,]+ it holds\)\."
    r"|No MDR Complete users are unallocated: this customer can have at most "
    r"the [\d,]+ it holds\.)$"
)
BELOW = re.compile(
    r"^The seat commitment cannot be lower than the [\d,]+ seats? already allocated\.$"
)


def test_shrinking_the_commitment_while_customers_grow_never_oversells(partner):
    pool = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=200)
    customers = [make_customer(license=pool, tier_users=10) for _ in range(8)]  # 80 allocated
    targets = [100, 110, 120, 130, 140, 150, 160, 170]

    def grow(customer: CustomerAccount) -> Callable[[], object]:
        return lambda: services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=25
        )

    def shrink(seats: int) -> Callable[[], object]:
        return lambda: services.license_commitment_set(license=pool, seat_commitment=seats)

    jobs = [job for c, t in zip(customers, targets, strict=True) for job in (grow(c), shrink(t))]
    results = race(jobs)

    assert_invariant(pool)
    grows, shrinks = results[0::2], results[1::2]
    for kind, value in grows:
        if kind == "refused":
            assert AVAILABLE.match(value.message_dict["tier_users"][0]), value
    for kind, value in shrinks:
        if kind == "refused":
            assert BELOW.match(value.message_dict["seat_commitment"][0]), value
    grown = sum(kind == "ok" for kind, _ in grows)
    assert pool.allocated == 80 + 15 * grown
    set_to = {value.seat_commitment for kind, value in shrinks if kind == "ok"}
    assert pool.seat_commitment in (set_to or {200})
    # Whoever takes the lock first always fits (95 <= 200, or 80 <= any target): no livelock.
    assert grown >= 1 or set_to


def test_offboarding_while_an_edit_adds_cloud_users_releases_everything(
    partner, complete_license, cloud_license
):
    customers = [make_customer(license=complete_license, tier_users=10) for _ in range(10)]

    def add_cloud(customer: CustomerAccount) -> Callable[[], object]:
        return lambda: services.customer_update(
            customer=customer, legal_name=customer.legal_name, tier_users=10, cloud_users=5
        )

    def offboard(customer: CustomerAccount) -> Callable[[], object]:
        return lambda: services.customer_offboard(customer=customer)

    jobs = [job for c in customers for job in (add_cloud(c), offboard(c))]
    results = race(jobs)

    edits, offboards = results[0::2], results[1::2]
    assert outcomes(offboards) == ["ok"] * 10
    for kind, value in edits:  # an edit either went first or found the customer gone
        if kind == "refused":
            assert value.messages == [
                "This customer has been offboarded and can no longer be edited."
            ]
    # Whatever the order, offboarding returned every seat, cloud seats added meanwhile included.
    assert_invariant(complete_license, cloud_license)
    assert (complete_license.allocated, cloud_license.allocated) == (0, 0)
    added = sum(kind == "ok" for kind, _ in edits)
    assert SeatAllocation.objects.filter(license=cloud_license, active=False).count() == added


def test_racing_edits_of_one_customer_each_start_from_the_last(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)

    def edit(n: int) -> Callable[[], object]:
        # Cloud users 0, 1, 2 in turn: edits add, change and release the cloud allocation.
        return lambda: services.customer_update(
            customer=customer,
            legal_name=customer.legal_name,
            tier_users=11 + n,
            cloud_users=n % 3,
        )

    results = race([edit(n) for n in range(12)])

    assert outcomes(results) == ["ok"] * 12
    assert_invariant(complete_license, cloud_license)
    # The customer's lock queues the edits: each one read what the one before it wrote, so every
    # recorded change starts where the previous change of that figure ended.
    events = AllocationEvent.objects.filter(customer=customer, kind=AllocationEventKind.EDITED)
    final = {}
    for what, start in (("MDR Complete Users", 10), ("MDR Cloud Users", 0)):
        chain = list(events.filter(what=what).order_by("pk").values_list("from_value", "to_value"))
        assert [old for old, _ in chain] == ([start] + [new for _, new in chain])[: len(chain)]
        final[what] = chain[-1][1] if chain else start
    assert {a.license_id: a.seats for a in customer.allocations.all()} == {
        complete_license.pk: final["MDR Complete Users"],
        **({cloud_license.pk: final["MDR Cloud Users"]} if final["MDR Cloud Users"] else {}),
    }


def test_edits_touching_two_pools_in_opposite_orders_do_not_deadlock():
    partner = PartnerFactory(name="Deadlock Test MSP")
    # The cloud pool gets the lower primary key, so offboarding (which walks allocations in
    # license order) touches Cloud then Complete while an edit writes Complete then Cloud.
    cloud = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CLOUD, seat_commitment=1000)
    complete = VolumeLicenseFactory(
        partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=1000
    )
    assert cloud.pk < complete.pk
    edited = [make_customer(license=complete, tier_users=20, cloud_users=20) for _ in range(6)]
    leaving = [make_customer(license=complete, tier_users=20, cloud_users=20) for _ in range(6)]

    def edit(customer: CustomerAccount, n: int) -> Callable[[], object]:
        return lambda: services.customer_update(
            customer=customer,
            legal_name=customer.legal_name,
            tier_users=30 + n,
            cloud_users=10 + n,
        )

    def offboard(customer: CustomerAccount) -> Callable[[], object]:
        return lambda: services.customer_offboard(customer=customer)

    def onboard(n: int) -> Callable[[], object]:
        return lambda: services.customer_create(
            partner=partner,
            license=complete,
            legal_name=f"Newcomer {n}",
            admin_email=f"it{n}@newcomer.example",
            tier_users=5,
            cloud_users=5,
        )

    jobs = [
        *(edit(c, n) for n, c in enumerate(edited)),
        *map(offboard, leaving),
        *map(onboard, range(6)),
    ]
    results = race(jobs)

    assert outcomes(results) == ["ok"] * len(jobs)
    assert_invariant(cloud, complete)
    assert complete.allocated == sum(30 + n for n in range(6)) + 6 * 5
    assert cloud.allocated == sum(10 + n for n in range(6)) + 6 * 5


def test_a_patch_of_the_name_does_not_undo_a_patch_of_the_users_at_once(
    partner, complete_license, monkeypatch
):
    """Two API PATCHes of one customer: A renames it, B takes its users from 5 to 10. A read the
    customer (5 users) before B locked it, and locks it only once B holds the lock: it must keep
    B's 10, not write back the 5 it read."""
    from django.urls import reverse

    from licenses.services import customers as customer_services
    from lmp.partners.choices import PartnerRole
    from tests.helpers.api import key_client, make_key

    customer = make_customer(license=complete_license, legal_name="Acme Dental", tier_users=5)
    key = make_key(partner, role=PartnerRole.ALLOCATOR)[1]
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    b_locked = threading.Event()
    is_a = threading.local()
    lock = customer_services.customer_lock

    def ordered_lock(target):
        if getattr(is_a, "value", False):
            assert b_locked.wait(10), "B never locked the customer"
            return lock(target)  # waits for B's commit on the row lock
        locked = lock(target)
        b_locked.set()
        return locked

    monkeypatch.setattr(customer_services, "customer_lock", ordered_lock)

    def rename():
        is_a.value = True
        return key_client(key).patch(url, {"legal_name": "Acme Dental Group"}, format="json")

    def grow():
        return key_client(key).patch(url, {"tier_users": 10}, format="json")

    results = race([rename, grow])

    assert [response.status_code for _, response in results] == [200, 200]
    customer.refresh_from_db()
    seats = customer.allocations.get(license=complete_license, active=True).seats
    assert (customer.legal_name, seats) == ("Acme Dental Group", 10)
    changes = set(
        AllocationEvent.objects.filter(
            customer=customer, kind=AllocationEventKind.EDITED
        ).values_list("what", "from_value", "to_value")
    )
    assert ("MDR Complete Users", 10, 5) not in changes
    assert ("MDR Complete Users", 5, 10) in changes
    assert_invariant(complete_license)
