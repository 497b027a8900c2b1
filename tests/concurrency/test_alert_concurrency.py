"""Two alert runs at once on PostgreSQL (two workers, two machines): every alert goes out once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from licenses.alerts import alerts_run
from licenses.choices import AlertKind
from licenses.models import LicenseAlert
from lmp.partners.choices import PartnerRole
from tests.factories import (
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.helpers.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def test_two_concurrent_runs_send_each_alert_once():
    today = timezone.localdate()
    licenses = []
    for n in range(6):
        partner = PartnerFactory(name=f"Alert MSP {n}")
        MembershipFactory(
            partner=partner, user=UserFactory(username=f"boss{n}"), role=PartnerRole.ADMINISTRATOR
        )
        license = VolumeLicenseFactory(
            partner=partner,
            seat_commitment=200,
            renewal_date=today + dt.timedelta(days=(60, 30, 7)[n % 3]),
            low_seats_threshold=50,
        )
        make_customer(license=license, tier_users=180)  # 20 unallocated: low
        licenses.append(license)
    results = race([lambda: alerts_run(today=today)] * 2)
    reports = [report for _, report in results]
    expected = len(licenses) * 2  # a renewal reminder and a low-seats alert each
    assert sum(r.sent for r in reports) == expected
    assert LicenseAlert.objects.count() == expected
    assert LicenseAlert.objects.filter(kind=AlertKind.LOW_SEATS).count() == len(licenses)
    assert len(mail.outbox) == expected
    assert len({(tuple(m.to), m.subject) for m in mail.outbox}) == expected
    # And a third run, afterwards, sends nothing.
    assert alerts_run(today=today).sent == 0
    assert len(mail.outbox) == expected
