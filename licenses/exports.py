"""Excel export of a license's customers and its allocation history, streamed with openpyxl's
write-only mode.

Memory stays flat however many customers there are: rows come from ``QuerySet.iterator()`` in
chunks, openpyxl's write-only worksheet spools each row to a temporary file as it is appended, and
the finished workbook is itself a temporary file the response streams from disk.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from licenses.choices import AllocationEventSource, CustomerStatus, ServiceTier
from licenses.models import AllocationEvent, CustomerAccount, Partner, VolumeLicense

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
# A spreadsheet program evaluates text starting with these as a formula ("CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="13315C")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="E9EEF5")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INT_FORMAT = "#,##0"
SIGNED_INT_FORMAT = "+#,##0;-#,##0;0"


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its header, width, cell kind and whether it gets a total."""

    header: str
    width: float
    kind: str = "text"  # "text", "int", "signed" (an int shown with its sign), "date", "datetime"
    total: bool = False


def _default_total_label(count: int) -> str:
    return f"Total ({count:,} rows)"


@dataclass(frozen=True)
class Sheet:
    """One worksheet: tab name, title and subtitle rows, columns, and rows (consumed once)."""

    name: str
    title: str
    subtitle: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    total_label: Callable[[int], str] = _default_total_label


@dataclass(frozen=True)
class _ExportField:
    column: Column
    value: Callable[[CustomerAccount], Any]


def text_cell(ws: WriteOnlyWorksheet, value: str, **style) -> WriteOnlyCell:
    """A cell that is always text: never a formula, whatever the value starts with."""
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    # openpyxl turns a str starting with "=" into a formula; force the string type back.
    cell.data_type = "s"
    for name, style_value in style.items():
        setattr(cell, name, style_value)
    return cell


def _cell(ws: WriteOnlyWorksheet, column: Column, value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # openpyxl stores a plain str as text, except one starting with "=" (a formula) or equal
        # to an error code such as "#N/A"; those, and text XML cannot carry, get a forced text
        # cell. Everything else goes in as is: a cell object per string costs a third of the time.
        if value[0] == "=" or value in ERROR_CODES or ILLEGAL_CHARACTERS_RE.search(value):
            return text_cell(ws, value)
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = _NUMBER_FORMATS.get(column.kind, cell.number_format)
    return cell


_NUMBER_FORMATS = {
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
    "int": INT_FORMAT,
    "signed": SIGNED_INT_FORMAT,
}


def workbook_write(
    *,
    file: IO[bytes],
    sheet_title: str,
    title: str,
    subtitle: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    total_label: Callable[[int], str] = _default_total_label,
) -> int:
    """Write a one-sheet workbook to ``file`` from any iterable of rows; returns the row count."""
    sheet = Sheet(
        name=sheet_title, title=title, subtitle=subtitle, columns=columns, rows=rows,
        total_label=total_label,
    )
    return workbook_sheets_write(file=file, sheets=[sheet])[0]


def workbook_sheets_write(*, file: IO[bytes], sheets: Iterable[Sheet]) -> list[int]:
    """Write the sheets, in order, to one workbook in ``file``; returns each one's row count."""
    wb = Workbook(write_only=True)
    counts = [_sheet_append(wb, sheet) for sheet in sheets]
    wb.save(file)
    return counts


def _sheet_append(wb: Workbook, sheet: Sheet) -> int:
    """Stream one sheet (title, bold frozen header with autofilter, rows, totals) into ``wb``."""
    columns, title, subtitle = sheet.columns, sheet.title, sheet.subtitle
    ws = wb.create_sheet(title=sheet.name[:31])
    # Widths, the frozen pane and the filter must be set before the first row is streamed.
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 4
    ws.freeze_panes = f"A{header_row + 1}"

    ws.append([text_cell(ws, title, font=TITLE_FONT)])
    ws.append([text_cell(ws, subtitle, font=Font(italic=True, color="555555"))])
    ws.append([])
    ws.append(
        [
            text_cell(
                ws, column.header, font=HEADER_FONT, fill=HEADER_FILL,
                alignment=Alignment(
                    horizontal="right" if column.kind == "int" else "left", vertical="center"
                ),
            )
            for column in columns
        ]
    )

    totals = [0] * len(columns)
    count = 0
    for row in sheet.rows:
        count += 1
        cells = []
        for index, (column, value) in enumerate(zip(columns, row, strict=True)):
            if column.total and value:
                totals[index] += value
            cells.append(_cell(ws, column, value))
        ws.append(cells)

    last_col = get_column_letter(len(columns))
    last_row = header_row + max(count, 1)
    ws.auto_filter.ref = f"A{header_row}:{last_col}{last_row}"

    total_cells: list[Any] = []
    for index, column in enumerate(columns):
        if index == 0:
            total_cells.append(
                text_cell(ws, sheet.total_label(count), font=TOTAL_FONT, fill=TOTAL_FILL)
            )
        elif column.total:
            cell = WriteOnlyCell(ws, value=totals[index])
            cell.font, cell.fill, cell.number_format = TOTAL_FONT, TOTAL_FILL, INT_FORMAT
            total_cells.append(cell)
        else:
            cell = WriteOnlyCell(ws, value=None)
            cell.fill = TOTAL_FILL
            total_cells.append(cell)
    ws.append(total_cells)
    return count


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value else None


def _local_datetime(value: dt.datetime) -> dt.datetime:
    """Local wall-clock time, without a zone: Excel has no time zones (openpyxl refuses them)."""
    return timezone.localtime(value).replace(tzinfo=None)


HISTORY_COLUMNS = [
    Column("When", 17, "datetime"),
    Column("Customer", 36),
    Column("License", 15),
    Column("What changed", 22),
    Column("From", 11, "int"),
    Column("To", 11, "int"),
    Column("Change", 11, "signed"),
    Column("Action", 20),
    Column("Changed by", 20),
    Column("Made in", 13),
]


def history_row(event: AllocationEvent) -> tuple:
    """One history event as a row of ``HISTORY_COLUMNS``."""
    return (
        _local_datetime(event.at),
        event.customer.legal_name if event.customer_id else "",
        event.license.get_tier_display(),
        event.what,
        event.from_value,
        event.to_value,
        event.delta,
        event.get_kind_display(),
        event.actor.get_username() if event.actor_id else "System",
        "Vendor admin" if event.source == AllocationEventSource.ADMIN else "Portal",
    )


def customer_export_fields(*, license: VolumeLicense, show_cloud: bool) -> list[_ExportField]:
    """The sheet's columns for this license: the page's columns plus web site and e-mail."""
    fields = [
        _ExportField(Column("Legal name", 36), lambda c: c.legal_name),
        _ExportField(
            Column(license.users_label, 18, "int", total=True), lambda c: c.license_users
        ),
    ]
    if license.tier == ServiceTier.CLOUD:
        fields.append(
            _ExportField(Column("Customer's tier", 16), lambda c: c.license.get_tier_display())
        )
    else:
        if show_cloud:
            fields.append(
                _ExportField(
                    Column("MDR Cloud Users", 18, "int", total=True), lambda c: c.cloud_users
                )
            )
        if license.tier == ServiceTier.COMPLETE:
            fields.append(
                _ExportField(
                    Column("Beauceron SAT Users", 20, "int", total=True), lambda c: c.sat_users
                )
            )
    fields += [
        _ExportField(
            Column("Sub-Partner", 24), lambda c: c.sub_partner.name if c.sub_partner else ""
        ),
        _ExportField(Column("Status", 12), lambda c: CustomerStatus(c.status).label),
        _ExportField(Column("Onboarded", 13, "date"), lambda c: _local_date(c.onboarded_at)),
        _ExportField(Column("Offboarded", 13, "date"), lambda c: _local_date(c.offboarded_at)),
        _ExportField(Column("Web Site", 32), lambda c: c.website),
        _ExportField(Column("MDR Portal Administrator Email", 34), lambda c: c.admin_email),
    ]
    return fields


def export_filename(*, partner: Partner, license: VolumeLicense, on: dt.date) -> str:
    """``lmp-<partner>-<tier>-<YYYY-MM-DD>.xlsx``."""
    return f"lmp-{slugify(partner.name) or 'partner'}-{license.tier}-{on.isoformat()}.xlsx"


def customers_export(
    *,
    partner: Partner,
    license: VolumeLicense,
    customers: QuerySet[CustomerAccount],
    show_cloud: bool,
    description: str = "",
    events: QuerySet[AllocationEvent] | None = None,
    history_description: str = "",
) -> tuple[IO[bytes], str]:
    """Write ``customers`` (filtered and sorted) to a temporary .xlsx; return it and its name.

    With ``events``, a second sheet "History" lists them oldest first, like a ledger. The caller
    owns the returned file (rewound to the start); closing it deletes it.
    """
    now = timezone.localtime()
    fields = customer_export_fields(license=license, show_cloud=show_cloud)
    rows = (
        tuple(field.value(customer) for field in fields)
        for customer in customers.iterator(chunk_size=CHUNK_SIZE)
    )
    owner = license.partner
    title = f"{partner.name} — {license.get_tier_display()} license"
    if owner.pk != partner.pk:
        title += f" (shared by {owner.name})"
    subtitle = f"Customers exported {now:%Y-%m-%d %H:%M}"
    if description:
        subtitle += f" · {description}"
    sheets = [
        Sheet(
            name=f"{license.get_tier_display()} customers",
            title=title,
            subtitle=subtitle,
            columns=[field.column for field in fields],
            rows=rows,
            total_label=lambda n: f"Total ({n:,} customer{'' if n == 1 else 's'})",
        )
    ]
    if events is not None:
        history = f"Allocation history exported {now:%Y-%m-%d %H:%M}"
        if history_description:
            history += f" · {history_description}"
        sheets.append(
            Sheet(
                name="History",
                title=title,
                subtitle=history,
                columns=HISTORY_COLUMNS,
                rows=(
                    history_row(event)
                    for event in events.order_by("at", "pk").iterator(chunk_size=CHUNK_SIZE)
                ),
                total_label=lambda n: f"{n:,} change{'' if n == 1 else 's'}",
            )
        )
    # Handed to the response, which closes (and so deletes) it once sent.
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        workbook_sheets_write(file=file, sheets=sheets)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, export_filename(partner=partner, license=license, on=now.date())
