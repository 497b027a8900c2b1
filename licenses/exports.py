"""Excel export of a license's customers and its allocation history: the customer and History
sheets, written by the streaming workbook writer (lmp.core.xlsx).

Both sheets come from their tables' declarations: the customer sheet's columns are the customer
table's (licenses.tables.CustomerAccountTable.export_columns), the History sheet's the history
table's (AllocationEventTable.export_columns). Rows come from ``QuerySet.iterator()`` in chunks,
so memory stays flat however many customers there are, and the finished workbook is a temporary
file the response streams from disk.

Speed: the customer rows are ``values_list`` tuples the database has already shaped (labels, local
dates), so no model instance is built per row.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import IO

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
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licenses.models import AllocationEvent, VolumeLicense
from licenses.selectors import license_is_own
from licenses.tables import AllocationEventTable, CustomerAccountTable
from lmp.core.l10n import count as count_text
from lmp.core.xlsx import Column, Sheet, workbook_sheets_write
from lmp.partners.models import Partner

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class _ExportField:
    """A column of the customers sheet and what the database selects for it."""

    column: Column
    value: str | Expression  # a field path or an expression for ``values_list``


# The History sheet's columns: the history table's (each page column names its export columns).
_HISTORY = AllocationEventTable.export_columns()


def history_row(event: AllocationEvent) -> tuple:
    """One history event as a row of the History sheet."""
    return tuple([cell.value(event) for cell in _HISTORY])


def _label(field: str, choices: type[TextChoices]) -> Case:
    """The display label of a choices field, computed by the database (an unknown value as is)."""
    return Case(
        # str(): the label in the language active now (a choice's label is lazy text).
        *(When(**{field: value}, then=Value(str(label))) for value, label in choices.choices),
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
    return ngettext("Total (%(count)s customer)", "Total (%(count)s customers)", count) % {
        "count": count_text(count)
    }


def _invalid_total_label(count: int) -> str:
    return _("No customers listed: the filter is not valid")


def _changes_total_label(count: int) -> str:
    return ngettext("%(count)s change", "%(count)s changes", count) % {"count": count_text(count)}


def _when(moment: dt.datetime) -> str:
    """The export's moment in the subtitles: "2026-12-06 18:55" / "2026-12-06 18 h 55"."""
    return f"{moment:%Y-%m-%d} {date_format(moment, 'TIME_FORMAT')}"


def export_filename(
    *,
    partner: Partner,
    license: VolumeLicense,
    on: dt.date,
    status: str = "",
    as_of: dt.date | None = None,
) -> str:
    """``lmp-<partner>-<tier>-customers-<active|offboarded|all>-<YYYY-MM-DD>.xlsx``: an export of
    All customers and one of the Active ones made the same day do not share a name. The list as
    of a past day is named by that day: ``…-customers-all-as-of-2026-10-31.xlsx``."""
    which = status or "all"
    partner_slug = slugify(partner.name) or "partner"
    day = f"as-of-{as_of.isoformat()}" if as_of is not None else on.isoformat()
    return f"lmp-{partner_slug}-{license.tier}-customers-{which}-{day}.xlsx"


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
    as_of: dt.date | None = None,
) -> tuple[IO[bytes], str]:
    """Write every row of ``table`` (the page's, filtered and sorted) to a temporary .xlsx.

    Returns the file and its name. With ``events``, a second sheet "History" lists them newest
    first, as the history page does. With a ``filter_error`` (the page's filter is invalid) the
    sheets say so and hold no rows. ``status`` is the status filter ("active", "offboarded";
    empty for all), for the file's name. ``as_of``: the table is the list as it stood at the end
    of that day (the subtitle and the file's name say so). The caller owns the returned file
    (rewound to the start); closing it deletes it.
    """
    now = timezone.localtime()
    fields = customer_export_fields(table)
    # Tuples, not model instances: the table's filtered, sorted (and tenancy-scoped) queryset.
    values = table.data.data.values_list(*(field.value for field in fields))
    rows = values.iterator(chunk_size=CHUNK_SIZE) if not filter_error else ()
    tier = license.get_tier_display()
    if license_is_own(partner=partner, license=license):
        title = _("%(partner)s — %(tier)s license") % {"partner": partner.name, "tier": tier}
    else:
        title = _("%(partner)s — %(tier)s license (shared by %(owner)s)") % {
            "partner": partner.name,
            "tier": tier,
            "owner": license.partner.name,
        }
    subtitle = _("Customers exported %(when)s") % {"when": _when(now)}
    if as_of is not None:
        subtitle = _("Customers as they stood at the end of %(day)s, exported %(when)s") % {
            "day": date_format(as_of, "DATE_FORMAT"),
            "when": _when(now),
        }
    if description:
        subtitle += f" · {description}"
    total_label = _customers_total_label
    if filter_error:
        # Not an empty license: nothing was read, because the filter asked for nothing valid.
        subtitle = _("Nothing exported %(when)s: the filter is not valid. %(error)s") % {
            "when": _when(now),
            "error": filter_error,
        }
        total_label = _invalid_total_label
    sheets = [
        Sheet(
            name=_("%(tier)s customers") % {"tier": tier},
            title=title,
            subtitle=subtitle,
            columns=[field.column for field in fields],
            rows=rows,
            total_label=total_label,
        )
    ]
    if events is not None:
        history = _("Allocation history exported %(when)s") % {"when": _when(now)}
        if history_description:
            history += f" · {history_description}"
        if filter_error:
            events = events.none()
            history = _("Nothing exported: the filter is not valid. %(error)s") % {
                "error": filter_error
            }
        sheets.append(
            Sheet(
                # Translators: the name of the export's sheet of changes (at most 31 characters).
                name=_("History"),
                title=title,
                subtitle=history,
                columns=[cell.column for cell in _HISTORY],
                rows=(
                    history_row(event)
                    for event in events.order_by("-at", "-pk").iterator(chunk_size=CHUNK_SIZE)
                ),
                total_label=_changes_total_label,
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
    return file, export_filename(
        partner=partner, license=license, on=now.date(), status=status, as_of=as_of
    )
