"""The tables of the licenses app (django-tables2: server-side sorting and pagination)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Expression, F, OrderBy, TextChoices
from django.db.models.functions import Lower, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import BoundColumn

from licenses import policy
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense, text_value
from lmp.core.l10n import count
from lmp.core.xlsx import Column as XlsxColumn

PER_PAGE = 50
# ``?per_page=`` is honoured by django-tables2; cap it so one request cannot ask for everything.
MAX_PER_PAGE = 200

# Stands for a customer id in URLs reversed once per page (see CustomerAccountTable.row_url).
_PK_PLACEHOLDER = 2_147_483_647


NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end tabular-nums"}}


class CountedPaginator(Paginator):
    """A paginator given its row count (a counter the database keeps) instead of a COUNT(*)."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count = count  # shadows Paginator.count, a cached_property


class _PagedTable(tables.Table):
    """A table paged by PER_PAGE rows, with ``?per_page=`` capped at MAX_PER_PAGE."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # Each column learns its name (django-tables2 tells only its BoundColumn): a customer
        # column's cell and order read the row's value by it, and each table's deep copies of
        # the columns keep it.
        for name, column in cls.base_columns.items():
            column.name = name

    def paginate(self, *args, per_page: int = PER_PAGE, **kwargs):
        return super().paginate(*args, per_page=max(1, min(per_page, MAX_PER_PAGE)), **kwargs)


@dataclass(frozen=True)
class CustomerOrder:
    """One order of the customer list: by ``field``, then ``then`` (so ties never move a row).

    The page sorts by it (``order_by()``) and so does the API (``fields()``, the strings DRF's
    cursor pages take; it offers the orders whose ``field`` is a value of the row itself, see
    lmp.api.pagination).
    """

    field: str
    descending: bool
    then: tuple[str, ...]
    nulls_last: bool = True  # empty values last in either direction (the name never is empty)

    def order_by(self) -> list[str | OrderBy]:
        """The ``QuerySet.order_by()`` arguments."""
        if not self.nulls_last:
            return list(self.fields())
        first = F(self.field)
        first = first.desc(nulls_last=True) if self.descending else first.asc(nulls_last=True)
        return [first, *self.then]

    def fields(self) -> tuple[str, ...]:
        """The order as field names ("-" for descending), without its empty-values rule."""
        return (f"-{self.field}" if self.descending else self.field, *self.then)


class CustomerColumn(tables.Column):
    """A column of the customer list: its header and cell on the page, its column in the export.

    ``field`` is what the database selects for both the page's rows and the export's (a field
    path or an annotation of ``license_customers``; by default the column's name). The class's
    ``kind`` says how both show it: "text" here, "int" and "date" in the subclasses; each class
    makes its page cell (``cell``). A column with ``choices`` shows their label. ``width`` is its
    width in the export, in characters. A sortable column sorts by its ``field`` (empty values
    last), then by name: ``ordering``.

    Columns only the page has pass ``exclude_from_export=True``; columns only the export has pass
    ``visible=False`` (django-tables2's own meanings of the two), and ``export_only=True`` when
    no cell of the page reads them either.
    """

    kind = "text"

    def __init__(
        self,
        verbose_name: str,
        *,
        field: str | None = None,
        choices: type[TextChoices] | None = None,
        width: float = 12,
        export_only: bool = False,
        **kwargs,
    ) -> None:
        if self.kind == "int":
            kwargs.setdefault("attrs", NUMBER)
        if export_only:
            kwargs.update(visible=False, orderable=False)
        super().__init__(verbose_name=verbose_name, **kwargs)
        self.field = field
        self.choices = choices
        self.width = width
        # Selected by the export's query only (``license_customers(every_row=True)``): no cell of
        # the page shows it, so the page's query does not compute it.
        self.export_only = export_only
        self.name = ""  # its name in its table, the key of its value in a row (_PagedTable sets it)
        self._labels = dict(choices.choices) if choices else {}

    def select(self, name: str) -> str | Expression:
        """What the database selects for this column (``name``: the column's name in its table)."""
        field = self.field if self.field is not None else name
        # A date-time shown as its local date: TruncDate converts to the current time zone, as
        # timezone.localtime() would.
        return TruncDate(field) if self.kind == "date" else field

    def ordering(self, name: str, *, descending: bool) -> CustomerOrder:
        """This column's order (``name``: its name in its table): its value, then the name."""
        field = self.field if self.field is not None else name
        return CustomerOrder(field, descending, ("name_key", "pk"))

    def order(self, queryset, is_descending: bool):
        """django-tables2's hook: the page sorts by ``ordering``."""
        return queryset.order_by(
            *self.ordering(self.name, descending=is_descending).order_by()
        ), True

    # The cells below are f-strings, not format_html(): a page has 150 of them, and format_html's
    # lazy-text checks cost more than the rest of a row. Every value goes through _e().

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        """The column's escaped cell from the row's values: the text, or its choice's label."""
        value = row[self.name]
        if not value:
            return _e(self.default or "")
        return _e(self._labels.get(value, value))


class CountColumn(CustomerColumn):
    """A count: thousands separators on the page, a total in the export."""

    kind = "int"

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        value = row[self.name]
        return "" if value is None else count(value)


class DateColumn(CustomerColumn):
    """A date-time shown as its date in the current time zone."""

    kind = "date"

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        return _short_date(row[self.name])


class LegalNameColumn(CustomerColumn):
    """The name, sorted as people read it (then the id), with the customer's contact below."""

    def ordering(self, name: str, *, descending: bool) -> CustomerOrder:
        # The (license, status, lower(legal_name), id) index serves both directions as is.
        return CustomerOrder("name_key", descending, ("-pk" if descending else "pk",), False)

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        """The name, with the web site (without its scheme) and the administrator's e-mail, each
        on a line of its own and shown whole (a long address wraps rather than being cut)."""
        website, email = row["website"], _e(row["admin_email"])
        site = ""
        if website:
            shown = _e(website.removeprefix("https://").removeprefix("http://"))
            site = (
                f'<span class="customer-meta-line" title="{_e(website)}">'
                f'<i class="bi bi-globe2 me-1" aria-hidden="true"></i>{shown}</span>'
            )
        return (
            f'<div class="fw-semibold customer-name">{_e(row[self.name])}</div>'
            f'<div class="small text-body-secondary customer-meta">{site}'
            '<span class="customer-meta-line">'
            f'<i class="bi bi-envelope me-1" aria-hidden="true"></i>{email}</span></div>'
        )


class StatusColumn(CustomerColumn):
    """A badge; an offboarded customer's also says since when."""

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        status = row[self.name]
        if status == CustomerStatus.ACTIVE:
            return (
                '<span class="badge rounded-pill status-badge status-active">'
                f'<i class="bi bi-circle-fill me-1" aria-hidden="true"></i>{_e(_ACTIVE)}</span>'
            )
        label = _e(CustomerStatus(status).label if status in CustomerStatus.values else status)
        return (
            '<span class="badge rounded-pill status-badge status-offboarded">'
            f'<i class="bi bi-archive me-1" aria-hidden="true"></i>{label}</span>'
            f'<div class="small text-body-secondary mt-1">{_short_date(row["offboarded_at"])}</div>'
        )


class ActionsColumn(CustomerColumn):
    """Edit, History and Offboard; an offboarded customer, or a role that may not change
    customers, has its History only."""

    def cell(self, row: dict, table: CustomerAccountTable) -> str:
        pk = row["pk"]
        edit = offboard = ""
        if table.can_change and row["status"] == CustomerStatus.ACTIVE:
            edit = (
                f'<li><a class="dropdown-item" href="{_e(table.row_url("edit", pk))}">'
                '<i class="bi bi-pencil me-2" aria-hidden="true"></i>'
                f"{_e(gettext('Edit'))}</a></li>"
            )
            offboard = (
                '<li><hr class="dropdown-divider"></li><li><a class="dropdown-item text-danger" '
                f'href="{_e(table.row_url("offboard", pk))}">'
                '<i class="bi bi-box-arrow-right me-2" aria-hidden="true"></i>'
                f"{_e(pgettext('action', 'Offboard'))}</a></li>"
            )
        return _ACTIONS_CELL.format(
            label=_e(gettext("Actions for %(name)s") % {"name": row["legal_name"]}),
            history_label=_e(gettext("History")),
            edit=edit,
            history=_e(table.row_url("history", pk)),
            offboard=offboard,
        )


# A row's dropdown of actions (str.format: each value escaped by the caller).
_ACTIONS_CELL = (
    '<div class="dropdown" data-hx-boost="false">'
    '<button class="btn btn-sm btn-light border actions-toggle" type="button" '
    'data-bs-toggle="dropdown" data-bs-popper-config=\'{{"strategy":"fixed"}}\' '
    'aria-expanded="false" aria-label="{label}">'
    '<i class="bi bi-three-dots" aria-hidden="true"></i></button>'
    '<ul class="dropdown-menu dropdown-menu-end shadow-sm">{edit}'
    '<li><a class="dropdown-item" href="{history}">'
    '<i class="bi bi-clock-history me-2" aria-hidden="true"></i>{history_label}</a></li>{offboard}'
    "</ul></div>"
)
_ACTIVE = CustomerStatus.ACTIVE.label


def at_offboarding(header) -> str:
    """An export's "<count> at offboarding" header, in the reader's language when shown."""
    # Translators: an export column's header, e.g. "MDR Cloud Users at offboarding".
    return format_lazy(_("{header} at offboarding"), header=header)


def _e(value: object) -> str:
    """``value`` as HTML text: Django's escape() without its lazy-text wrapper (same output)."""
    return html.escape(str(value))


# The columns whose presence depends on the license's tier (see CustomerAccountTable.tier_columns).
TIER_COLUMNS = ("license_users", "cloud_users", "sat_users", "primary_license")
# The export's figure at offboarding of each count column, named after it: an offboarded
# customer holds 0 now, and these say what it held (its allocations, kept inactive).
AT_OFFBOARDING = {
    name: f"{name}_offboarded" for name in ("license_users", "cloud_users", "sat_users")
}


@dataclass(frozen=True)
class CustomerRow:
    """One row of the customer table on a page, ready to print (both parts safe HTML)."""

    attrs: str  # the <tr>'s attributes: its classes and the customer's id
    cells: str  # its <td> cells, formatted and escaped


class CustomerAccountTable(_PagedTable):
    """The customer list of a license: the page, its htmx partial and its Excel export.

    Every column is declared here once, with its header, its cell, its order and its export
    column; every data column sorts on the server. The page prints ``page_rows()``, values the
    database selects and each column's ``cell`` formats (no model instances, no per-cell
    templates); the export streams ``export_columns()`` of every row (licenses.exports); the API
    sorts by ``orderings()``.
    """

    row_noun = "customer"  # "Showing 1–50 of 1,790 customers"

    # Ties fall back to the name (A to Z) and id, so a page boundary never repeats or loses a row.
    legal_name = LegalNameColumn(_("Legal name"), width=36)
    # Headers of the counts and which of them a license has: tier_columns().
    license_users = CountColumn(_("Users"), width=18)
    cloud_users = CountColumn(policy.CLOUD_COUNT.label, width=18)
    sat_users = CountColumn(policy.SAT_COUNT.label, width=20)
    primary_license = CustomerColumn(
        _("Customer's tier"),
        accessor="license__tier",
        field="license__tier",
        choices=ServiceTier,
        width=16,
    )
    sub_partner = CustomerColumn(
        _("Sub-Partner"),
        accessor="sub_partner__name",
        field="sub_partner__name",
        default="—",
        width=24,
        attrs={"th": {"class": "text-nowrap"}},
    )
    status = StatusColumn(
        _("Status"), choices=CustomerStatus, attrs={"th": {"class": "text-nowrap"}}
    )
    onboarded_at = DateColumn(
        pgettext_lazy("date", "Onboarded"), width=13, attrs={"th": {"class": "text-nowrap"}}
    )
    # The export's own columns; the page shows them inside the status and legal name cells.
    offboarded_at = DateColumn(
        pgettext_lazy("date", "Offboarded"), width=13, visible=False, orderable=False
    )
    license_users_offboarded = CountColumn(_("Users at offboarding"), export_only=True)
    cloud_users_offboarded = CountColumn(at_offboarding(policy.CLOUD_USERS_LABEL), export_only=True)
    sat_users_offboarded = CountColumn(at_offboarding(policy.SAT_COUNT.label), export_only=True)
    website = CustomerColumn(_("Web Site"), width=32, visible=False, orderable=False)
    admin_email = CustomerColumn(
        _("MDR Portal Administrator Email"), width=34, visible=False, orderable=False
    )
    # Sticky at the right edge of the table's scroll box (lmp.css): on a phone the table scrolls
    # sideways, and the actions stay on screen.
    actions = ActionsColumn(
        _("Actions"),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "text-end col-actions"}, "td": {"class": "text-end col-actions"}},
    )

    class Meta:
        model = CustomerAccount
        fields = ()
        template_name = "licenses/_customer_tables2.html"
        order_by = "legal_name"
        empty_text = _("No customers.")  # the template shows a fuller empty state
        attrs = {"class": "table table-hover table-striped align-middle mb-0 table-customers"}

    def __init__(
        self,
        data,
        *,
        license: VolumeLicense,
        show_cloud: bool,
        can_change: bool = True,
        fields: Mapping[str, str] | None = None,
        **kwargs,
    ) -> None:
        shown = self.tier_columns(license, show_cloud=show_cloud)
        exclude = [name for name in TIER_COLUMNS if name not in shown]
        exclude += [AT_OFFBOARDING[name] for name in exclude if name in AT_OFFBOARDING]
        if fields:
            # The list as it stood (licenses.history_as_of): what customers held when offboarded
            # is today's question, not the past's.
            exclude += list(AT_OFFBOARDING.values())
        super().__init__(data, exclude=exclude, **kwargs)
        # ``fields``: the columns whose value the queryset holds under another name (the legal
        # name, status and offboarding date as they stood); cells, sort and export read it.
        for name, field in (fields or {}).items():
            self.columns[name].column.field = field
        self.license = license
        # Whether the viewer's role may change customers (lmp.partners.roles.CHANGE_CUSTOMERS):
        # without it a row's actions are its History alone.
        self.can_change = can_change
        for name, header in shown.items():
            self.columns[name].column.verbose_name = header
            if name in AT_OFFBOARDING and AT_OFFBOARDING[name] not in exclude:
                self.columns[AT_OFFBOARDING[name]].column.verbose_name = at_offboarding(header)

    @classmethod
    def orderings(cls) -> dict[str, CustomerOrder]:
        """Every order of the list, by its ``?sort=`` value ("-" for descending)."""
        orders = {}
        for name, column in cls.base_columns.items():
            if column.orderable is not False:  # None: as the table (Meta.orderable, True)
                orders[name] = column.ordering(name, descending=False)
                orders[f"-{name}"] = column.ordering(name, descending=True)
        return orders

    @staticmethod
    def tier_columns(license: VolumeLicense, *, show_cloud: bool) -> dict[str, str]:
        """The tier-dependent columns this license's list has, with their headers.

        The counts a customer of the tier has, and their labels, are the seat policy's
        (``policy.count_fields``); on this list the tier's own users are the "users of this
        license" column. ``show_cloud``: the license's owner has an MDR Cloud license, which its
        customers' separate cloud users are drawn from.
        """
        if license.tier == ServiceTier.CLOUD:
            # The Cloud pool serves customers of every tier: the tier tells them apart.
            return {"license_users": license.users_label, "primary_license": _("Customer's tier")}
        column_of = {policy.TIER_USERS: "license_users"}
        return {
            column_of.get(count.field, count.field): count.label
            for count in policy.count_fields(tier=license.tier, has_cloud=show_cloud)
        }

    def export_columns(self) -> list[BoundColumn]:
        """The export's columns in order: every column of this list but the page's own."""
        return [bound for bound in self.columns.iterall() if not bound.column.exclude_from_export]

    def page_rows(self) -> list[CustomerRow]:
        """The rows of the current page, each cell made by its column (one query).

        django-tables2's generic cells (a signature inspection, attributes and often a template
        per cell), and model instances with their relations, cost more than the rest of the page;
        here the database selects each column's value and each column's ``cell`` makes its cell.
        """
        # Every column with a value, shown here or not (the legal name's cell shows the web site
        # and e-mail), but those only the export's query selects.
        read = [bound for bound in self.export_columns() if not bound.column.export_only]
        rows = self.page.object_list.data if hasattr(self, "page") else self.data.data
        values = rows.values_list("pk", *(bound.column.select(bound.name) for bound in read))
        names = ["pk", *(bound.name for bound in read)]
        cells = [(self._td(bound), bound.column.cell) for bound in self.columns]
        self._urls = self._url_patterns()
        page = []
        for row in (dict(zip(names, row, strict=True)) for row in values):
            html_cells = "".join([f"{td}{cell(row, self)}</td>" for td, cell in cells])
            offboarded = (
                "" if row["status"] == CustomerStatus.ACTIVE else " customer-row-offboarded"
            )
            attrs = f'class="customer-row{offboarded}" data-customer="{row["pk"]:d}"'
            # Safe: every value in a cell went through _e() (see the columns' cell methods).
            page.append(CustomerRow(attrs=mark_safe(attrs), cells=mark_safe(html_cells)))  # noqa: S308
        return page

    @staticmethod
    def _td(bound: BoundColumn) -> str:
        attrs = bound.attrs["td"].as_html()
        return f"<td {attrs}>" if attrs else "<td>"  # as_html() escaped the values

    def _url_patterns(self) -> dict[str, str]:
        """Each row action's URL with a placeholder id: one reverse() per action for the page."""
        kwargs = {"license_pk": self.license.pk, "pk": _PK_PLACEHOLDER}
        actions = ("edit", "history", "offboard") if self.can_change else ("history",)
        return {name: reverse(f"licenses:customer_{name}", kwargs=kwargs) for name in actions}

    def row_url(self, action: str, pk: int) -> str:
        return self._urls[action].replace(f"/{_PK_PLACEHOLDER}/", f"/{pk}/", 1)


def _short_date(value: dt.date | None) -> str:
    """The date as every page writes it (``DATE_FORMAT``, lmp/formats/en/formats.py; "" for no
    date)."""
    return "" if value is None else date_format(value, "DATE_FORMAT")


def _then_latest(*keys):
    """A history column's ``order_<name>``: by ``keys`` (empty last), then newest first."""

    def order(self, queryset, is_descending: bool):
        exprs = [F(k) if isinstance(k, str) else k for k in keys]
        ordered = [
            e.desc(nulls_last=True) if is_descending else e.asc(nulls_last=True) for e in exprs
        ]
        # Newest first within equal keys, then the id: a page boundary never repeats a row.
        return queryset.order_by(*ordered, "-at", "-pk"), True

    return order


@dataclass(frozen=True)
class ExportCell:
    """One column of a table's export: its sheet column and its value from a record."""

    column: XlsxColumn
    value: Callable[[Any], Any]


class _ExportedColumn:
    """A column that also names its export's columns (``export``: the cells of its record)."""

    def __init__(self, *args, export: Sequence[ExportCell] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.export = tuple(export)


class HistoryColumn(_ExportedColumn, tables.Column):
    """A column of the history table and its columns in the export."""


class HistoryTemplateColumn(_ExportedColumn, tables.TemplateColumn):
    """A column of the history table drawn by a template, and its columns in the export."""


def _local_datetime(value: dt.datetime) -> dt.datetime:
    """Local wall-clock time, without a zone: Excel has no time zones (openpyxl refuses them)."""
    return timezone.localtime(value).replace(tzinfo=None)


class AllocationEventTable(_PagedTable):
    """Recorded allocation changes, newest first; a license page or a customer page shows it."""

    row_noun = "change"

    # Each column's ``export``: its columns in the export's History sheet (export_columns()).
    at = HistoryTemplateColumn(
        template_name="licenses/_cell_history_at.html",
        verbose_name=_("When"),
        order_by=("at", "pk"),
        attrs={"th": {"class": "text-nowrap"}},
        export=[ExportCell(XlsxColumn(_("When"), 17, "datetime"), lambda e: _local_datetime(e.at))],
    )
    customer = HistoryTemplateColumn(
        template_name="licenses/_cell_history_customer.html",
        verbose_name=_("Customer"),
        export=[
            ExportCell(
                XlsxColumn(_("Customer"), 36),
                lambda e: e.customer.legal_name if e.customer_id else "",
            )
        ],
    )
    license = HistoryColumn(
        verbose_name=_("License"),
        accessor="license__tier",
        export=[ExportCell(XlsxColumn(_("License"), 15), lambda e: e.license.get_tier_display())],
    )
    what = HistoryColumn(
        verbose_name=_("What changed"),
        export=[ExportCell(XlsxColumn(_("What changed"), 22), lambda e: e.what_display)],
    )
    change = HistoryTemplateColumn(
        template_name="licenses/_cell_history_change.html",
        verbose_name=_("From → to"),
        accessor="change_text",  # never empty (a rename has no numbers); sorted by order_change
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}},
        # A renamed customer: the names, as text, in the From and To columns (no change figure).
        export=[
            ExportCell(
                XlsxColumn(_("From"), 11, "int"),
                lambda e: text_value(e.what, e.from_text) if e.is_text else e.from_value,
            ),
            ExportCell(
                XlsxColumn(_("To"), 11, "int"),
                lambda e: text_value(e.what, e.to_text) if e.is_text else e.to_value,
            ),
            ExportCell(XlsxColumn(_("Change"), 11, "signed"), lambda e: e.delta),
        ],
    )
    kind = HistoryTemplateColumn(
        template_name="licenses/_cell_history_kind.html",
        verbose_name=_("Action"),
        export=[ExportCell(XlsxColumn(_("Action"), 20), lambda e: e.get_kind_display())],
    )
    # Who, and where (the portal, vendor admin, the API): two columns in the export.
    actor = HistoryTemplateColumn(
        template_name="licenses/_cell_history_actor.html",
        verbose_name=_("By"),
        attrs={"th": {"class": "text-nowrap"}},
        export=[
            ExportCell(XlsxColumn(_("Changed by"), 20), lambda e: e.actor_label),
            ExportCell(XlsxColumn(_("Made in"), 13), lambda e: e.get_source_display()),
        ],
    )

    class Meta:
        model = AllocationEvent
        fields = ()
        template_name = "licenses/_history_tables2.html"
        order_by = "-at"
        empty_text = _("No changes.")  # the template shows a fuller empty state
        attrs = {
            "class": "table table-hover table-striped align-middle mb-0 table-customers "
            "table-history"
        }
        row_attrs = {"class": "history-row", "data-event": lambda record: record.pk}

    def __init__(self, data, *, exclude=(), license: VolumeLicense | None = None, **kwargs):
        super().__init__(data, exclude=exclude, **kwargs)
        self.license = license

    order_customer = _then_latest(Lower("customer__legal_name"))
    order_license = _then_latest("license__tier")
    order_what = _then_latest("what")
    # By the size of the change: the biggest cut or increase at either end.
    order_change = _then_latest(F("to_value") - F("from_value"))
    order_kind = _then_latest("kind")
    order_actor = _then_latest("actor__username")

    def render_license(self, record: AllocationEvent) -> str:
        return record.license.get_tier_display()

    def render_what(self, record: AllocationEvent) -> str:
        return record.what_display

    @classmethod
    def export_columns(cls) -> list[ExportCell]:
        """The export's History sheet: every column's export columns, in the table's order."""
        return [cell for column in cls.base_columns.values() for cell in column.export]
