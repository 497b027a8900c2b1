"""The customer table of a license page (django-tables2: server-side sorting and pagination)."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import F

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense

PER_PAGE = 50
# ``?per_page=`` is honoured by django-tables2; cap it so one request cannot ask for everything.
MAX_PER_PAGE = 200

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end tabular-nums"}}


def _row_class(record: CustomerAccount) -> str:
    return "customer-row" if record.is_active else "customer-row customer-row-offboarded"


def _then_name(field: str):
    """A column's ``order_<name>``: by ``field`` (empty values last either way), then by name."""

    def order(self, queryset, is_descending: bool):
        key = F(field).desc(nulls_last=True) if is_descending else F(field).asc(nulls_last=True)
        return queryset.order_by(key, "name_key", "pk"), True

    return order


class CustomerAccountTable(tables.Table):
    """Customers holding seats of one license; every data column sorts on the server."""

    # Ties fall back to the name (A to Z) and id, so a page boundary never repeats or loses a row.
    legal_name = tables.TemplateColumn(
        template_name="licenses/_cell_legal_name.html", verbose_name="Legal name",
        order_by=("name_key", "pk"),
    )
    license_users = tables.Column(verbose_name="Users", attrs=NUMBER)
    cloud_users = tables.Column(verbose_name="MDR Cloud Users", attrs=NUMBER)
    sat_users = tables.Column(verbose_name="Beauceron SAT Users", attrs=NUMBER)
    primary_license = tables.Column(verbose_name="Customer's tier", accessor="license__tier")
    sub_partner = tables.Column(
        verbose_name="Sub-Partner", accessor="sub_partner__name", default="—",
        attrs={"th": {"class": "text-nowrap"}},
    )
    status = tables.TemplateColumn(
        template_name="licenses/_cell_status.html", verbose_name="Status",
        attrs={"th": {"class": "text-nowrap"}},
    )
    onboarded_at = tables.DateColumn(
        verbose_name="Onboarded", format="M j, Y", attrs={"th": {"class": "text-nowrap"}},
    )
    actions = tables.TemplateColumn(
        template_name="licenses/_cell_actions.html", verbose_name="Actions", orderable=False,
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}},
    )

    class Meta:
        model = CustomerAccount
        fields = ()
        template_name = "licenses/_tables2.html"
        order_by = "legal_name"
        empty_text = "No customers."  # the template shows a fuller empty state
        attrs = {"class": "table table-hover table-striped align-middle mb-0 table-customers"}
        row_attrs = {"class": _row_class, "data-customer": lambda record: record.pk}

    def __init__(
        self, data, *, license: VolumeLicense, show_cloud: bool, **kwargs
    ) -> None:
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

    def paginate(self, *args, per_page: int = PER_PAGE, **kwargs):
        return super().paginate(*args, per_page=max(1, min(per_page, MAX_PER_PAGE)), **kwargs)

    order_license_users = _then_name("license_users")
    order_cloud_users = _then_name("cloud_users")
    order_sat_users = _then_name("sat_users")
    order_primary_license = _then_name("license__tier")
    order_sub_partner = _then_name("sub_partner__name")
    order_status = _then_name("status")
    order_onboarded_at = _then_name("onboarded_at")

    def render_license_users(self, value: int) -> str:
        return intcomma(value)

    def render_cloud_users(self, value: int) -> str:
        return intcomma(value)

    def render_sat_users(self, value: int) -> str:
        return intcomma(value)
