"""The customer table's body has exactly the cells its header announces, on every tier."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import CustomerAccount
from tests.factories import VolumeLicenseFactory, make_customer


def _customer_table(html: str) -> str:
    """The customers' table (the page has others: the usage chart's figures)."""
    start = html.rindex("<table", 0, html.index("table-customers"))
    return html[start : html.index("</table>", start)]


def _header_and_rows(html: str) -> tuple[int, list[int]]:
    table = _customer_table(html)
    head = table[table.index("<thead") : table.index("</thead>")]
    body = table[table.index("<tbody") :]
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


def test_rows_escape_what_partners_typed_and_show_numbers_and_dates_as_people_read_them(
    partner_client, partner
):
    license = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=5000)
    name = '<script>alert(1)</script> "Quoted" & Sons'
    customer = make_customer(
        license=license,
        tier_users=1234,
        sat_users=7,
        legal_name=name,
        admin_email="it@quoted.example",
        website='https://quoted.example/"><b>x',
    )
    offboarded = make_customer(license=license, tier_users=2, legal_name="Gone Ltd")
    services.customer_offboard(customer=offboarded)
    offboarded.refresh_from_db()
    CustomerAccount.objects.filter(pk=customer.pk).update(
        onboarded_at=dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)
    )
    response = partner_client.get(
        reverse("licenses:license_detail", kwargs={"pk": license.pk}), {"status": ""}
    )
    text = response.text
    assert "<script>alert(1)</script>" not in text and "<b>x" not in text
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Quoted&quot; &amp; Sons"
    assert f'<div class="fw-semibold customer-name">{escaped}</div>' in text
    assert f'aria-label="Actions for {escaped}"' in text  # and inside attributes
    assert "quoted.example/&quot;&gt;&lt;b&gt;x" in text  # the web site without its https://
    assert ">1,234</td>" in text and ">7</td>" in text
    assert "<td>Feb 28, 2026</td>" in text  # 03:00 UTC on Mar 1 is still Feb 28 in Toronto
    assert (
        reverse("licenses:customer_edit", kwargs={"license_pk": license.pk, "pk": customer.pk})
        in text
    )
    # The offboarded row: its date, History but no Edit or Offboard.
    off = offboarded.offboarded_at.astimezone(timezone.get_current_timezone())
    assert f"{off:%b} {off.day}, {off.year}</div>" in text
    kwargs = {"license_pk": license.pk, "pk": offboarded.pk}
    assert reverse("licenses:customer_history", kwargs=kwargs) in text
    assert reverse("licenses:customer_edit", kwargs=kwargs) not in text
    assert reverse("licenses:customer_offboard", kwargs=kwargs) not in text


def test_an_offboarded_row_does_not_show_users_as_if_held(partner_client, partner):
    license = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=500)
    VolumeLicenseFactory(partner=partner, tier=ServiceTier.CLOUD, seat_commitment=100)
    gone = make_customer(
        license=license, legal_name="Gone Ltd", tier_users=321, cloud_users=17, sat_users=12
    )
    services.customer_offboard(customer=gone)
    response = partner_client.get(
        reverse("licenses:license_detail", kwargs={"pk": license.pk}), {"status": "offboarded"}
    )
    row = re.search(
        r'<tr class="customer-row[^"]*" data-customer="\d+">(.*?)</tr>', response.text, re.S
    )
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]
    assert cells[0].startswith("Gone Ltd")
    assert cells[1:4] == ["0", "0", "0"]  # users, cloud users, SAT users: all returned
    assert "Offboarded" in cells[5]


@pytest.mark.parametrize(
    ("tier", "with_cloud_license"),
    [
        (ServiceTier.COMPLETE, True),
        (ServiceTier.CORE, True),
        (ServiceTier.CORE, False),
        (ServiceTier.CLOUD, True),
    ],
)
def test_the_page_and_the_export_list_the_same_columns(
    partner_client, partner, tier, with_cloud_license
):
    """One table declares both: the export has the page's columns, then its own: the offboarded
    date, each count's figure at offboarding, the web site and the e-mail."""
    license = VolumeLicenseFactory(partner=partner, tier=tier, seat_commitment=100)
    if with_cloud_license and tier != ServiceTier.CLOUD:
        VolumeLicenseFactory(partner=partner, tier=ServiceTier.CLOUD, seat_commitment=100)
    make_customer(license=license, tier_users=5)
    page = partner_client.get(reverse("licenses:license_detail", kwargs={"pk": license.pk}))
    table = _customer_table(page.text)
    head = table[table.index("<thead") : table.index("</thead>")]
    shown = [
        html.unescape(re.sub(r"<[^>]+>|\s+", " ", th).strip())
        for th in re.findall(r"<th [^>]*>(.*?)</th>", head, re.S)
    ]
    assert shown[-1] == "Actions"
    export = partner_client.get(reverse("licenses:license_export", kwargs={"pk": license.pk}))
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    exported = [cell.value for cell in ws[4] if cell.value]
    counts = [name for name in shown if name.endswith("Users")]
    assert exported == [
        *shown[:-1],
        "Offboarded",
        *(f"{name} at offboarding" for name in counts),
        "Web Site",
        "MDR Portal Administrator Email",
    ]
