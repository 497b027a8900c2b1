"""The license export downloaded in French: French sheet names, titles, headers, statuses and
totals; the cells stay typed numbers and dates, the same values as the English file's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from licenses.services import customer_offboard
from tests.factories import make_customer
from tests.helpers.role_pages import ENGLISH, FRENCH, in_language
from tests.helpers.sentences import data_names, leftovers, report, split

pytestmark = pytest.mark.django_db


def _workbook(client, license, language):
    response = in_language(client, language).get(
        reverse("licenses:license_export", kwargs={"pk": license.pk})
    )
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _texts(book) -> list[str]:
    """Sheet names and every text cell, as sentences."""
    found = [name for sheet in book.worksheets for name in split(sheet.title)]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            found += [s for value in row if isinstance(value, str) for s in split(value)]
    return found


@pytest.fixture
def customers(complete_license, cloud_license):
    make_customer(
        license=complete_license,
        legal_name="Érablière Lavoie",
        tier_users=1500,
        cloud_users=20,
        sat_users=200,
    )
    make_customer(
        license=complete_license, legal_name="Harbourfront Logistics Inc.", tier_users=100
    )
    gone = make_customer(license=complete_license, legal_name="Gone Ltd", tier_users=7)
    customer_offboard(customer=gone)


def test_the_export_in_french_has_french_labels_and_typed_cells(
    partner_client, complete_license, customers
):
    english = _workbook(partner_client, complete_license, ENGLISH)
    french = _workbook(partner_client, complete_license, FRENCH)
    # The same shape: as many sheets, rows and columns; numbers and dates identical and typed.
    assert len(french.worksheets) == len(english.worksheets) == 2
    typed = 0
    for en_sheet, fr_sheet in zip(english.worksheets, french.worksheets, strict=True):
        assert (fr_sheet.max_row, fr_sheet.max_column) == (en_sheet.max_row, en_sheet.max_column)
        for en_row, fr_row in zip(en_sheet.iter_rows(), fr_sheet.iter_rows(), strict=True):
            for en_cell, fr_cell in zip(en_row, fr_row, strict=True):
                if isinstance(en_cell.value, int | float | dt.datetime | dt.date):
                    assert type(fr_cell.value) is type(en_cell.value), fr_cell.coordinate
                    if not isinstance(en_cell.value, dt.datetime) or en_cell.row > 3:
                        assert fr_cell.value == en_cell.value, fr_cell.coordinate
                    assert fr_cell.number_format == en_cell.number_format, fr_cell.coordinate
                    typed += 1
    assert typed >= 10
    # Sheet names, titles, headers, statuses and totals: none left in English.
    missed = leftovers(_texts(french), _texts(english), data_names())
    assert missed == [], report({"license export (.xlsx)": missed})
