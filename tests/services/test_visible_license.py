"""What the license selectors tell a page is a typed value, not attributes stuck on a model.

``license_list`` and ``license_get`` answer ``VisibleLicense`` (is_own, customer_count,
managed_users beside the license); the ``VolumeLicense`` they carry is left as the ORM made it.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licenses.choices import ServiceTier
from licenses.selectors import license_get, license_list
from tests.factories import VolumeLicenseFactory, make_customer

ATTACHED = {"is_own", "customer_count", "managed_users"}


@pytest.fixture
def shared(partner, other_partner):
    """Northwind's Complete license shared with Contoso: 2 customers of Northwind, 1 of Contoso."""
    license = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=1000)
    license.sub_partners.add(other_partner)
    make_customer(license=license, legal_name="Maple Leaf Dental", tier_users=40)
    make_customer(license=license, legal_name="Harbour Freight", tier_users=10)
    make_customer(
        license=license, partner=other_partner, legal_name="Contoso Client", tier_users=25
    )
    return license


def _plain(seen):
    license = getattr(seen, "license", seen)
    return ATTACHED & set(vars(license))


def test_the_owner_gets_a_typed_value_and_a_plain_license(partner, shared):
    seen = license_get(partner=partner, pk=shared.pk)
    assert type(seen).__name__ == "VisibleLicense"
    assert _plain(seen) == set(), "the selector stuck its figures on the model"
    assert (seen.license.pk, seen.is_own, seen.customer_count, seen.managed_users) == (
        shared.pk,
        True,
        3,
        None,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen.is_own = False


def test_a_sub_partner_gets_its_own_counts(other_partner, shared):
    (seen,) = license_list(partner=other_partner)
    assert _plain(seen) == set()
    assert (seen.is_own, seen.customer_count, seen.managed_users) == (False, 1, 25)


@pytest.mark.parametrize(("who", "queries"), [("partner", 1), ("other_partner", 2)])
def test_no_query_more_than_before(request, shared, who, queries):
    # The owner's license list is one plain query; a sub-partner's adds one for its customers.
    viewer = request.getfixturevalue(who)
    with CaptureQueriesContext(connection) as captured:
        license_list(partner=viewer)
    assert len(captured) == queries
