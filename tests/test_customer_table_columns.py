"""The customer table's body has exactly the cells its header announces, on every tier."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from licenses import services
from licenses.choices import ServiceTier
from tests.factories import VolumeLicenseFactory, make_customer


def _header_and_rows(html: str) -> tuple[int, list[int]]:
    table = html[html.index("<table"):html.index("</table>")]
    head = table[table.index("<thead"):table.index("</thead>")]
    body = table[table.index("<tbody"):]
    rows = re.findall(r'<tr class="customer-row.*?</tr>', body, flags=re.S)
    # Count only the row's own cells, not markup inside its dropdown.
    return head.count("<th "), [len(re.findall(r"<td[ >]", row)) for row in rows]


@pytest.mark.parametrize(
    ("tier", "with_cloud_license"),
    [
        (ServiceTier.COMPLETE, True),
        (ServiceTier.COMPLETE, False),
        (ServiceTier.CORE, True),
        (ServiceTier.CORE, False),
        (ServiceTier.CLOUD, True),
    ],
)
def test_every_row_has_one_cell_per_header_column(
    partner_client, partner, tier, with_cloud_license
):
    license = VolumeLicenseFactory(partner=partner, tier=tier, seat_commitment=100)
    if with_cloud_license and tier != ServiceTier.CLOUD:
        VolumeLicenseFactory(partner=partner, tier=ServiceTier.CLOUD, seat_commitment=100)
    make_customer(license=license, tier_users=5)
    offboarded = make_customer(license=license, tier_users=3)
    services.customer_offboard(customer=offboarded)
    response = partner_client.get(
        reverse("licenses:license_detail", kwargs={"pk": license.pk}), {"status": ""}
    )
    headers, cells = _header_and_rows(response.text)
    assert len(cells) == 2
    assert cells == [headers, headers]
