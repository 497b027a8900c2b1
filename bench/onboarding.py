"""Onboarding submit: queries (and time) of the whole service call with 1 vs 10 appliances."""

from __future__ import annotations

import itertools
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import Row, median_ms

_names = itertools.count(1)


def _address(n: int) -> dict:
    return {
        "recipient": "Bench Recipient",
        "company": "Bench Co",
        "line1": f"{n} Bay Street",
        "line2": "",
        "city": "Toronto",
        "region": "ON",
        "postal_code": "M5J 2N8",
        "country": "CA",
        "phone": "",
    }


def _submit(*, partner, license, user, appliance, count: int):
    from onboarding.choices import IncidentAnswer, ShipTo
    from onboarding.services import ApplianceLine, OnboardingOrder, onboarding_submit
    from shipping.choices import ApplianceRole

    n = next(_names)
    orders = [
        ApplianceLine(
            "primary" if i == 0 else f"additional-{appliance.pk}-{i}",
            appliance.pk,
            ApplianceRole.PRIMARY if i == 0 else ApplianceRole.ADDITIONAL,
            _address(n * 100 + i),
        )
        for i in range(count)
    ]
    order = OnboardingOrder(
        token=uuid.uuid4(),
        partner=partner,
        license=license,
        incident_answer=IncidentAnswer.NO,
        legal_name=f"Onboarded {n} Inc.",
        admin_email=f"admin{n}@onboarded.example",
        tier_users=20,
        deployment="network_sensors",
        ship_to=ShipTo.PER_APPLIANCE,
        appliances=tuple(orders),
    )
    return onboarding_submit(order=order, actor=user)


def run(*, repeat: int) -> list[Row]:
    from bench.common import make_partner_with_license
    from lmp.demo.catalogue import catalogue_seed
    from shipping.models import Appliance

    catalogue_seed()
    partner, license, user = make_partner_with_license()
    appliance = Appliance.objects.filter(active=True).order_by("pk").first()
    queries, times = {}, {}
    for count in (1, 10):
        with CaptureQueriesContext(connection) as captured:
            _submit(partner=partner, license=license, user=user, appliance=appliance, count=count)
        queries[count] = len(captured)
        times[count] = median_ms(
            lambda c=count: _submit(
                partner=partner, license=license, user=user, appliance=appliance, count=c
            ),
            repeat=repeat,
            warmup=0,
        )
    return [
        Row(
            "onboarding submit queries, 10 vs 1 appliances",
            queries[10],
            queries[1],
            "q",
            "equal",
            queries[10] == queries[1],
        ),
        Row(
            "onboarding submit time, 10 vs 1 appliances",
            times[10],
            times[1],
            "ms",
            "reported",
            None,
        ),
    ]
