"""factory_boy factories of month-end statements, and a realistic statement of a partner.

The close job writes statements in the application; these build the same rows for tests of the
pages, downloads and API that read them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import Statement, StatementLicense, StatementLine
from lmp.partners.models import Partner
from tests.factories import PartnerFactory, VolumeLicenseFactory, make_customer

MONTH = dt.date(2026, 11, 1)


def period_end(month: dt.date) -> dt.datetime:
    """The first instant of the next month, in the portal's zone."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(following, dt.time()))


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    partner = factory.SubFactory(PartnerFactory)
    month = MONTH
    period_end = factory.LazyAttribute(lambda s: period_end(s.month))
    closed_at = factory.LazyAttribute(lambda s: s.period_end + dt.timedelta(hours=2))


class StatementLicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementLicense

    statement = factory.SubFactory(StatementFactory)
    license = factory.SubFactory(
        VolumeLicenseFactory, partner=factory.SelfAttribute("..statement.partner")
    )
    tier = factory.LazyAttribute(lambda s: s.license.tier)
    currency = factory.LazyAttribute(lambda s: s.license.currency)
    seat_commitment = factory.LazyAttribute(lambda s: s.license.seat_commitment)
    allocated = 0
    price_per_user = factory.LazyAttribute(lambda s: s.license.price_per_user)
    amount = factory.LazyAttribute(lambda s: s.seat_commitment * s.price_per_user)
    adjustments = Decimal("0")


class StatementLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementLine

    statement_license = factory.SubFactory(StatementLicenseFactory)
    statement = factory.SelfAttribute("statement_license.statement")
    kind = StatementLineKind.CUSTOMER
    customer = None
    legal_name = factory.Sequence(lambda n: f"Customer {n:05d} Ltd")
    users = 10
    peak_users = factory.LazyAttribute(lambda s: s.users)
    sat_users = 0
    price_per_user = factory.SelfAttribute("statement_license.price_per_user")
    amount = factory.LazyAttribute(lambda s: s.users * s.price_per_user)
    adjusts = None


def statement_build(
    *,
    partner: Partner,
    month: dt.date = MONTH,
    customers: int = 3,
    names: list[str] | None = None,
    adjustment: int = -5,
) -> Statement:
    """A partner's statement as the close writes it (the partner's statement of ``month`` if it
    has one already).

    Its own licenses (an MDR Complete license, CAD, is made when it has none), each with its
    customers' lines (real customers, onboarded through the service; ``names`` or ``customers``
    numbered ones on the first license, a few users each, SAT on Complete), its unallocated line,
    and on the first license an adjustment of the month before (``adjustment`` users; 0: none).
    The totals add up: each license's lines (adjustments aside) make its amount, seat commitment
    × price per user.
    """
    existing = Statement.objects.filter(partner=partner, month=month).first()
    if existing is not None:
        return existing
    licenses = list(VolumeLicense.objects.filter(partner=partner).order_by("pk"))
    if not licenses:
        licenses = [VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE)]
    statement = StatementFactory(partner=partner, month=month)
    names = names if names is not None else [f"Client {n:03d} Inc." for n in range(customers)]
    for index, license in enumerate(licenses):
        lines = []
        for n, name in enumerate(names if index == 0 else []):
            users = 10 + n % 7
            sat = users // 2 if license.tier == ServiceTier.COMPLETE else 0
            customer = make_customer(
                license=license, legal_name=name, tier_users=users, sat_users=sat
            )
            lines.append(
                StatementLine(
                    kind=StatementLineKind.CUSTOMER,
                    customer=customer,
                    legal_name=name,
                    users=users,
                    peak_users=users + n % 3,
                    sat_users=sat,
                )
            )
        allocated = sum(line.users for line in lines)
        lines.append(
            StatementLine(
                kind=StatementLineKind.UNALLOCATED,
                legal_name="",
                users=license.seat_commitment - allocated,
            )
        )
        if index == 0 and adjustment:
            previous = (month - dt.timedelta(days=1)).replace(day=1)
            lines.append(
                StatementLine(
                    kind=StatementLineKind.ADJUSTMENT,
                    customer=lines[0].customer if names else None,
                    legal_name=names[0] if names else "",
                    users=adjustment,
                    adjusts=previous,
                )
            )
        adjustments = sum(
            line.users * license.price_per_user
            for line in lines
            if line.kind == StatementLineKind.ADJUSTMENT
        )
        part = StatementLicenseFactory(
            statement=statement,
            license=license,
            allocated=allocated,
            adjustments=Decimal(adjustments),
        )
        for line in lines:
            line.statement = statement
            line.statement_license = part
            line.price_per_user = license.price_per_user
            line.amount = line.users * license.price_per_user
        StatementLine.objects.bulk_create(lines)
    return statement
