"""A streaming workbook writer: sheets of typed columns written with openpyxl's write-only mode.

Memory stays flat however many rows there are: openpyxl's write-only worksheet spools each row to
a temporary file as it is appended, and rows are read from any iterable (a ``QuerySet.iterator()``
in chunks, a generator), consumed once.

Speed: text goes in as a plain Python value; a count, a date or a signed change goes through one
styled cell per column (its number format, a date's alignment), reused row after row, instead of
a new cell each. Text is always text: a value a spreadsheet would read as a formula or an error
code is forced to a text cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from lmp.core.l10n import count as count_text

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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
MONEY_FORMAT = "#,##0.00"  # an amount (a Decimal), in the currency its row or sheet names
DATE_ALIGNMENT = Alignment(horizontal="left")
# A text column right of a number column starts one indent in: a number is flush right and
# LibreOffice ignores a right indent, so in its print "1,500Sub-Partner" read as one word.
PADDED_ALIGNMENT = Alignment(horizontal="left", indent=1)
NUMBER_KINDS = ("int", "signed", "money")
SIGNED_INT_FORMAT = "+#,##0;-#,##0;0"
# The row of the column headers (after the title, the subtitle and a blank row).
HEADER_ROW = 4


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its header, width, cell kind and whether it gets a total."""

    header: str
    width: float
    # "text", "int", "signed" (an int shown with its sign), "money" (two decimals), "date",
    # "datetime"
    kind: str = "text"
    total: bool = False


def _default_total_label(count: int) -> str:
    return ngettext("Total (%(count)s row)", "Total (%(count)s rows)", count) % {
        "count": count_text(count)
    }


@dataclass(frozen=True)
class Sheet:
    """One worksheet: tab name, title and subtitle rows, columns, and rows (consumed once)."""

    name: str
    title: str
    subtitle: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    total_label: Callable[[int], str] = _default_total_label


def text_cell(ws: WriteOnlyWorksheet, value: str, **style) -> WriteOnlyCell:
    """A cell that is always text: never a formula, whatever the value starts with."""
    # str(): a label may be lazy text, written in the language active now.
    cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
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
    "money": MONEY_FORMAT,
}


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
    return max(column.width, math.ceil(len(str(column.header)) * 1.2) + 3)


def _sheet_append(wb: Workbook, sheet: Sheet) -> int:
    """Stream one sheet (title, bold frozen header with autofilter, rows, totals) into ``wb``."""
    ws = wb.create_sheet(title=str(sheet.name)[:31])
    padded = _padded_columns(sheet.columns)
    _layout_set(ws, sheet.columns)
    _heading_append(ws, sheet, padded)
    totals = [0] * len(sheet.columns)
    count = _rows_append(ws, sheet, _row_fixers(ws, sheet.columns, padded, totals))
    last_col = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(count, 1)}"
    ws.append(_total_cells(ws, sheet, count, totals))
    return count


def _padded_columns(columns: Sequence[Column]) -> set[int]:
    """The text columns that follow a number column (their cells start one indent in)."""
    return {
        index
        for index, column in enumerate(columns)
        if index and column.kind == "text" and columns[index - 1].kind in NUMBER_KINDS
    }


def _layout_set(ws: WriteOnlyWorksheet, columns: Sequence[Column]) -> None:
    """Widths, the frozen header and the print setup: set before the first row is streamed."""
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = _width(column)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    # Printed: landscape, every column on one page's width (as many pages down as it takes), and
    # the header row repeated at the top of each page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _heading_append(ws: WriteOnlyWorksheet, sheet: Sheet, padded: set[int]) -> None:
    """The title, the subtitle, a blank row and the bold header row."""
    ws.append([text_cell(ws, sheet.title, font=TITLE_FONT)])
    ws.append([text_cell(ws, sheet.subtitle, font=SUBTITLE_FONT)])
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
            for index, column in enumerate(sheet.columns)
        ]
    )


# What makes a row's values ready to append: each fixer changes its columns' values in place.
_Fixer = Callable[[list], None]


def _row_fixers(
    ws: WriteOnlyWorksheet, columns: Sequence[Column], padded: set[int], totals: list
) -> list[_Fixer]:
    """The fixers a row of these columns goes through, for the kinds of column it has."""
    total_at = [index for index, column in enumerate(columns) if column.total]
    text_at = [
        index
        for index, column in enumerate(columns)
        if column.kind == "text" and index not in padded
    ]
    # Their text goes through one reused cell each, indented, always text (never a formula).
    padded_at = [(index, _padded_cell(ws)) for index in sorted(padded)]
    # One cell per styled column, reused row after row: ``ws.append`` writes a row out before it
    # returns, so the next row may rebind it. A new styled cell per value cost ~15% of the export.
    styled_at = [
        (index, _styled_cell(ws, column))
        for index, column in enumerate(columns)
        if column.kind != "text"
    ]
    fixers = [
        (total_at, _totals_fixer(total_at, totals)),
        (text_at, _text_fixer(ws, text_at)),
        (padded_at, _padded_fixer(padded_at)),
        (styled_at, _styled_fixer(ws, styled_at)),
    ]
    return [fixer for at, fixer in fixers if at]


def _totals_fixer(total_at: list[int], totals: list) -> _Fixer:
    """Adds the row's values to the totals of the columns that have one."""

    def fix(cells: list) -> None:
        for index in total_at:
            value = cells[index]
            if value:
                totals[index] += value

    return fix


def _text_fixer(ws: WriteOnlyWorksheet, text_at: list[int]) -> _Fixer:
    """Text that could be a formula, an error code or carry what XML cannot: a safe value."""
    maybe_unsafe = _MAYBE_UNSAFE.search  # a local: this runs once a row

    def fix(cells: list) -> None:
        for index in text_at:
            value = cells[index]
            if isinstance(value, str) and (not value or maybe_unsafe(value)):
                cells[index] = _text(ws, value)

    return fix


def _padded_fixer(padded_at: list[tuple[int, WriteOnlyCell]]) -> _Fixer:
    """Text after a number column, through its reused indented cell, always as text."""

    def fix(cells: list) -> None:
        for index, cell in padded_at:
            value = cells[index]
            if value:
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
                cell.data_type = "s"  # as text_cell: a value starting with "=" stays text
                cells[index] = cell
            else:
                cells[index] = None

    return fix


def _styled_fixer(ws: WriteOnlyWorksheet, styled_at: list[tuple[int, WriteOnlyCell]]) -> _Fixer:
    """Every count and date through its column's styled cell (~5% of the export per column).

    A count under 1,000 written plain read the same but was "General" in Excel while its total was
    "#,##0", and a plain date kept Excel's right alignment, which in LibreOffice's print ran into
    the next column's text.
    """

    def fix(cells: list) -> None:
        for index, cell in styled_at:
            value = cells[index]
            if value is not None:
                cells[index] = _styled(ws, cell, value)

    return fix


def _rows_append(ws: WriteOnlyWorksheet, sheet: Sheet, fixers: list[_Fixer]) -> int:
    """Stream the sheet's rows through the fixers into ``ws``; returns how many there were."""
    width = len(sheet.columns)
    count = 0
    for row in sheet.rows:
        if len(row) != width:
            raise ValueError(f"row {count + 1} has {len(row)} values for {width} columns")
        count += 1
        cells = list(row)
        for fix in fixers:
            fix(cells)
        ws.append(cells)
    return count


def _total_cells(ws: WriteOnlyWorksheet, sheet: Sheet, count: int, totals: list) -> list[Any]:
    """The totals row: its label under the first column, each total under its column."""
    cells: list[Any] = [text_cell(ws, sheet.total_label(count), font=TOTAL_FONT, fill=TOTAL_FILL)]
    for index, column in enumerate(sheet.columns[1:], 1):
        cell = WriteOnlyCell(ws, value=totals[index] if column.total else None)
        cell.fill = TOTAL_FILL
        if column.total:
            number_format = MONEY_FORMAT if column.kind == "money" else INT_FORMAT
            cell.font, cell.number_format = TOTAL_FONT, number_format
        cells.append(cell)
    return cells
