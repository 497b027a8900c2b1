"""The per-key throttle under requests at once on PostgreSQL: every request is counted.

Several web processes answer one key's requests at the same moment; the count they share must
not lose any of them, or a key gets more than its rate."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PartnerFactory, VolumeLicenseFactory
from tests.helpers.api import make_key
from tests.helpers.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def test_requests_at_once_are_each_counted_against_the_rate(settings):
    settings.API_THROTTLE_RATE = "5/min"
    partner = PartnerFactory(name="Busy MSP")
    VolumeLicenseFactory(partner=partner)
    _, key = make_key(partner, name="Busy")
    url = reverse("api:license_list")

    def request() -> int:
        return Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get(url).status_code

    statuses = [status for _, status in race([request] * 12)]
    assert sorted(statuses) == [200] * 5 + [429] * 7
