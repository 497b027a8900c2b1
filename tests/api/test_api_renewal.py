"""The license detail in the API carries the commitment planned for the renewal (owner only)."""

from __future__ import annotations

import datetime as dt

import pytest

from licenses import services
from tests.factories import VolumeLicenseFactory
from tests.helpers.api import key_client, make_key

pytestmark = pytest.mark.django_db


def detail(partner, license):
    return key_client(make_key(partner)[1]).get(f"/api/v1/licenses/{license.pk}/").json()


def test_the_license_detail_has_the_scheduled_commitment_or_null(
    partner, other_partner, admin_user
):
    license = VolumeLicenseFactory(
        partner=partner, seat_commitment=1990, renewal_date=dt.date(2027, 3, 31)
    )
    assert detail(partner, license)["scheduled_commitment"] is None
    services.commitment_change_schedule(
        actor=admin_user, partner=partner, license=license, new_commitment=1500
    )
    planned = detail(partner, license)["scheduled_commitment"]
    assert (planned["new_commitment"], planned["renewal_date"]) == (1500, "2027-03-31")
    # A sub-partner the license is shared with does not see its owner's plan.
    license.sub_partners.add(other_partner)
    assert detail(other_partner, license)["scheduled_commitment"] is None
