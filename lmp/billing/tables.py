"""The tables of the billing app: a statement's lines, on its page and in its Excel download.

One declaration per column: its header and cell on the page, and ``export``, its columns in the
workbook with the value each takes from a row of ``StatementLineTable.export_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from licenses import policy
from licenses.choices import ServiceTier
from lmp.billing.choices import StatementLineKind
from lmp.billing.models import StatementLine
from lmp.core.l10n import count, money
from lmp.core.xlsx import Column as XlsxColumn

PER_PAGE = 50
# ``?per_page=`` is honoured by django-tables2; cap it so one request cannot ask for everything.
MAX_PER_PAGE = 200
CHUNK_SIZE = 2000

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end tabular-nums"}}

# What the export reads of each line: ``values_list(*EXPORT_FIELDS, named=True)``.
EXPORT_FIELDS = (
    "statement_license__tier",
    "statement_license__currency",
    "kind",
    "customer_id",
    "legal_name",
    "users",
    "peak_users",
    "sat_users",
    "price_per_user",
    "amount",
    "adjusts",
)


@dataclass(frozen=True)
class ExportCell:
    """One column of the export: its sheet column and its value from a row of EXPORT_FIELDS."""

    column: XlsxColumn
    value: Callable[[Any], Any]


class LineColumn(tables.Column):
    """A column of the statement's lines that also names its columns in the export."""

    def __init__(self, *args, export: Sequence[ExportCell] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.export = tuple(export)


def month_label(month) -> str:
    """A month as pages name it: "November 2026" / "novembre 2026"."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def line_name(kind: str, legal_name: str, *, kind_label: str | None = None) -> str:
    """What a line is called: the customer's name, or "Unallocated users" (``kind_label``: the
    kind's label already translated)."""
    if kind == StatementLineKind.UNALLOCATED or not legal_name:
        return kind_label if kind_label is not None else str(StatementLineKind(kind).label)
    return legal_name


_TIER_LABELS = dict(ServiceTier.choices)


class StatementLineTable(tables.Table):
    """A statement's lines: each customer on each license, the unallocated users, adjustments."""

    license = LineColumn(
        verbose_name=_("License"),
        accessor="statement_license__tier",
        order_by=("tier_rank", "statement_license_id", "kind_rank", "legal_name", "pk"),
        attrs={"th": {"class": "text-nowrap"}, "td": {"class": "text-nowrap"}},
        export=[
            ExportCell(
                XlsxColumn(_("License"), 15),
                lambda r: _TIER_LABELS.get(r.statement_license__tier, r.statement_license__tier),
            ),
            # The license's currency, which its amounts are in (beside it: text after text).
            ExportCell(XlsxColumn(_("Currency"), 9), lambda r: r.statement_license__currency),
        ],
    )
    legal_name = LineColumn(
        verbose_name=_("Customer"),
        order_by=("legal_name", "pk"),
        empty_values=(),  # the unallocated line has no name: its cell says what it is
        export=[
            ExportCell(XlsxColumn(_("Customer"), 36), lambda r: line_name(r.kind, r.legal_name)),
            # An id, not a count: a plain number (no thousands separator, no total).
            ExportCell(XlsxColumn(_("Customer ID"), 12), lambda r: r.customer_id),
        ],
    )
    kind = LineColumn(
        verbose_name=pgettext_lazy("statement line", "Line"),
        order_by=("kind_rank", "legal_name", "pk"),
        export=[
            ExportCell(
                XlsxColumn(pgettext_lazy("statement line", "Line"), 16),
                lambda r: str(StatementLineKind(r.kind).label),
            ),
            ExportCell(
                XlsxColumn(_("Adjusts month"), 14),
                lambda r: r.adjusts.strftime("%Y-%m") if r.adjusts else None,
            ),
        ],
    )
    users = LineColumn(
        verbose_name=_("Users billed"),
        order_by=("users", "legal_name", "pk"),
        attrs=NUMBER,
        export=[
            ExportCell(XlsxColumn(_("Users billed"), 12, "int", total=True), lambda r: r.users)
        ],
    )
    peak_users = LineColumn(
        verbose_name=_("Month's peak (not billed)"),
        order_by=("peak_users", "legal_name", "pk"),
        attrs=NUMBER,
        default="—",
        export=[
            ExportCell(
                XlsxColumn(_("Month's peak (not billed)"), 14, "int"), lambda r: r.peak_users
            )
        ],
    )
    sat_users = LineColumn(
        verbose_name=policy.SAT_COUNT.label,
        order_by=("sat_users", "legal_name", "pk"),
        attrs=NUMBER,
        export=[
            ExportCell(
                XlsxColumn(policy.SAT_COUNT.label, 14, "int", total=True), lambda r: r.sat_users
            )
        ],
    )
    price_per_user = LineColumn(
        verbose_name=_("Price per user"),
        order_by=("price_per_user", "legal_name", "pk"),
        attrs=NUMBER,
        export=[
            ExportCell(XlsxColumn(_("Price per user"), 12, "money"), lambda r: r.price_per_user)
        ],
    )
    amount = LineColumn(
        verbose_name=_("Amount"),
        order_by=("amount", "legal_name", "pk"),
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end tabular-nums fw-semibold"}},
        export=[
            ExportCell(XlsxColumn(_("Amount"), 14, "money"), lambda r: r.amount),
        ],
    )

    class Meta:
        model = StatementLine
        fields = ()
        template_name = "billing/_statement_tables2.html"
        empty_text = _("No lines.")
        attrs = {"class": "table table-hover table-striped align-middle mb-0 table-statement"}
        row_attrs = {"class": "statement-line", "data-line": lambda record: record.pk}

    row_noun = "line"

    def paginate(self, *args, per_page: int = PER_PAGE, **kwargs):
        return super().paginate(*args, per_page=max(1, min(per_page, MAX_PER_PAGE)), **kwargs)

    def render_license(self, record: StatementLine) -> str:
        return record.statement_license.get_tier_display()

    def render_legal_name(self, record: StatementLine) -> str:
        name = line_name(record.kind, record.legal_name)
        if record.kind == StatementLineKind.ADJUSTMENT and record.adjusts:
            return format_html(
                '<div class="fw-semibold">{}</div><div class="small text-body-secondary">{}</div>',
                name,
                gettext("Correction of %(month)s") % {"month": month_label(record.adjusts)},
            )
        if record.kind == StatementLineKind.UNALLOCATED:
            return format_html('<span class="fst-italic">{}</span>', name)
        return format_html('<span class="fw-semibold">{}</span>', name)

    def render_kind(self, record: StatementLine) -> str:
        return record.get_kind_display()

    def render_users(self, value: int) -> str:
        return count(value)

    def render_peak_users(self, value: int) -> str:
        return count(value)

    def render_sat_users(self, value: int) -> str:
        return count(value) if value else "—"

    def render_price_per_user(self, record: StatementLine) -> str:
        return money(record.price_per_user, record.statement_license.currency)

    def render_amount(self, record: StatementLine) -> str:
        return money(record.amount, record.statement_license.currency)

    @classmethod
    def export_cells(cls) -> list[ExportCell]:
        """The export's columns: every column's export columns, in the table's order."""
        return [cell for column in cls.base_columns.values() for cell in column.export]

    @classmethod
    def export_rows(cls, lines: QuerySet[StatementLine]) -> Iterator[list]:
        """Every line as a row of the export's columns, read in chunks (no model instances)."""
        values = [cell.value for cell in cls.export_cells()]
        for row in lines.values_list(*EXPORT_FIELDS, named=True).iterator(chunk_size=CHUNK_SIZE):
            yield [value(row) for value in values]
