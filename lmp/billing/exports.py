"""A statement's downloads: the Excel workbook (its licenses, then its lines) and the CSV a PSA
imports (one row per customer and product).

The workbook's Lines sheet has the page table's columns (``StatementLineTable.export_cells``),
streamed from ``values_list`` rows in chunks by the write-only writer (lmp.core.xlsx) into a
temporary file the response sends from disk. The CSV is written as it is sent.
"""

from __future__ import annotations

import csv
import dataclasses
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from licenses.choices import ServiceTier
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import Statement
from lmp.billing.selectors import statement_licenses, statement_lines
from lmp.billing.tables import CHUNK_SIZE, StatementLineTable, line_name, month_label
from lmp.core.l10n import count as count_text
from lmp.core.xlsx import Column, Sheet, workbook_sheets_write

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Excel opens a UTF-8 CSV as UTF-8 (accents intact) only when it starts with a byte order mark.
BOM = "\ufeff"
# A text cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection);
# it gets a leading apostrophe, which spreadsheets show as text and do not evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The product of the SAT rows (an add-on of MDR Complete, not a tier).
SAT_PRODUCT = "Beauceron SAT"


def statement_filename(*, statement: Statement, extension: str) -> str:
    """``lmp-<partner>-statement-<YYYY-MM>.<extension>``."""
    partner_slug = slugify(statement.partner.name) or "partner"
    return f"lmp-{partner_slug}-statement-{statement.month:%Y-%m}.{extension}"


def _title(statement: Statement) -> str:
    return _("%(partner)s — statement of %(month)s") % {
        "partner": statement.partner.name,
        "month": month_label(statement.month),
    }


def _subtitle(statement: Statement) -> str:
    return _("Users at the month's end (%(end)s), closed %(closed)s") % {
        "end": date_format(statement.period_end, "DATETIME_FORMAT"),
        "closed": date_format(statement.closed_at, "DATETIME_FORMAT"),
    }


def _lines_total_label(count: int) -> str:
    return ngettext("Total (%(count)s line)", "Total (%(count)s lines)", count) % {
        "count": count_text(count)
    }


def _licenses_total_label(count: int) -> str:
    return ngettext("Total (%(count)s license)", "Total (%(count)s licenses)", count) % {
        "count": count_text(count)
    }


_LICENSE_COLUMNS = [
    (lambda: Column(_("License"), 15), lambda p: p.get_tier_display()),
    (lambda: Column(_("Currency"), 9), lambda p: p.currency),
    (lambda: Column(_("Seat commitment"), 14, "int", total=True), lambda p: p.seat_commitment),
    (lambda: Column(_("Allocated"), 12, "int", total=True), lambda p: p.allocated),
    (lambda: Column(_("Price per user"), 12, "money"), lambda p: p.price_per_user),
    (lambda: Column(_("Amount"), 14, "money"), lambda p: p.amount),
    (lambda: Column(_("Adjustments"), 14, "money"), lambda p: p.adjustments),
    (lambda: Column(_("Total"), 14, "money"), lambda p: p.total),
]


def _summed_if(columns: list[Column], single_currency: bool) -> list[Column]:
    """Amounts get a total only when every row is in one currency (CAD and USD do not add)."""
    return [
        dataclasses.replace(c, total=single_currency) if c.kind == "money" else c for c in columns
    ]


def statement_xlsx(*, statement: Statement) -> tuple[IO[bytes], str]:
    """Write the statement to a temporary .xlsx: its Licenses sheet, then every line.

    Returns the file (rewound; the caller closes it, which deletes it) and its name.
    """
    licenses = statement_licenses(statement=statement)
    single = len({part.currency for part in licenses}) <= 1
    cells = StatementLineTable.export_cells()
    title, subtitle = _title(statement), _subtitle(statement)
    sheets = [
        Sheet(
            # Translators: the name of a statement workbook's sheet (at most 31 characters).
            name=_("Licenses"),
            title=title,
            subtitle=subtitle,
            columns=_summed_if([column() for column, _ in _LICENSE_COLUMNS], single),
            rows=([value(part) for _, value in _LICENSE_COLUMNS] for part in licenses),
            total_label=_licenses_total_label,
        ),
        Sheet(
            # Translators: the name of a statement workbook's sheet (at most 31 characters).
            name=_("Lines"),
            title=title,
            subtitle=subtitle,
            columns=_summed_if([cell.column for cell in cells], single),
            rows=StatementLineTable.export_rows(statement_lines(statement=statement)),
            total_label=_lines_total_label,
        ),
    ]
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the response closes it
    try:
        workbook_sheets_write(file=file, sheets=sheets)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, statement_filename(statement=statement, extension="xlsx")


def csv_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula (numbers are written as numbers, not here)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    """A file-like object whose ``write`` returns what it was given (for a streamed CSV)."""

    def write(self, value: str) -> str:
        return value


def _decimal(value: Decimal) -> str:
    """A plain number a PSA parses whatever the reader's language: ``1234.50``."""
    return f"{value:.2f}"


def csv_header() -> list[str]:
    return [
        _("Month"),
        _("Customer"),
        _("Customer ID"),
        _("Product"),
        _("Quantity"),
        _("Unit price"),
        _("Amount"),
        _("Currency"),
        pgettext("statement line", "Line"),
        _("Adjusts month"),
    ]


def csv_rows(*, statement: Statement, kinds: dict[str, str]) -> Iterator[list[str]]:
    """One row per customer and product: each line's users of its license's tier, and the
    customer's Beauceron SAT users as a row of their own (quantity, no price: see the user guide),
    the unallocated users and each adjustment. ``kinds``: the lines' labels, translated."""
    month = f"{statement.month:%Y-%m}"
    tiers = dict(ServiceTier.choices)
    lines = statement_lines(statement=statement).values_list(
        "statement_license__tier",
        "statement_license__currency",
        "kind",
        "customer_id",
        "legal_name",
        "users",
        "sat_users",
        "price_per_user",
        "amount",
        "adjusts",
    )
    zero = _decimal(Decimal(0))
    for (
        tier,
        currency,
        kind,
        customer_id,
        name,
        users,
        sat,
        price,
        amount,
        adjusts,
    ) in lines.iterator(chunk_size=CHUNK_SIZE):
        customer = csv_text(line_name(kind, name, kind_label=kinds[kind]))
        ident = "" if customer_id is None else str(customer_id)
        adjusted = f"{adjusts:%Y-%m}" if adjusts else ""
        label = kinds[kind]
        yield [
            month,
            customer,
            ident,
            tiers.get(tier, tier),
            str(users),
            _decimal(price),
            _decimal(amount),
            currency,
            label,
            adjusted,
        ]
        if sat and kind == StatementLineKind.CUSTOMER:
            yield [month, customer, ident, SAT_PRODUCT, str(sat), zero, zero, currency, label, ""]


def statement_csv(*, statement: Statement) -> tuple[Iterable[str], str]:
    """The CSV's text, chunk by chunk (UTF-8 with a byte order mark, comma-separated), and its
    name."""
    writer = csv.writer(_Echo())
    # Translated now, in the request's language: the rows are written as the response is sent.
    header = csv_header()
    kinds = {kind: str(label) for kind, label in StatementLineKind.choices}

    def chunks() -> Iterator[str]:
        yield BOM + writer.writerow(header)
        for row in csv_rows(statement=statement, kinds=kinds):
            yield writer.writerow(row)

    return chunks(), statement_filename(statement=statement, extension="csv")
