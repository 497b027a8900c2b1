"""Export to Excel read back with openpyxl: title, header, typed rows, totals, safe text."""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from licenses.services import customer_offboard
from lmp.core.xlsx import Column, Sheet, workbook_sheets_write
from tests.factories import make_customer
from tests.helpers.customers import bulk_customers

HEADER_ROW = 4
# Session, user (with its membership and partner), license, cloud license, the customers (one
# iterator query), the History sheet's events (one iterator query).
EXPORT_MAX_QUERIES = 6


def export_url(license: VolumeLicense) -> str:
    return reverse("licenses:license_export", kwargs={"pk": license.pk})


def download(client, license: VolumeLicense, **params):
    response = client.get(export_url(license), params)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    body = b"".join(response.streaming_content)
    return response, load_workbook(io.BytesIO(body)).active


def header(ws) -> list[str]:
    return [c.value for c in ws[HEADER_ROW] if c.value is not None]


def data_rows(ws) -> list[tuple]:
    """Rows between the header and the totals row."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    return rows[:-1]


def totals_row(ws) -> tuple:
    return list(ws.iter_rows(min_row=ws.max_row, values_only=True))[0]


@pytest.fixture
def customers(complete_license, cloud_license):
    maple = make_customer(
        license=complete_license,
        legal_name="Maple Leaf Dental Group",
        tier_users=100,
        sat_users=60,
        website="https://mapleleafdental.example",
        admin_email="it@mapleleafdental.example",
    )
    harbour = make_customer(
        license=complete_license,
        legal_name="Harbourfront Logistics Inc.",
        tier_users=100,
        cloud_users=20,
        admin_email="admin@harbourfront.example",
    )
    gone = make_customer(
        license=complete_license,
        legal_name="Gone Ltd",
        tier_users=7,
        website="https://gone-limited.example",
    )
    customer_offboard(customer=gone)
    return maple, harbour, gone


def test_export_title_header_rows_types_and_totals(partner_client, complete_license, customers):
    response, ws = download(partner_client, complete_license)
    today = timezone.localdate()
    name = f"lmp-northwind-msp-complete-customers-active-{today.isoformat()}.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'

    # Title rows: partner, license and date.
    assert ws["A1"].value == "Northwind MSP — MDR Complete license"
    assert ws["A1"].font.b
    assert ws["A2"].value.startswith(f"Customers exported {today.isoformat()}")
    assert "Active customers" in ws["A2"].value
    # Bold, frozen header with an autofilter over header and data.
    assert header(ws) == [
        "Legal name",
        "MDR Complete Users",
        "MDR Cloud Users",
        "Beauceron SAT Users",
        "Sub-Partner",
        "Status",
        "Onboarded",
        "Offboarded",
        "MDR Complete Users at offboarding",
        "MDR Cloud Users at offboarding",
        "Beauceron SAT Users at offboarding",
        "Web Site",
        "MDR Portal Administrator Email",
    ]
    assert all(c.font.b for c in ws[HEADER_ROW] if c.value)
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:M{HEADER_ROW + 2}"
    assert ws.column_dimensions["A"].width >= 30
    # Rows: active customers only (the page's default), sorted by name, typed cells.
    rows = data_rows(ws)
    assert [r[0] for r in rows] == ["Harbourfront Logistics Inc.", "Maple Leaf Dental Group"]
    harbour, maple = rows
    assert harbour[1:4] == (100, 20, 0)
    assert maple[1:4] == (100, 0, 60)
    assert all(isinstance(v, int) for v in harbour[1:4])
    assert harbour[5] == "Active"
    assert isinstance(maple[6], dt.datetime) and maple[6].date() == today
    assert ws.cell(row=HEADER_ROW + 1, column=7).is_date
    assert maple[8:11] == (None, None, None)  # active: nothing "at offboarding"
    assert maple[11] == "https://mapleleafdental.example"
    assert maple[12] == "it@mapleleafdental.example"
    # Totals row sums the numbers.
    totals = totals_row(ws)
    assert totals[0] == "Total (2 customers)"
    assert totals[1:4] == (200, 20, 60)


def test_export_number_and_date_formats(partner_client, complete_license):
    """Counts show thousands separators, dates read yyyy-mm-dd, history changes show a sign."""
    make_customer(license=complete_license, legal_name="Big Co", tier_users=1500, sat_users=1200)
    make_customer(license=complete_license, legal_name="Small Co", tier_users=20)
    response = partner_client.get(export_url(complete_license))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws, history = book.worksheets
    sat, onboarded = header(ws).index("Beauceron SAT Users"), header(ws).index("Onboarded")
    big = ws[HEADER_ROW + 1]
    assert big[0].value == "Big Co"
    assert (big[1].value, big[1].number_format) == (1500, "#,##0")
    assert (big[sat].value, big[sat].number_format) == (1200, "#,##0")
    assert big[onboarded].is_date and big[onboarded].number_format == "yyyy-mm-dd"
    small = ws[HEADER_ROW + 2]
    assert small[0].value == "Small Co" and small[1].value == 20
    assert small[onboarded].is_date and small[onboarded].number_format == "yyyy-mm-dd"
    total = ws[ws.max_row]
    assert (total[1].value, total[1].number_format) == (1520, "#,##0")
    assert (total[sat].value, total[sat].number_format) == (1200, "#,##0")
    # History: local time to the minute, and the change with its sign.
    events = list(history.iter_rows(min_row=HEADER_ROW + 1, max_row=history.max_row - 1))
    assert events
    for when, *_, change, _action, _by, _made in events:
        assert when.is_date and when.number_format == "yyyy-mm-dd hh:mm"
        if change.value is not None:  # a count's change (a legal name has none)
            assert change.number_format == "+#,##0;-#,##0;0"
    assert any(change.value is not None for *_, change, _a, _b, _m in events)


def test_export_honours_search_filter_and_sort(partner_client, complete_license, customers):
    _, ws = download(partner_client, complete_license, status="", sort="-license_users")
    assert [r[0] for r in data_rows(ws)] == [  # equal users: by name
        "Harbourfront Logistics Inc.",
        "Maple Leaf Dental Group",
        "Gone Ltd",
    ]
    gone = data_rows(ws)[2]
    assert gone[5] == "Offboarded" and isinstance(gone[7], dt.datetime)
    assert gone[1] == 0  # its 7 users went back to the pool
    assert totals_row(ws)[1] == 200

    _, ws = download(partner_client, complete_license, q="dental")
    assert [r[0] for r in data_rows(ws)] == ["Maple Leaf Dental Group"]
    assert "search “dental”" in ws["A2"].value

    _, ws = download(partner_client, complete_license, status="offboarded")
    assert [r[0] for r in data_rows(ws)] == ["Gone Ltd"]


def test_empty_export_still_has_header_and_zero_totals(partner_client, core_license):
    _, ws = download(partner_client, core_license)
    assert header(ws)[:2] == ["Legal name", "MDR Core Users"]
    assert "Beauceron SAT Users" not in header(ws)
    assert data_rows(ws) == []
    assert totals_row(ws)[:2] == ("Total (0 customers)", 0)


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        # Excel error codes: openpyxl would store these as error cells, not text.
        "#N/A",
        "#REF!",
    ],
)
def test_formula_like_text_is_written_as_text(partner_client, complete_license, name):
    # Straight to the table: the service tidies white space, but old or imported rows may not be.
    customer = CustomerAccount.objects.create(
        partner=complete_license.partner,
        license=complete_license,
        legal_name=name,
        admin_email="=cmd@evil.example",
        website="",
    )
    SeatAllocation.objects.create(
        customer=customer, license=complete_license, tier=complete_license.tier, seats=3
    )
    _, ws = download(partner_client, complete_license)
    cell = ws.cell(row=HEADER_ROW + 1, column=1)
    assert cell.data_type == "s"
    # XML turns a CR into LF on reading; the text is otherwise kept as typed.
    assert cell.value == name.replace("\r", "\n")
    email = ws.cell(row=HEADER_ROW + 1, column=len(header(ws)))
    assert email.data_type == "s" and email.value == "=cmd@evil.example"
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_control_characters_do_not_break_the_export(partner_client, complete_license):
    customer = CustomerAccount.objects.create(
        partner=complete_license.partner,
        license=complete_license,
        legal_name="Bell\x07 Corp",
        admin_email="it@bell.example",
    )
    SeatAllocation.objects.create(
        customer=customer, license=complete_license, tier=complete_license.tier, seats=1
    )
    _, ws = download(partner_client, complete_license)
    assert data_rows(ws)[0][0] == "Bell Corp"


def test_cloud_license_export_lists_cloud_seats(partner_client, core_license, cloud_license):
    make_customer(license=core_license, legal_name="Rideau", tier_users=45, cloud_users=10)
    make_customer(license=cloud_license, legal_name="Skyline", tier_users=25)
    _, ws = download(partner_client, cloud_license)
    assert header(ws)[:3] == ["Legal name", "MDR Cloud Users", "Customer's tier"]
    assert [r[:3] for r in data_rows(ws)] == [
        ("Rideau", 10, "MDR Core"),
        ("Skyline", 25, "MDR Cloud"),
    ]
    assert totals_row(ws)[1] == 35


@pytest.mark.parametrize("count", [10, 1000])
def test_export_query_count_does_not_grow(
    partner_client, complete_license, django_assert_max_num_queries, count
):
    bulk_customers(complete_license, count)
    with django_assert_max_num_queries(EXPORT_MAX_QUERIES):
        response = partner_client.get(export_url(complete_license))
        body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True).active
    assert sum(1 for _ in ws.iter_rows(min_row=HEADER_ROW + 1)) == count + 1  # rows + totals


def test_other_partner_cannot_export(other_client, complete_license, customers):
    assert other_client.get(export_url(complete_license)).status_code == 404


def test_sub_partner_export_holds_only_its_customers(
    client, other_partner, other_user, complete_license, customers
):
    complete_license.sub_partners.add(other_partner)
    make_customer(license=complete_license, partner=other_partner, legal_name="Contoso Client")
    client.force_login(other_user)
    response, ws = download(client, complete_license)
    assert [r[0] for r in data_rows(ws)] == ["Contoso Client"]
    assert re.search(
        r"lmp-contoso-secure-it-complete-customers-active-\d{4}-\d{2}-\d{2}\.xlsx",
        response["Content-Disposition"],
    )
    assert "shared by Northwind MSP" in ws["A1"].value


def _peak_bytes(rows: int) -> int:
    columns = [
        Column("Name", 30),
        Column("Users", 10, "int", total=True),
        Column("Since", 12, "date"),
    ]
    day = dt.date(2026, 1, 1)
    generated = ((f"Customer {i:06d}", i % 500, day) for i in range(rows))
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as file:
            sheet = Sheet(name="Test", title="t", subtitle="s", columns=columns, rows=generated)
            [written] = workbook_sheets_write(file=file, sheets=[sheet])
        return tracemalloc.get_traced_memory()[1], written
    finally:
        tracemalloc.stop()


def test_workbook_memory_does_not_grow_with_rows():
    """Write-only streaming: ten times the rows, about the same peak memory (~0.4 MB here)."""
    small, written_small = _peak_bytes(300)
    large, written_large = _peak_bytes(3_000)
    assert (written_small, written_large) == (300, 3_000)
    assert large < small * 1.5, (small, large)


def test_offboarded_customers_hold_nothing_and_totals_equal_what_is_allocated(
    partner_client, complete_license, cloud_license
):
    """Under "All statuses" offboarded customers show 0 users: their seats went back to the pool."""
    make_customer(license=complete_license, legal_name="Kept Co", tier_users=100, sat_users=40)
    for n in range(3):
        gone = make_customer(
            license=complete_license,
            legal_name=f"Gone {n}",
            tier_users=50,
            cloud_users=5,
            sat_users=10,
        )
        customer_offboard(customer=gone)
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (100, 0)

    _, ws = download(partner_client, complete_license, status="")
    rows = {r[0]: r for r in data_rows(ws)}
    assert len(rows) == 4
    for n in range(3):
        gone = rows[f"Gone {n}"]
        assert gone[1:4] == (0, 0, 0) and gone[5] == "Offboarded"
    # The totals are what the dashboard says is allocated.
    assert totals_row(ws)[1:4] == (complete_license.allocated, cloud_license.allocated, 40)

    _, ws = download(partner_client, cloud_license, status="")
    assert totals_row(ws)[1] == cloud_license.allocated == 0


def test_an_invalid_filter_exports_a_sheet_that_says_so(partner_client, complete_license):
    bulk_customers(complete_license, 63)
    _, ws = download(partner_client, complete_license, status="zzz")
    assert "the filter is not valid" in ws["A2"].value
    assert "“zzz” is not a status" in ws["A2"].value
    assert data_rows(ws) == []
    assert "Total (0 customers)" not in totals_row(ws)


def test_sheets_name_their_font_fit_their_headers_and_print_landscape_on_one_page_width(
    partner_client, complete_license, customers
):
    """What LibreOffice needs: a named font, columns as wide as their headers, a page setup."""
    response = partner_client.get(export_url(complete_license), {"status": ""})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    for ws in book.worksheets:
        styled = [c for row in ws.iter_rows() for c in row if c.has_style and c.value is not None]
        assert styled, ws.title
        # Without a name LibreOffice falls back to another font and clips "MDR Cloud Users".
        assert {c.font.name for c in styled} == {"Calibri"}, ws.title
        for cell in ws[HEADER_ROW]:
            if cell.value:
                width = ws.column_dimensions[cell.column_letter].width
                # Bold text a little wider than the character count, plus the filter button.
                assert width >= len(cell.value) * 1.2 + 3, (ws.title, cell.value, width)
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"  # the header on every page


# --- what a reader of the workbook noticed ------------------------------------------------------


def test_every_count_is_formatted_like_its_total(partner_client, complete_license, customers):
    """Data cells and totals alike "#,##0": a count of 7 was General while its total was not."""
    response = partner_client.get(export_url(complete_license), {"status": ""})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    customers_ws, history = book.worksheets
    names = header(customers_ws)
    counts = [i for i, name in enumerate(names) if "Users" in name]
    assert len(counts) == 6  # three counts, and each one's figure at offboarding
    for row in customers_ws.iter_rows(min_row=HEADER_ROW + 1):
        formats = {row[i].number_format for i in counts if row[i].value is not None}
        assert formats == {"#,##0"}, [c.value for c in row]
    columns = [c.value for c in history[HEADER_ROW]]
    from_, to = columns.index("From"), columns.index("To")
    counted = 0
    for row in history.iter_rows(min_row=HEADER_ROW + 1, max_row=history.max_row - 1):
        if isinstance(row[to].value, int):  # a count (a name or a status is a text)
            assert (row[from_].number_format, row[to].number_format) == ("#,##0", "#,##0")
            counted += 1
    assert counted


def test_the_file_name_says_which_customers_it_holds(partner_client, complete_license, customers):
    today = timezone.localdate().isoformat()

    def name(**params) -> str:
        response = partner_client.get(export_url(complete_license), params)
        return re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)

    assert name() == f"lmp-northwind-msp-complete-customers-active-{today}.xlsx"
    assert name(status="") == f"lmp-northwind-msp-complete-customers-all-{today}.xlsx"
    assert (
        name(status="offboarded") == f"lmp-northwind-msp-complete-customers-offboarded-{today}.xlsx"
    )
    assert name(status="", q="dental") == f"lmp-northwind-msp-complete-customers-all-{today}.xlsx"


def test_an_offboarded_row_keeps_what_it_held(partner_client, complete_license, cloud_license):
    make_customer(license=complete_license, legal_name="Kept Co", tier_users=100, sat_users=40)
    gone = make_customer(
        license=complete_license, legal_name="Gone Co", tier_users=50, cloud_users=5, sat_users=10
    )
    customer_offboard(customer=gone)
    _, ws = download(partner_client, complete_license, status="")
    names = header(ws)
    assert names[7:11] == [
        "Offboarded",
        "MDR Complete Users at offboarding",
        "MDR Cloud Users at offboarding",
        "Beauceron SAT Users at offboarding",
    ]
    rows = {r[0]: r for r in data_rows(ws)}
    # Now: nothing (the seats went back); at offboarding: what it held.
    assert rows["Gone Co"][1:4] == (0, 0, 0)
    assert rows["Gone Co"][8:11] == (50, 5, 10)
    assert rows["Kept Co"][8:11] == (None, None, None)  # still active: empty
    # The MDR Cloud license's export: the cloud users it held of that pool.
    _, ws = download(partner_client, cloud_license, status="")
    assert header(ws)[6:8] == ["Offboarded", "MDR Cloud Users at offboarding"]
    assert [(r[0], r[1], r[7]) for r in data_rows(ws)] == [("Gone Co", 0, 5)]


soffice = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def libreoffice():
    """LibreOffice (and poppler's pdftotext): skipped without them, failed in CI if required."""
    if not (soffice and shutil.which("pdftotext")):
        message = "needs LibreOffice and pdftotext (apt-get install libreoffice-calc poppler-utils)"
        if os.environ.get("LMP_REQUIRE_LIBREOFFICE", "").strip() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return soffice


def pdf_words(pdf: Path, page: int) -> list[tuple[str, float, float, float]]:
    """Each word of one page of the PDF with its left and right edges and its top (points)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        (html.unescape(m["word"]), float(m["x0"]), float(m["x1"]), float(m["y0"]))
        for m in re.finditer(
            r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" '
            r'yMax="[\d.]+">(?P<word>[^<]*)</word>',
            out,
        )
    ]


def shown(value) -> str:
    """A cell's value as the sheet's formats print it."""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time() else f"{value:%Y-%m-%d}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def printed_gaps(words, cells: list) -> list[tuple[str, str, float, float]]:
    """Where ``cells`` (a row's values) are printed on one line of ``words``: for each pair of
    neighbouring cells, (left text, right text, the gap between them, a character's width)."""
    tokens = [(i, word) for i, v in enumerate(cells) if v is not None for word in shown(v).split()]
    lines = {}
    for word in words:
        lines.setdefault(round(word[3]), []).append(word)
    expected = [t for _, t in tokens]
    line = next(
        (ws for ws in lines.values() if [w[0] for w in sorted(ws, key=lambda w: w[1])] == expected),
        None,
    )
    assert line is not None, (expected, [[w[0] for w in ws] for ws in lines.values()])
    line = sorted(line, key=lambda w: w[1])
    gaps = []
    for (i, _), (j, _), left, right in zip(tokens, tokens[1:], line, line[1:], strict=False):
        if i != j:
            char = (left[2] - left[1]) / len(left[0])
            gaps.append((left[0], right[0], right[1] - left[2], char))
    return gaps


def test_libreoffice_prints_each_cell_apart_from_the_next(
    partner_client, complete_license, customers, libreoffice, tmp_path
):
    """Printed to PDF by LibreOffice, a number or a date has room before the next column's text:
    the Offboarded date ran into the Web Site, a count into the next column's text."""
    response = partner_client.get(export_url(complete_license), {"status": ""})
    body = b"".join(response.streaming_content)
    xlsx = tmp_path / "export.xlsx"
    xlsx.write_bytes(body)
    subprocess.run(
        [
            libreoffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    book = load_workbook(io.BytesIO(body))
    customers_ws, history = book.worksheets
    gone = next(r for r in data_rows(customers_ws) if r[0] == "Gone Ltd")
    lines = {
        "customers header": (1, [c.value for c in customers_ws[HEADER_ROW]]),
        "Gone Ltd": (1, list(gone)),
        "history header": (2, [c.value for c in history[HEADER_ROW]]),
        "history's newest": (2, [c.value for c in history[HEADER_ROW + 1]]),
    }
    crowded = {}
    for name, (page, cells) in lines.items():
        words = pdf_words(tmp_path / "export.pdf", page)
        gaps = printed_gaps(words, cells)
        assert gaps, name
        if tight := [g for g in gaps if g[2] < g[3]]:
            crowded[name] = tight
    assert crowded == {}
