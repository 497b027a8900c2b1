"""A double click on "Make a key" on PostgreSQL: the two requests at once make one key."""

from __future__ import annotations

import pytest

from lmp.partners.choices import PartnerRole
from lmp.partners.models import ApiKey
from lmp.partners.services import api_key_create
from tests.factories import MembershipFactory, PartnerFactory
from tests.helpers.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]


def test_the_same_form_sent_twice_at_once_makes_one_key():
    partner = PartnerFactory(name="Race MSP")
    admin = MembershipFactory(partner=partner, role=PartnerRole.ADMINISTRATOR).user

    def make():
        return api_key_create(
            actor=admin, partner=partner, name="PSA sync", role=PartnerRole.ALLOCATOR, token="t1"
        )

    results = race([make, make, make])
    assert [kind for kind, _ in results] == ["ok", "ok", "ok"]
    assert ApiKey.objects.filter(partner=partner).count() == 1
    shown = [key for _, (_, key) in results if key is not None]
    assert len(shown) == 1  # one answer shows the key; the others say it was made already
    assert {api_key.pk for _, (api_key, _) in results} == {ApiKey.objects.get().pk}
