"""Excel export of a license's customers and its allocation history, streamed with openpyxl's
write-only mode.

Memory stays flat however many customers there are: rows come from ``QuerySet.iterator()`` in
chunks, openpyxl's write-only worksheet spools each row to a temporary file as it is appended, and
the finished workbook is itself a temporary file the response streams from disk.

Speed: the customer rows are ``values_list`` tuples the database has already shaped (labels, local
dates), so no model instance is built per row. Text goes in as a plain Python value; a count, a
date or a signed change goes through one styled cell per column (its number format, a date's
alignment), reused row after row, instead of a new cell each.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    QuerySet,
    TextChoices,
    Value,
    When,
)
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from licenses.models import AllocationEvent, VolumeLicense
from licenses.selectors import license_is_own
from licenses.tables import CustomerAccountTable
from lmp.partners.models import Partner

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
# A spreadsheet program evaluates text starting with these as a formula ("CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Every styled cell names its font (the workbook's default, Calibri 11): a font without a name
# makes LibreOffice fall back to one of its own, wider ones, and the headers clip.
FONT_NAME = "Calibri"
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14)
SUBTITLE_FONT = Font(name=FONT_NAME, italic=True, color="555555")
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="13315C")
TOTAL_FONT = Font(name=FONT_NAME, bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="E9EEF5")
DATE_FORMAT = "yyyy-mm-dd"  # what openpyxl gives a date by itself (FORMAT_DATE_YYYYMMDD2)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INT_FORMAT = "#,##0"
DATE_ALIGNMENT = Alignment(horizontal="left")
# A text column right of a number column starts one indent in: a number is flush right and
# LibreOffice ignores a right indent, so in its print "1,500Sub-Partner" read as one word.
PADDED_ALIGNMENT = Alignment(horizontal="left", indent=1)
NUMBER_KINDS = ("int", "signed")
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
    """A column of the customers sheet and what the database selects for it."""

    column: Column
    value: str | Expression  # a field path or an expression for ``values_list``


def text_cell(ws: WriteOnlyWorksheet, value: str, **style) -> WriteOnlyCell:
    """A cell that is always text: never a formula, whatever the value starts with."""
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    # openpyxl turns a str starting with "=" into a formula; force the string type back.
    cell.data_type = "s"
    for name, style_value in style.items():
        setattr(cell, name, style_value)
    return cell


def _text(ws: WriteOnlyWorksheet, value: str) -> str | WriteOnlyCell | None:
    """``value`` as it can be appended: as is when openpyxl will store it as text, else a cell."""
    if not value:
        return None
    # openpyxl stores a plain str as text, except one starting with "=" (a formula) or equal to an
    # error code such as "#N/A"; those, and text XML cannot carry, get a forced text cell.
    # Everything else goes in as is: a cell object per string costs a third of the time.
    formula_or_error = value[0] == "=" or (value[0] == "#" and value in _ERROR_CODES)
    if formula_or_error or ILLEGAL_CHARACTERS_RE.search(value):
        return text_cell(ws, value)
    return value


_ERROR_CODES = frozenset(ERROR_CODES)
# Text that _text may have to change: it starts with "=" or "#", or holds a character XML cannot
# carry. Checked inline first, so most text is spared the call.
_MAYBE_UNSAFE = re.compile(f"^[=#]|{ILLEGAL_CHARACTERS_RE.pattern}")

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
        name=sheet_title,
        title=title,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        total_label=total_label,
    )
    return workbook_sheets_write(file=file, sheets=[sheet])[0]


def workbook_sheets_write(*, file: IO[bytes], sheets: Iterable[Sheet]) -> list[int]:
    """Write the sheets, in order, to one workbook in ``file``; returns each one's row count."""
    wb = Workbook(write_only=True)
    counts = [_sheet_append(wb, sheet) for sheet in sheets]
    wb.save(file)
    return counts


def _styled_cell(ws: WriteOnlyWorksheet, column: Column) -> WriteOnlyCell:
    """The cell a non-text column's values are written through, with its number format."""
    cell = WriteOnlyCell(ws)
    cell.number_format = _NUMBER_FORMATS.get(column.kind, cell.number_format)
    if column.kind in ("date", "datetime"):
        # Left, as its header: flush right, a date ran into the next column's text in print.
        cell.alignment = DATE_ALIGNMENT
    return cell


def _padded_cell(ws: WriteOnlyWorksheet) -> WriteOnlyCell:
    """The reused cell of a text column that follows a number column (``PADDED_ALIGNMENT``)."""
    cell = WriteOnlyCell(ws)
    cell.alignment = PADDED_ALIGNMENT
    return cell


def _styled(ws: WriteOnlyWorksheet, cell: WriteOnlyCell, value: Any) -> Any:
    """``value`` written through its column's reused styled ``cell`` (text stays plain text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text(ws, value)
    cell.value = value
    return cell


def _width(column: Column) -> float:
    """The column's width, at least its header's: bold text and the autofilter's button."""
    return max(column.width, math.ceil(len(column.header) * 1.2) + 3)


def _sheet_append(wb: Workbook, sheet: Sheet) -> int:
    """Stream one sheet (title, bold frozen header with autofilter, rows, totals) into ``wb``."""
    columns, title, subtitle = sheet.columns, sheet.title, sheet.subtitle
    ws = wb.create_sheet(title=sheet.name[:31])
    # Widths, the frozen pane and the filter must be set before the first row is streamed.
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = _width(column)
    header_row = 4
    ws.freeze_panes = f"A{header_row + 1}"
    # Printed: landscape, every column on one page's width (as many pages down as it takes), and
    # the header row repeated at the top of each page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"

    padded = {
        index
        for index, column in enumerate(columns)
        if index and column.kind == "text" and columns[index - 1].kind in NUMBER_KINDS
    }
    ws.append([text_cell(ws, title, font=TITLE_FONT)])
    ws.append([text_cell(ws, subtitle, font=SUBTITLE_FONT)])
    ws.append([])
    ws.append(
        [
            text_cell(
                ws,
                column.header,
                font=HEADER_FONT,
                fill=HEADER_FILL,
                alignment=Alignment(
                    horizontal="right" if column.kind in NUMBER_KINDS else "left",
                    indent=1 if index in padded else 0,
                    vertical="center",
                ),
            )
            for index, column in enumerate(columns)
        ]
    )

    width = len(columns)
    text_at = [
        index
        for index, column in enumerate(columns)
        if column.kind == "text" and index not in padded
    ]
    # Their text goes through one reused cell each, indented, always text (never a formula).
    padded_at = [(index, _padded_cell(ws)) for index in sorted(padded)]
    # One cell per styled column, reused row after row: ``ws.append`` writes a row out before it
    # returns, so the next row may rebind it. A new styled cell per value cost ~15% of the export.
    styled = [
        (index, column.kind, _styled_cell(ws, column))
        for index, column in enumerate(columns)
        if column.kind != "text"
    ]
    int_at = [(index, cell) for index, kind, cell in styled if kind == "int"]
    date_at = [(index, cell) for index, kind, cell in styled if kind == "date"]
    other_at = [(index, cell) for index, kind, cell in styled if kind not in ("int", "date")]
    total_at = [index for index, column in enumerate(columns) if column.total]
    totals = [0] * width
    count = 0
    maybe_unsafe = _MAYBE_UNSAFE.search  # a local: this loop runs once a row
    for row in sheet.rows:
        if len(row) != width:
            raise ValueError(f"row {count + 1} has {len(row)} values for {width} columns")
        count += 1
        cells = list(row)
        for index in total_at:
            value = cells[index]
            if value:
                totals[index] += value
        for index in text_at:
            value = cells[index]
            if isinstance(value, str) and (not value or maybe_unsafe(value)):
                cells[index] = _text(ws, value)
        for index, cell in padded_at:
            value = cells[index]
            if value:
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
                cell.data_type = "s"  # as text_cell: a value starting with "=" stays text
                cells[index] = cell
            else:
                cells[index] = None
        # Every count and date goes through its column's styled cell (~5% of the export per
        # column): a count under 1,000 written plain read the same but was "General" in Excel
        # while its total was "#,##0", and a plain date kept Excel's right alignment, which in
        # LibreOffice's print ran into the next column's text.
        for index, cell in int_at:
            value = cells[index]
            if value is not None:
                cells[index] = _styled(ws, cell, value)
        for index, cell in date_at:
            value = cells[index]
            if value is not None:
                cells[index] = _styled(ws, cell, value)
        for index, cell in other_at:
            cells[index] = _styled(ws, cell, cells[index])
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
        # A renamed customer: the names, as text, in the From and To columns (no change figure).
        event.from_text if event.is_text else event.from_value,
        event.to_text if event.is_text else event.to_value,
        event.delta,
        event.get_kind_display(),
        event.actor_label,
        event.get_source_display(),
    )


def _label(field: str, choices: type[TextChoices]) -> Case:
    """The display label of a choices field, computed by the database (an unknown value as is)."""
    return Case(
        *(When(**{field: value}, then=Value(label)) for value, label in choices.choices),
        default=F(field),
        output_field=CharField(),
    )


def customer_export_fields(table: CustomerAccountTable) -> list[_ExportField]:
    """The customer sheet's columns: the table's, in its order, from the table's declarations.

    The page's columns plus those only the export has (offboarded date, web site, e-mail). Each
    value is selected by the database ready to write (labels, dates in the current time zone), so
    the export reads plain tuples instead of model instances.
    """
    fields = []
    for bound in table.export_columns():
        column = bound.column
        value = column.select(bound.name)
        if column.choices is not None:
            value = _label(value, column.choices)
        kind = column.kind
        fields.append(
            _ExportField(Column(str(bound.header), column.width, kind, total=kind == "int"), value)
        )
    return fields


def _customers_total_label(count: int) -> str:
    return f"Total ({count:,} customer{'' if count == 1 else 's'})"


def _invalid_total_label(count: int) -> str:
    return "No customers listed: the filter is not valid"


def export_filename(
    *, partner: Partner, license: VolumeLicense, on: dt.date, status: str = ""
) -> str:
    """``lmp-<partner>-<tier>-customers-<active|offboarded|all>-<YYYY-MM-DD>.xlsx``: an export of
    All customers and one of the Active ones made the same day do not share a name."""
    which = status or "all"
    partner_slug = slugify(partner.name) or "partner"
    return f"lmp-{partner_slug}-{license.tier}-customers-{which}-{on.isoformat()}.xlsx"


def customers_export(
    *,
    partner: Partner,
    license: VolumeLicense,
    table: CustomerAccountTable,
    description: str = "",
    events: QuerySet[AllocationEvent] | None = None,
    history_description: str = "",
    filter_error: str = "",
    status: str = "",
) -> tuple[IO[bytes], str]:
    """Write every row of ``table`` (the page's, filtered and sorted) to a temporary .xlsx.

    Returns the file and its name. With ``events``, a second sheet "History" lists them newest
    first, as the history page does. With a ``filter_error`` (the page's filter is invalid) the
    sheets say so and hold no rows. ``status`` is the status filter ("active", "offboarded";
    empty for all), for the file's name. The caller owns the returned file (rewound to the
    start); closing it deletes it.
    """
    now = timezone.localtime()
    fields = customer_export_fields(table)
    # Tuples, not model instances: the table's filtered, sorted (and tenancy-scoped) queryset.
    values = table.data.data.values_list(*(field.value for field in fields))
    rows = values.iterator(chunk_size=CHUNK_SIZE) if not filter_error else ()
    title = f"{partner.name} — {license.get_tier_display()} license"
    if not license_is_own(partner=partner, license=license):
        title += f" (shared by {license.partner.name})"
    subtitle = f"Customers exported {now:%Y-%m-%d %H:%M}"
    if description:
        subtitle += f" · {description}"
    total_label = _customers_total_label
    if filter_error:
        # Not an empty license: nothing was read, because the filter asked for nothing valid.
        subtitle = f"Nothing exported {now:%Y-%m-%d %H:%M}: the filter is not valid. {filter_error}"
        total_label = _invalid_total_label
    sheets = [
        Sheet(
            name=f"{license.get_tier_display()} customers",
            title=title,
            subtitle=subtitle,
            columns=[field.column for field in fields],
            rows=rows,
            total_label=total_label,
        )
    ]
    if events is not None:
        history = f"Allocation history exported {now:%Y-%m-%d %H:%M}"
        if history_description:
            history += f" · {history_description}"
        if filter_error:
            events = events.none()
            history = f"Nothing exported: the filter is not valid. {filter_error}"
        sheets.append(
            Sheet(
                name="History",
                title=title,
                subtitle=history,
                columns=HISTORY_COLUMNS,
                rows=(
                    history_row(event)
                    for event in events.order_by("-at", "-pk").iterator(chunk_size=CHUNK_SIZE)
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
    return file, export_filename(partner=partner, license=license, on=now.date(), status=status)
