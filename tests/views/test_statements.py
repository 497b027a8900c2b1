"""Billing → Statements: the list of months, a statement's page, its Excel and CSV downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from licenses.choices import Currency, ServiceTier
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import StatementLine
from lmp.core.l10n import money
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory
from tests.factories_billing import MONTH, StatementLineFactory, statement_build
from tests.helpers.auth import verified_login
from tests.helpers.role_pages import FRENCH, in_language

LIST = reverse("billing:statements")
DETAIL = reverse("billing:statement_detail", kwargs={"month": MONTH})
XLSX = reverse("billing:statement_xlsx", kwargs={"month": MONTH})
CSV = reverse("billing:statement_csv", kwargs={"month": MONTH})
NAMES = ["Maple Leaf Dental Group", "Harbourfront Logistics Inc.", "Bayview Clinic"]


def _login(partner, username: str, role: str) -> Client:
    user = MembershipFactory(partner=partner, user=UserFactory(username=username), role=role).user
    return verified_login(Client(), user)


@pytest.fixture
def licenses(partner):
    """Northwind's MDR Complete (CAD) and MDR Cloud (USD) licenses."""
    complete = VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.COMPLETE,
        seat_commitment=1990,
        price_per_user=Decimal("14.50"),
        currency=Currency.CAD,
    )
    cloud = VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.CLOUD,
        seat_commitment=300,
        price_per_user=Decimal("7.77"),
        currency=Currency.USD,
    )
    return complete, cloud


@pytest.fixture
def statement(partner, licenses):
    return statement_build(partner=partner, names=NAMES)


@pytest.fixture
def bank_client(partner):
    return _login(partner, "bea", PartnerRole.BANK_DETAILS_ONLY)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (PartnerRole.ADMINISTRATOR, 200),
        (PartnerRole.BANK_DETAILS_ONLY, 200),
        (PartnerRole.ALLOCATOR, 403),
        (PartnerRole.VIEW_ONLY, 403),
    ],
)
def test_only_the_roles_that_see_billing_open_statements(partner, statement, role, expected):
    client = _login(partner, f"user-{role}", role)
    for url in (LIST, DETAIL, XLSX, CSV):
        assert client.get(url).status_code == expected, url


def test_another_partners_statement_is_404(statement, other_partner):
    client = _login(other_partner, "olga", PartnerRole.ADMINISTRATOR)
    for url in (DETAIL, XLSX, CSV):
        assert client.get(url).status_code == 404, url
    # Its own list does not show Northwind's month.
    page = client.get(LIST)
    assert page.status_code == 200 and "November 2026" not in page.text


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-01", "2025-11", "2026-1", "nov"])
def test_a_bad_or_missing_month_is_404(bank_client, statement, month):
    response = bank_client.get(f"/billing/statements/{month}/")
    assert response.status_code == 404


def test_the_billing_page_links_to_the_statements(bank_client, statement):
    page = bank_client.get(reverse("billing:billing"))
    assert f'href="{LIST}"' in page.text


def test_the_list_shows_months_newest_first_with_totals_per_currency(
    bank_client, partner, statement, django_assert_max_num_queries
):
    statement_build(partner=partner, month=dt.date(2026, 10, 1), names=[], adjustment=0)
    with django_assert_max_num_queries(8):
        page = bank_client.get(LIST)
    text = page.text
    assert text.index("November 2026") < text.index("October 2026")
    # November: Complete 1,990 × $14.50 = $28,855.00 less the adjustment (5 × $14.50), Cloud
    # 300 × $7.77 = $2,331.00 USD.
    assert "$28,782.50\xa0CAD" in text
    assert "$2,331.00\xa0USD" in text
    assert f'href="{DETAIL}"' in text and f'href="{XLSX}"' in text and f'href="{CSV}"' in text


def test_the_list_pages_by_24_months(bank_client, partner, licenses):
    for n in range(26):
        year, month = divmod(n, 12)
        statement_build(partner=partner, month=dt.date(2024 + year, month + 1, 1), names=[])
    first = bank_client.get(LIST)
    assert first.text.count("data-statement=") == 24
    assert "February 2026" in first.text  # newest first: 2026-02 down to 2024-03
    second = bank_client.get(LIST, {"page": 2})
    assert second.text.count("data-statement=") == 2 and "January 2024" in second.text


def test_the_statement_page_shows_licenses_lines_and_the_rule(bank_client, statement):
    page = bank_client.get(DETAIL)
    assert page.status_code == 200
    text = page.text
    assert "Statement of November 2026" in text
    assert "Each of your licenses is billed for its seat commitment at the month" in text
    assert "Dec 1, 2026 00:00" in text  # the period's end
    # Per license: tier, commitment, price, amount, adjustments and total.
    adjustment = money(Decimal("-72.50"), "CAD")
    for expected in ("1,990", "$14.50\xa0CAD", "$28,855.00\xa0CAD", adjustment):
        assert expected in text, expected
    assert "$28,782.50\xa0CAD" in text and "$2,331.00\xa0USD" in text
    # The lines: each customer, the unallocated users of each license, the adjustment.
    for name in NAMES:
        assert name in text
    assert text.count("Unallocated users") >= 2
    assert "Correction of October 2026" in text


def test_search_finds_lines_by_legal_name(bank_client, statement):
    page = bank_client.get(DETAIL, {"q": "maple"})
    assert "Maple Leaf Dental Group" in page.text
    assert "Bayview Clinic" not in page.text
    none = bank_client.get(DETAIL, {"q": "zzz"})
    assert "No lines match “zzz”." in none.text


def test_sorting_by_amount_puts_the_biggest_line_last(bank_client, statement):
    page = bank_client.get(DETAIL, {"sort": "amount"})
    lines = StatementLine.objects.filter(statement=statement).order_by("amount", "legal_name")
    rows = [line.pk for line in lines]
    shown = [int(p.split('"')[0]) for p in page.text.split('data-line="')[1:]]
    assert shown == rows
    down = bank_client.get(DETAIL, {"sort": "-legal_name"})
    shown_names = [n for n in NAMES if n in down.text]
    assert sorted(shown_names, key=down.text.index) == sorted(NAMES, reverse=True)


def test_the_htmx_search_answers_the_table_alone(bank_client, statement):
    response = bank_client.get(
        DETAIL,
        {"q": "bay"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="statement-lines",
        HTTP_HX_TRIGGER_NAME="q",
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="statement-lines"' in response.text
    assert "Bayview Clinic" in response.text and "1 line found" in response.text


def test_the_statement_page_makes_the_same_queries_for_5_or_50_lines(
    bank_client, partner, licenses, django_assert_max_num_queries
):
    statement = statement_build(partner=partner, names=[], adjustment=0)
    part = statement.licenses.first()
    counts = []
    for lines in (5, 45):  # 5, then 50 customer lines (and the two unallocated lines)
        StatementLineFactory.create_batch(lines, statement_license=part)
        with CaptureQueriesContext(connection) as queries:
            page = bank_client.get(DETAIL)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts
    assert page.text.count("data-line=") == 50  # a full page of the 52 lines
    with django_assert_max_num_queries(12):
        bank_client.get(DETAIL, {"q": "Customer", "sort": "-amount", "page": 2})


def _workbook(client):
    response = client.get(XLSX)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="lmp-northwind-msp-statement-2026-11.xlsx"'
    )
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_excel_download_has_the_licenses_and_the_page_tables_columns(bank_client, statement):
    book = _workbook(bank_client)
    licenses, lines = book.worksheets
    assert licenses.title == "Licenses" and lines.title == "Lines"
    assert lines["A1"].value == "Northwind MSP — statement of November 2026"
    header = [c.value for c in lines[4]]
    assert header == [
        "License",
        "Currency",
        "Customer",
        "Customer ID",
        "Line",
        "Adjusts month",
        "Users billed",
        "Month's peak (not billed)",
        "Beauceron SAT Users",
        "Price per user",
        "Amount",
    ]
    rows = [[c.value for c in row] for row in lines.iter_rows(min_row=5)]
    rows = [[row[0], *row[2:], row[1]] for row in rows]  # the currency last, as below
    body, total = rows[:-1], rows[-1]
    assert len(body) == 3 + 1 + 1 + 1  # three customers, two unallocated lines, an adjustment
    by_name = {row[1]: row for row in body if row[3] == "Customer"}
    maple = by_name["Maple Leaf Dental Group"]
    assert maple[0] == "MDR Complete" and maple[5:8] == [10, 10, 5]
    assert maple[8] == 14.5 and maple[9] == 145 and maple[10] == "CAD"
    adjustment = next(row for row in body if row[3] == "Adjustment")
    assert adjustment[4] == "2026-10" and adjustment[5] == -5 and adjustment[9] == -72.5
    assert total[0] == "Total (6 lines)"
    # Two currencies: the amounts are not added up; the users are.
    assert total[9] is None and total[5] == sum(row[5] for row in body)
    assert lines.cell(5, 10).number_format == "#,##0.00"
    summary = [[c.value for c in row] for row in licenses.iter_rows(min_row=5, max_row=6)]
    assert summary[0][:2] == ["MDR Complete", "CAD"] and summary[0][5:] == [28855, -72.5, 28782.5]
    assert summary[1][:2] == ["MDR Cloud", "USD"] and summary[1][7] == 2331


def _csv_rows(client) -> list[list[str]]:
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="lmp-northwind-msp-statement-2026-11.csv"'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_has_one_row_per_customer_and_product(bank_client, statement):
    rows = _csv_rows(bank_client)
    assert rows[0] == [
        "Month",
        "Customer",
        "Customer ID",
        "Product",
        "Quantity",
        "Unit price",
        "Amount",
        "Currency",
        "Line",
        "Adjusts month",
    ]
    maple = StatementLine.objects.get(legal_name=NAMES[0], kind=StatementLineKind.CUSTOMER)
    mine = [row[2:] for row in rows[1:] if row[1] == NAMES[0]]
    assert {row[0] for row in rows[1:] if row[1] == NAMES[0]} == {"2026-11"}
    ident = str(maple.customer_id)
    assert mine == [
        [ident, "MDR Complete", "10", "14.50", "145.00", "CAD", "Customer", ""],
        [ident, "Beauceron SAT", "5", "0.00", "0.00", "CAD", "Customer", ""],
        [ident, "MDR Complete", "-5", "14.50", "-72.50", "CAD", "Adjustment", "2026-10"],
    ]
    unallocated = [row for row in rows[1:] if row[8] == "Unallocated users"]
    assert [(row[1], row[3], row[4]) for row in unallocated] == [
        ("Unallocated users", "MDR Complete", str(1990 - 10 - 11 - 12)),
        ("Unallocated users", "MDR Cloud", "300"),
    ]
    # The amounts add up to the statement's totals, per currency.
    cad = sum(Decimal(row[6]) for row in rows[1:] if row[7] == "CAD")
    assert cad == Decimal("28782.50")


def test_the_downloads_keep_formula_like_names_as_text(bank_client, partner, licenses):
    names = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "#N/A"]
    statement_build(partner=partner, names=names)
    rows = _csv_rows(bank_client)
    customers = {row[1] for row in rows[1:]}
    assert {f"'{name}" for name in names[:4]} <= customers and "#N/A" in customers
    # A negative quantity is a number, not text to escape.
    assert any(row[4].startswith("-") for row in rows[1:])
    book = _workbook(bank_client)
    cells = [c for row in book["Lines"].iter_rows(min_row=5) for c in row if c.column == 3]
    planted = [c for c in cells if c.value in names]
    assert len(planted) >= len(names) and {c.data_type for c in planted} == {"s"}


def test_the_french_statement_page_and_downloads(partner, statement):
    client = in_language(_login(partner, "benoit", PartnerRole.BANK_DETAILS_ONLY), FRENCH)
    page = client.get(DETAIL)
    assert "Relevé de novembre 2026" in page.text
    assert "28\u202f855,00\xa0$\xa0CAD" in page.text or "28\xa0855,00\xa0$\xa0CAD" in page.text
    rows = _csv_rows(client)
    assert rows[0][:2] == ["Mois", "Client"]
    assert any(row[6] == "145.00" for row in rows[1:])  # numbers stay machine-readable
    book = _workbook(client)
    assert book.worksheets[1]["A1"].value == "Northwind MSP — relevé de novembre 2026"


soffice = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(soffice is None, reason="needs LibreOffice")
def test_libreoffice_opens_the_statement_workbook(bank_client, statement, tmp_path):
    response = bank_client.get(XLSX)
    xlsx = tmp_path / "statement.xlsx"
    xlsx.write_bytes(b"".join(response.streaming_content))
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    lines = (tmp_path / "statement-Lines.csv").read_text(encoding="utf-8")
    assert "Maple Leaf Dental Group" in lines and "Total (6 lines)" in lines


@pytest.mark.parametrize(
    "params",
    [{"page": "999"}, {"page": "abc"}, {"sort": "bogus"}, {"per_page": "abc"}, {"q": "\x00"}],
)
def test_odd_parameters_never_break_the_statement_page(bank_client, statement, params):
    assert bank_client.get(DETAIL, params).status_code in (200, 404)
    assert bank_client.get(LIST, {"page": params.get("page", "1")}).status_code in (200, 404)
