"""Many partners with many customers, fast, for the month close's race and crash tests.

Rows are inserted in bulk (the allocation triggers still keep each pool's counters): customers
with no history are taken as they stand, as the close takes any row no event says changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from lmp.billing.models import Statement, StatementLine
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, PartnerFactory, UserFactory


def partners_with_customers(*, partners: int, customers: int, prefix: str = "Close") -> list:
    """``partners`` partners, each with an Administrator, an MDR Complete pool of 100,000 seats
    and ``customers`` customers of 3 users each on it; returns the partners."""
    made = []
    for p in range(partners):
        partner = PartnerFactory(name=f"{prefix} MSP {p:03d}")
        MembershipFactory(
            partner=partner,
            user=UserFactory(username=f"{prefix.lower()}-boss-{p}", email=f"boss{p}@{p}.example"),
            role=PartnerRole.ADMINISTRATOR,
        )
        license = VolumeLicense.objects.create(
            partner=partner,
            tier=ServiceTier.COMPLETE,
            seat_commitment=100_000,
            renewal_date=dt.date(2027, 6, 30),
            price_per_user=Decimal("14.50"),
        )
        rows = CustomerAccount.objects.bulk_create(
            [
                CustomerAccount(
                    partner=partner,
                    license=license,
                    legal_name=f"Customer {c:05d}",
                    admin_email=f"admin{c}@c.example",
                )
                for c in range(customers)
            ]
        )
        SeatAllocation.objects.bulk_create(
            [
                SeatAllocation(customer=row, license=license, tier=ServiceTier.COMPLETE, seats=3)
                for row in rows
            ]
        )
        made.append(partner)
    return made


def statements_whole(month: dt.date, customers: int) -> list[str]:
    """What is wrong with the month's statements (empty: each has its license, all its customer
    lines and its unallocated line, and they add up)."""
    wrong = []
    for statement in Statement.objects.filter(month=month).prefetch_related("licenses"):
        licenses = list(statement.licenses.all())
        lines = StatementLine.objects.filter(statement=statement)
        if len(licenses) != 1:
            wrong.append(f"{statement}: {len(licenses)} licenses")
        if lines.filter(kind="customer").count() != customers:
            wrong.append(f"{statement}: {lines.filter(kind='customer').count()} customer lines")
        if lines.filter(kind="unallocated").count() != 1:
            wrong.append(f"{statement}: no unallocated line")
        if licenses and sum(line.amount for line in lines) != licenses[0].amount:
            wrong.append(f"{statement}: lines do not add up")
    return wrong
