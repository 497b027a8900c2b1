"""Purchases at once on PostgreSQL: both apply, references differ, the commitment adds up."""

from __future__ import annotations

import pytest
from django.core import mail

from licenses.choices import AllocationEventKind
from licenses.models import AllocationEvent
from lmp.billing.models import Purchase
from lmp.billing.services import seats_purchase
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, PartnerFactory, UserFactory, VolumeLicenseFactory
from tests.helpers.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def _administrators(partner, n: int):
    return [
        MembershipFactory(
            partner=partner, user=UserFactory(username=f"admin{i}"), role=PartnerRole.ADMINISTRATOR
        ).user
        for i in range(n)
    ]


def test_two_administrators_buying_at_once_both_apply():
    partner = PartnerFactory(name="Race MSP")
    license = VolumeLicenseFactory(partner=partner, seat_commitment=1990)
    first, second = _administrators(partner, 2)
    results = race(
        [
            lambda: seats_purchase(
                actor=first, partner=partner, tier=license.tier, users=50, token="a"
            ),
            lambda: seats_purchase(
                actor=second, partner=partner, tier=license.tier, users=70, token="b"
            ),
        ]
    )
    assert [kind for kind, _ in results] == ["ok", "ok"]
    references = {purchase.reference for _, purchase in results}
    assert len(references) == 2
    license.refresh_from_db()
    assert license.seat_commitment == 1990 + 50 + 70
    purchases = Purchase.objects.order_by("pk")
    # Applied one after the other: the second started from the first's new commitment.
    assert [(p.previous_commitment, p.new_commitment) for p in purchases] in (
        [(1990, 2040), (2040, 2110)],
        [(1990, 2060), (2060, 2110)],
    )
    events = AllocationEvent.objects.filter(kind=AllocationEventKind.COMMITMENT_CHANGED)
    assert sorted(e.note for e in events) == sorted(f"purchase {r}" for r in references)
    assert len(mail.outbox) == 2


def test_the_same_form_submitted_twice_at_once_buys_once():
    partner = PartnerFactory(name="Double Click MSP")
    license = VolumeLicenseFactory(partner=partner, seat_commitment=1990)
    (buyer,) = _administrators(partner, 1)
    results = race(
        [
            lambda: seats_purchase(
                actor=buyer, partner=partner, tier=license.tier, users=50, token="same"
            )
        ]
        * 2
    )
    assert [kind for kind, _ in results] == ["ok", "ok"]
    assert results[0][1].reference == results[1][1].reference
    license.refresh_from_db()
    assert license.seat_commitment == 2040
    assert Purchase.objects.count() == 1
    assert len(mail.outbox) == 1
