"""Excel export: text a partner (or anyone upstream) typed never becomes a formula in the workbook.

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what spreadsheet
programs evaluate ("CSV/formula injection"). Every such text, in every text column of every sheet
the export has (legal name, web site, administrator e-mail, sub-partner name, and the history
sheet's names when it exists), must come back from openpyxl as a string cell (data_type "s"); so
must text that spells an Excel error code such as ``#N/A``.

Some of these values cannot be typed into LMP's forms (a web site must start with http), so they
are written straight to the rows, as data imported or edited elsewhere could be: the export must
be safe whatever the database holds.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import CustomerAccount
from tests.factories import (
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = {
    "=": '=HYPERLINK("https://evil.example","Invoice")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3",
    "@": "@SUM(1+1)",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
# openpyxl reads a stored carriage return back as a line feed (XML end-of-line handling).
READ_PREFIXES = (*PREFIXES, "\n")


def _read(text: str) -> str:
    return text.replace("\r", "\n")


@pytest.fixture
def poisoned(db):
    """A partner named like a formula, with customers whose every text column is a formula."""
    owner = PartnerFactory(name="=Owner MSP")
    license = VolumeLicenseFactory(partner=owner, tier=ServiceTier.COMPLETE, seat_commitment=500)
    VolumeLicenseFactory(partner=owner, tier=ServiceTier.CLOUD, seat_commitment=100)
    # Usernames may start with @, + and -: they appear as "who" in the history sheet.
    actor = UserFactory(username="-2+3")
    MembershipFactory(partner=owner, user=actor)
    planted = []
    for n, (prefix, payload) in enumerate(PAYLOADS.items()):
        sub = PartnerFactory(name=f"{payload} Sub {n}")
        license.sub_partners.add(sub)
        customer = make_customer(license=license, partner=sub, tier_users=5, cloud_users=1)
        services.customer_update(
            customer=customer,
            legal_name=customer.legal_name,
            tier_users=6,
            cloud_users=1,
            actor=actor,
        )
        values = {
            "legal_name": f"{payload} Legal {n}",
            "website": f"{payload} https://site{n}.example",
            "admin_email": f"{payload}it{n}@example.com",
        }
        CustomerAccount.objects.filter(pk=customer.pk).update(**values)
        planted += [*values.values(), sub.name]
        assert all(v.startswith(prefix) for v in values.values())
    # Text that spells an Excel error code must not turn into that error value either.
    error_code = make_customer(license=license, legal_name="Error Code Ltd")
    CustomerAccount.objects.filter(pk=error_code.pk).update(legal_name="#N/A", website="#REF!")
    planted += ["#N/A", "#REF!"]
    # A formula-looking e-mail is also a valid one, so it can come through the service too.
    make_customer(license=license, admin_email="=1+1@example.com", legal_name="Plain Ltd")
    planted.append("=1+1@example.com")
    client = Client()
    client.force_login(actor)
    return {"license": license, "client": client, "planted": planted, "owner": owner}


def _export(client, license, **params):
    response = client.get(
        reverse("licenses:license_export", kwargs={"pk": license.pk}), {"status": "", **params}
    )
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _dangerous_cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(READ_PREFIXES):
                    yield sheet.title, cell


@pytest.mark.parametrize("params", [{}, {"sort": "-legal_name"}, {"q": "Legal"}])
def test_formula_like_text_stays_text_in_every_sheet(poisoned, params):
    book = _export(poisoned["client"], poisoned["license"], **params)
    cells = list(_dangerous_cells(book))
    formulas = [
        (title, cell.coordinate, cell.value) for title, cell in cells if cell.data_type != "s"
    ]
    assert formulas == []

    # Not vacuous: every planted value is in the customers sheet, exactly as stored.
    first = book.worksheets[0]
    texts = {c.value for row in first.iter_rows() for c in row if isinstance(c.value, str)}
    expected = {_read(v) for v in poisoned["planted"]}
    if params.get("q"):  # these customers' names do not contain "Legal"
        expected -= {"=1+1@example.com", "#N/A", "#REF!"}
    assert expected - texts == set()
    codes = [c for row in first.iter_rows() for c in row if c.value in {"#N/A", "#REF!"}]
    if not params.get("q"):
        assert len(codes) == 2
    assert [c.data_type for c in codes] == ["s"] * len(codes)
    # The title row names the partner, whose name is a formula too.
    assert first["A1"].value.startswith("=Owner MSP") and first["A1"].data_type == "s"
    # Every prefix was exercised in this workbook.
    assert {cell.value[0] for _, cell in cells} >= {"=", "+", "-", "@", "\t", "\n"}


def test_history_sheet_keeps_names_and_actors_as_text(poisoned):
    book = _export(poisoned["client"], poisoned["license"])
    assert [sheet.title for sheet in book.worksheets][1:] == ["History"]
    history = book.worksheets[1]
    cells = [
        cell
        for row in history.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(READ_PREFIXES)
    ]
    assert cells, "the history sheet should name the formula-like customers"
    assert [c.coordinate for c in cells if c.data_type != "s"] == []
