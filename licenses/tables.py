"""The customer table of a license page (django-tables2: server-side sorting and pagination)."""

from __future__ import annotations

from collections.abc import Iterator

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.functions import Lower
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from licenses.choices import ServiceTier
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense

PER_PAGE = 50
# ``?per_page=`` is honoured by django-tables2; cap it so one request cannot ask for everything.
MAX_PER_PAGE = 200

# Stands for a customer id in URLs reversed once per page (see page_records).
_PK_PLACEHOLDER = 2_147_483_647


NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end tabular-nums"}}


class CountedPaginator(Paginator):
    """A paginator given its row count (a counter the database keeps) instead of a COUNT(*)."""

    def __init__(self, object_list, per_page, *args, count: int, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count = count  # shadows Paginator.count, a cached_property


def _then_name(field: str):
    """A column's ``order_<name>``: by ``field`` (empty values last either way), then by name."""

    def order(self, queryset, is_descending: bool):
        key = F(field).desc(nulls_last=True) if is_descending else F(field).asc(nulls_last=True)
        return queryset.order_by(key, "name_key", "pk"), True

    return order


class _PagedTable(tables.Table):
    """A table paged by PER_PAGE rows, with ``?per_page=`` capped at MAX_PER_PAGE."""

    def paginate(self, *args, per_page: int = PER_PAGE, **kwargs):
        return super().paginate(*args, per_page=max(1, min(per_page, MAX_PER_PAGE)), **kwargs)


class CustomerAccountTable(_PagedTable):
    """Customers holding seats of one license; every data column sorts on the server."""

    row_noun = "customer"  # "Showing 1–50 of 1,790 customers"

    # Ties fall back to the name (A to Z) and id, so a page boundary never repeats or loses a row.
    legal_name = tables.Column(
        verbose_name="Legal name",
        order_by=("name_key", "pk"),
    )
    license_users = tables.Column(verbose_name="Users", attrs=NUMBER)
    cloud_users = tables.Column(verbose_name="MDR Cloud Users", attrs=NUMBER)
    sat_users = tables.Column(verbose_name="Beauceron SAT Users", attrs=NUMBER)
    primary_license = tables.Column(verbose_name="Customer's tier", accessor="license__tier")
    sub_partner = tables.Column(
        verbose_name="Sub-Partner",
        accessor="sub_partner__name",
        default="—",
        attrs={"th": {"class": "text-nowrap"}},
    )
    status = tables.Column(
        verbose_name="Status",
        attrs={"th": {"class": "text-nowrap"}},
    )
    onboarded_at = tables.DateColumn(
        verbose_name="Onboarded",
        format="M j, Y",
        attrs={"th": {"class": "text-nowrap"}},
    )
    actions = tables.Column(
        verbose_name="Actions",
        orderable=False,
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}},
    )

    class Meta:
        model = CustomerAccount
        fields = ()
        template_name = "licenses/_customer_tables2.html"
        order_by = "legal_name"
        empty_text = "No customers."  # the template shows a fuller empty state
        attrs = {"class": "table table-hover table-striped align-middle mb-0 table-customers"}

    def __init__(self, data, *, license: VolumeLicense, show_cloud: bool, **kwargs) -> None:
        exclude = []
        if license.tier == ServiceTier.CLOUD:
            exclude += ["cloud_users", "sat_users"]
        else:
            exclude.append("primary_license")
            if not show_cloud:
                exclude.append("cloud_users")
            if license.tier != ServiceTier.COMPLETE:
                exclude.append("sat_users")
        super().__init__(data, exclude=exclude, **kwargs)
        self.license = license
        # e.g. "MDR Complete Users": the label partners know this license's seats by.
        self.columns["license_users"].column.verbose_name = license.users_label

    @property
    def shows_cloud_users(self) -> bool:
        return "cloud_users" not in self.exclude

    @property
    def shows_sat_users(self) -> bool:
        return "sat_users" not in self.exclude

    @property
    def shows_customer_tier(self) -> bool:
        return "primary_license" not in self.exclude

    def page_records(self) -> Iterator[CustomerAccount]:
        """The page's customers, each with ``urls`` for its Edit, History and Offboard actions.

        One reverse() per action for the whole page; each row swaps in its own id.
        """
        kwargs = {"license_pk": self.license.pk, "pk": _PK_PLACEHOLDER}
        patterns = {
            name: reverse(f"licenses:customer_{name}", kwargs=kwargs)
            for name in ("edit", "history", "offboard")
        }
        placeholder = f"/{_PK_PLACEHOLDER}/"
        for row in self.page.object_list:
            record = row.record
            if record.license_id == self.license.pk:
                record.license = self.license  # the selector did not join it (no extra query)
            own = f"/{record.pk}/"
            record.urls = {name: url.replace(placeholder, own) for name, url in patterns.items()}
            yield record

    def rows_html(self) -> str:
        """The body rows of this page ("" when there are none), from a Jinja2 template.

        django-tables2's generic cell rendering (a signature inspection and a template per cell),
        and then a Django template loop, cost more than the rest of the page put together.
        """
        records = list(self.page_records())
        if not records:
            return ""
        template = engines["jinja2"].get_template("licenses/customer_rows.html")
        # Jinja2 escaped every value as it rendered (autoescape is on in its environment).
        context = {"records": records, "table": self, "tz": timezone.get_current_timezone()}
        return mark_safe(template.render(context))  # noqa: S308

    order_license_users = _then_name("license_users")
    order_cloud_users = _then_name("cloud_users")
    order_sat_users = _then_name("sat_users")
    order_primary_license = _then_name("license__tier")
    order_sub_partner = _then_name("sub_partner__name")
    order_status = _then_name("status")
    order_onboarded_at = _then_name("onboarded_at")


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


class AllocationEventTable(_PagedTable):
    """Recorded allocation changes, newest first; a license page or a customer page shows it."""

    row_noun = "change"

    at = tables.TemplateColumn(
        template_name="licenses/_cell_history_at.html",
        verbose_name="When",
        order_by=("at", "pk"),
        attrs={"th": {"class": "text-nowrap"}},
    )
    customer = tables.TemplateColumn(
        template_name="licenses/_cell_history_customer.html",
        verbose_name="Customer",
    )
    license = tables.Column(verbose_name="License", accessor="license__tier")
    what = tables.Column(verbose_name="What changed")
    change = tables.TemplateColumn(
        template_name="licenses/_cell_history_change.html",
        verbose_name="From → to",
        accessor="change_text",  # never empty (a rename has no numbers); sorted by order_change
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}},
    )
    kind = tables.TemplateColumn(
        template_name="licenses/_cell_history_kind.html",
        verbose_name="Action",
    )
    actor = tables.TemplateColumn(
        template_name="licenses/_cell_history_actor.html",
        verbose_name="By",
        attrs={"th": {"class": "text-nowrap"}},
    )

    class Meta:
        model = AllocationEvent
        fields = ()
        template_name = "licenses/_history_tables2.html"
        order_by = "-at"
        empty_text = "No changes."  # the template shows a fuller empty state
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
