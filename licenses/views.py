"""License tab, license page (dashboard + customer table), customer edit/offboard, Excel export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, ListView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from licenses import policy, services
from licenses.bulk_workbook import (
    bulk_token,
    bulk_token_read,
    bulk_workbook_read,
    bulk_workbook_write,
)
from licenses.charts import customer_usage_chart, license_usage_chart
from licenses.choices import (
    ADMIN_EMAIL_LABEL,
    LEGAL_NAME_LABEL,
    PRICE_LABEL,
    RENEWAL_LABEL,
    SEAT_COMMITMENT_LABEL,
    STATUS_LABEL,
    WEBSITE_LABEL,
    CustomerStatus,
    ServiceTier,
    quoted,
)
from licenses.exports import customers_export
from licenses.filters import AllocationEventFilterSet, CustomerAccountFilterSet
from licenses.forecast import seat_forecast
from licenses.forms import (
    AsOfForm,
    BulkEditUploadForm,
    CustomerAccountForm,
    LowSeatsThresholdForm,
    RenewalPlanForm,
)
from licenses.history_as_of import (
    AS_OF_FIELDS,
    as_of_instant,
    license_customers_as_of,
    license_then,
    licenses_then,
)
from licenses.history_state import history_complete_from
from licenses.mixins import CustomerMixin, HtmxPartialMixin, LicenseMixin
from licenses.models import VolumeLicense
from licenses.selectors import (
    cloud_license_for,
    cloud_pool_for,
    commitment_changes_scheduled,
    customer_events,
    license_banners,
    license_customers,
    license_events,
    license_is_own,
    license_list,
)
from licenses.tables import (
    PER_PAGE,
    AllocationEventTable,
    CountedPaginator,
    CustomerAccountTable,
)
from licenses.usage import customer_usage, license_usage
from lmp.core.l10n import count
from lmp.core.xlsx import XLSX_CONTENT_TYPE
from lmp.partners import roles
from lmp.partners.mixins import PartnerMixin

# The customer's own details a history can show changes of (Edit page, admin).
CUSTOMER_DETAIL_LABELS = (LEGAL_NAME_LABEL, STATUS_LABEL, WEBSITE_LABEL, ADMIN_EMAIL_LABEL)
# A license's own terms, in the owner's history (sub-partners see customers' changes only).
LICENSE_TERMS_LABELS = (SEAT_COMMITMENT_LABEL, PRICE_LABEL, RENEWAL_LABEL)


def new_customer_url(license: VolumeLicense) -> str:
    """Onboarding for this license; the Customer Onboarding tab until the wizard route exists."""
    try:
        return reverse("onboarding:wizard", kwargs={"license_pk": license.pk})
    except NoReverseMatch:
        return reverse("onboarding:start")


def seat_figures(license: VolumeLicense) -> list[str]:
    """What a customer holds of ``license``, as history names it: its users (and SAT users)."""
    # The pool's own counts: a customer's MDR Cloud users are the Cloud pool's figure.
    return [field.label for field in policy.count_fields(tier=license.tier, has_cloud=False)]


def license_page_url(license: VolumeLicense) -> str:
    """The license page (dashboard and customers)."""
    return reverse("licenses:license_detail", kwargs={"pk": license.pk})


class AsOfMixin:
    """``?as_of=YYYY-MM-DD``: the page as it stood at the end of that day, read-only.

    ``self.as_of`` is the day (None: the live page, also when the date is refused: the form then
    says why, next to its field) and ``self.instant`` its last instant. Templates read ``as_of``
    and ``as_of_form``.
    """

    as_of: dt.date | None = None
    instant: dt.datetime | None = None

    def load_as_of(self) -> None:
        data = self.request.GET if "as_of" in self.request.GET else None
        self.as_of_form = AsOfForm(data, today=timezone.localdate())
        if data is not None and self.as_of_form.is_valid():
            self.as_of = self.as_of_form.cleaned_data["as_of"]
            self.instant = as_of_instant(self.as_of)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("as_of", self.as_of)
        kwargs.setdefault("as_of_form", self.as_of_form)
        return super().get_context_data(**kwargs)


class LicenseListView(AsOfMixin, PartnerMixin, ListView):
    """The License tab: the partner's own and shared volume licenses (live, or as of a date)."""

    template_name = "licenses/license_list.html"
    context_object_name = "licenses"

    def load_objects(self) -> None:
        super().load_objects()
        self.load_as_of()

    def get_queryset(self):
        visible = license_list(partner=self.partner)
        if self.as_of is None:
            return visible
        then = licenses_then(
            partner=self.partner, licenses=[seen.license for seen in visible], instant=self.instant
        )
        return [then[seen.license.pk].visible(is_own=seen.is_own) for seen in visible]

    def get_context_data(self, **kwargs):
        kwargs["banners"] = (
            []  # today's alerts are not the past's
            if self.as_of
            else license_banners(
                partner=self.partner,
                licenses=[visible.license for visible in self.object_list],
                today=timezone.localdate(),
            )
        )
        return super().get_context_data(**kwargs)


def threshold_initial(license: VolumeLicense) -> dict:
    return {
        "low_seats_threshold": license.low_seats_threshold,
        "low_seats_unit": license.low_seats_unit,
    }


class LicenseThresholdView(LicenseMixin, FormView):
    """The low-seats threshold of one of the partner's own licenses (Administrators, Allocators).

    The license page carries the form; a refused value comes back here, next to its field.
    """

    template_name = "licenses/license_threshold.html"
    form_class = LowSeatsThresholdForm
    permission_required = roles.CHANGE_CUSTOMERS

    def load_objects(self) -> None:
        super().load_objects()
        if not license_is_own(partner=self.partner, license=self.license):
            raise Http404("Only the license's owner sets its low-seats alert.")

    def get_initial(self):
        return threshold_initial(self.license)

    def form_valid(self, form):
        try:
            services.license_threshold_set(
                actor=self.request.user,
                partner=self.partner,
                license=self.license,
                threshold=form.cleaned_data["low_seats_threshold"],
                unit=form.cleaned_data["low_seats_unit"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        level = self.license.low_seats_level
        if level is None:
            messages.success(self.request, _("Low-seats alert turned off."))
        else:
            messages.success(
                self.request,
                ngettext(
                    "Low-seats alert saved: you will be told when unallocated falls below "
                    "%(count)s user.",
                    "Low-seats alert saved: you will be told when unallocated falls below "
                    "%(count)s users.",
                    level,
                )
                % {"count": count(level)},
            )
        return HttpResponseRedirect(license_page_url(self.license))


class RenewalMixin(LicenseMixin):
    """Plan the renewal of one of the partner's own licenses (its Administrators): a sub-partner
    gets a 404 (the commitment is its owner's), another role a 403."""

    permission_required = roles.BUY_SEATS

    def load_objects(self) -> None:
        super().load_objects()
        if not self.is_own:
            raise Http404("Only the license's owner plans its renewal.")
        self.scheduled = commitment_changes_scheduled(
            partner=self.partner, licenses=[self.license]
        ).get(self.license.pk)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("scheduled", self.scheduled)
        return super().get_context_data(**kwargs)


class LicenseRenewalView(RenewalMixin, FormView):
    """Plan the renewal: the seat commitment from the renewal date, and the change scheduled."""

    template_name = "licenses/license_renewal.html"
    form_class = RenewalPlanForm

    def form_valid(self, form):
        try:
            change = services.commitment_change_schedule(
                actor=self.request.user,
                partner=self.partner,
                license=self.license,
                new_commitment=form.cleaned_data["new_commitment"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Renewal planned: from %(date)s the seat commitment will be %(count)s users.")
            % {"date": date_format(change.renewal_date), "count": count(change.new_commitment)},
        )
        return HttpResponseRedirect(license_page_url(self.license))


class LicenseRenewalCancelView(RenewalMixin, TemplateView):
    """Cancel the change scheduled for the renewal: a confirmation, then POST."""

    template_name = "licenses/license_renewal_cancel.html"

    def post(self, request, *args, **kwargs):
        try:
            services.commitment_change_cancel(
                actor=request.user, partner=self.partner, license=self.license
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The change planned for the renewal is cancelled."))
        return HttpResponseRedirect(license_page_url(self.license))


class FilteredTableView(HtmxPartialMixin, SingleTableMixin, FilterView):
    """A page with a filter form and a sortable, paginated table whose body htmx can refresh."""

    table_pagination = {"per_page": PER_PAGE}


class LicenseDetailView(AsOfMixin, LicenseMixin, FilteredTableView):
    """License page: key metrics, then the license's customers with search, filter and sorting.

    With ``?as_of=``, the same page as it stood at the end of that day, read-only
    (licenses.history_as_of): the dashboard's figures then, the same table and filter over the
    customers as they stood.
    """

    template_name = "licenses/license_detail.html"
    missing_template_name = "licenses/license_as_of_missing.html"
    partial_template_name = "licenses/_customer_table.html"
    htmx_target = "customer-table"
    table_class = CustomerAccountTable
    filterset_class = CustomerAccountFilterSet
    # The page shows the pool's usage over time and its seat forecast; the export does not.
    with_usage = True

    def load_objects(self) -> None:
        super().load_objects()
        self.cloud_license = cloud_license_for(partner=self.license.partner)
        self.load_as_of()
        # Its customers' cloud users come from this pool (none on the MDR Cloud license itself).
        self.cloud_pool = None if self.license.tier == ServiceTier.CLOUD else self.cloud_license
        self.then = None
        if self.as_of is not None:
            self.then = license_then(
                partner=self.partner,
                license=self.license,
                instant=self.instant,
                cloud_pool=self.cloud_pool,
            )

    @property
    def did_not_exist(self) -> bool:
        """As of a day before the license existed: no figures and no table, a sentence instead."""
        return self.then is not None and not self.then.existed

    def get_template_names(self):
        if self.did_not_exist:
            return [self.missing_template_name]
        return super().get_template_names()

    def get_queryset(self):
        if self.did_not_exist:
            return license_customers(partner=self.partner, license=self.license).none()
        if self.as_of is not None:
            return license_customers_as_of(
                partner=self.partner,
                license=self.license,
                instant=self.instant,
                cloud_pool=self.cloud_pool,
            )
        return license_customers(partner=self.partner, license=self.license)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if self.as_of is not None and not self.did_not_exist:
            kwargs["fields"] = AS_OF_FIELDS
        return kwargs

    @property
    def can_change(self) -> bool:
        """Whether the page offers changes: never as of a date (read-only), else the role's."""
        return self.as_of is None and roles.allows(self.request.user, roles.CHANGE_CUSTOMERS)

    def get_table_kwargs(self):
        kwargs = {
            "license": self.license,
            "show_cloud": self.cloud_license is not None,
            "can_change": self.can_change,
        }
        if self.as_of is not None:
            kwargs["fields"] = AS_OF_FIELDS
        return kwargs

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        # The page as it opens (the owner's active customers, no search) counts exactly the
        # license's holders, which the triggers keep: no COUNT(*) over a big pool on every view.
        filterset = self.filterset
        if (
            self.is_own
            and filterset.is_valid()
            and filterset.form.cleaned_data.get("status") == CustomerStatus.ACTIVE
            and not filterset.search_text
        ):
            # As of a date, the dashboard's aggregate counted the same customers.
            holders = self.license.holder_count if self.then is None else self.then.customer_count
            pagination.update(paginator_class=CountedPaginator, count=holders)
        return pagination

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        # What the table's empty state needs to say why it is empty.
        table.search_text = self.filterset.search_text
        table.filter_error = self.filterset.error_text
        table.status_filter = self.filterset.form.data.get("status", "")
        table.new_customer_url = new_customer_url(self.license) if self.can_change else None
        return table

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        license = self.license
        if self.then is not None:
            # The dashboard reads the license's figures then from a read-only stand-in.
            license = self.then.as_license()
            kwargs.update(
                license=license,
                visible=self.then.visible(is_own=self.is_own),
            )
            history_from = history_complete_from(self.license)
            kwargs.update(
                history_from=history_from,
                # Before the history was complete, the figures rest on its baseline.
                history_approximate=history_from is not None
                and self.as_of < timezone.localtime(history_from).date(),
            )
            today = self.as_of
        kwargs.update(
            new_customer_url=new_customer_url(self.license),
            days_to_renewal=(license.renewal_date - today).days,
            shared_by=None if self.is_own else self.license.partner,
            banners=[]  # today's alerts are not the past's
            if self.as_of
            else license_banners(partner=self.partner, licenses=[self.license], today=today),
            threshold_form=LowSeatsThresholdForm(initial=threshold_initial(self.license)),
        )
        # The commitment planned for the renewal: the owner's page of today only (not the export).
        if "scheduled" not in kwargs:
            own_today = (
                self.with_usage
                and self.is_own
                and self.then is None
                and not self.is_partial_request()
            )
            kwargs["scheduled"] = (
                commitment_changes_scheduled(partner=self.partner, licenses=[self.license]).get(
                    self.license.pk
                )
                if own_today
                else None
            )
        # A fragment also refreshes the filter's error message (out of band), and one asked for
        # by the search box or the status filter says what it found (a polite live region).
        partial = self.is_partial_request()
        kwargs.setdefault("partial", partial)
        trigger = partial and self.request.htmx.trigger_name
        kwargs.setdefault("announce", bool(trigger) and trigger in self.filterset.form.fields)
        # Usage over time (the pool's allocated against its commitment) and the seat forecast,
        # both from one series (licenses.usage, two queries): the owner's whole live page only
        # (a sub-partner does not see the owner's commitment; a past date shows the past).
        if self.with_usage and not partial and self.is_own and self.as_of is None:
            usage = license_usage(self.license, today=today)
            kwargs.setdefault("usage_chart", license_usage_chart(usage, license=self.license))
            kwargs.setdefault("forecast", seat_forecast(self.license, today=today, usage=usage))
        return super().get_context_data(**kwargs)


class LicenseExportView(LicenseDetailView):
    """Export to Excel: the license page's table, every row, with its search, filter and sort.

    The same filter set, table class and columns as the page (as NetBox's ObjectListView exports
    its table): only the response differs, a workbook streamed from disk.
    """

    permission_required = roles.EXPORT
    with_usage = False  # a workbook: no chart, no forecast

    def get(self, request, *args, **kwargs):
        if self.did_not_exist:
            raise Http404("The license did not exist yet on that day.")
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if self.as_of is not None:
            return super().get_queryset()
        # Every row is read: a join for the cloud users serves that best.
        return license_customers(partner=self.partner, license=self.license, every_row=True)

    def get_table_pagination(self, table):
        return False  # every row; the table still applies the page's ?sort=

    def render_to_response(self, context, **response_kwargs):
        filterset, table = self.filterset, context["table"]
        # The History sheet: the same customers' changes when searching, else the whole pool's.
        events = license_events(partner=self.partner, license=self.license)
        history_description = (
            _("Every change on this license")
            if self.is_own
            else _("Changes of the customers you manage on this license")
        )
        if self.instant is not None:
            events = events.filter(at__lte=self.instant)  # the changes up to that day
        if filterset.search_text:
            events = events.filter(customer__in=filterset.qs.values("pk"))
            history_description = _("Changes of the customers exported (%(which)s)") % {
                "which": self.describe(filterset)
            }
        file, filename = customers_export(
            partner=self.partner,
            license=self.license,
            table=table,
            description=self.describe(filterset),
            events=events,
            history_description=history_description,
            filter_error=filterset.error_text,
            status=filterset.form.cleaned_data.get("status", "") if filterset.is_valid() else "",
            as_of=self.as_of,
        )
        return FileResponse(
            file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )

    @staticmethod
    def describe(filterset: CustomerAccountFilterSet) -> str:
        parts = []
        if filterset.is_valid():
            status = filterset.form.cleaned_data.get("status")
            if status == CustomerStatus.ACTIVE:
                parts.append(_("Active customers"))
            elif status == CustomerStatus.OFFBOARDED:
                parts.append(_("Offboarded customers"))
            else:
                parts.append(_("All customers"))
            if filterset.search_text:
                parts.append(_("search %(text)s") % {"text": quoted(filterset.search_text)})
        # Translators: separates the parts of an export's description ("Active customers, …").
        return _(", ").join(parts)


class CustomerEditView(CustomerMixin, FormView):
    """Edit page: legal name, web site, administrator e-mail and users; remaining users of each
    pool follow what is typed. The welcome can be resent from here (onboarding's view)."""

    template_name = "licenses/customer_edit.html"
    form_class = CustomerAccountForm
    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        if not self.customer.is_active:
            return self.refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.customer.is_active:
            return self.refuse()
        return super().post(request, *args, **kwargs)

    def refuse(self):
        messages.error(
            self.request,
            _("%(name)s is offboarded; an offboarded customer cannot be edited.")
            % {"name": self.customer.legal_name},
        )
        return HttpResponseRedirect(license_page_url(self.license))

    def get_form_kwargs(self):
        # The customer comes with what it holds (the selector annotates its counts): the form
        # needs no read of its own, and the service reads the allocations once, under its lock.
        kwargs = super().get_form_kwargs()
        kwargs.update(customer=self.customer, cloud_license=self.cloud_license)
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            changes = services.customer_update(
                customer=self.customer,
                legal_name=data["legal_name"],
                tier_users=data["tier_users"],
                cloud_users=data["cloud_users"],
                sat_users=data["sat_users"],
                website=data.get("website"),
                admin_email=data.get("admin_email"),
                actor=self.request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        name = data["legal_name"] if not changes else self.customer_name_after(changes)
        if changes:
            messages.success(
                self.request,
                # Translators: %(changes)s lists the changes, e.g. "MDR Core Users 10 → 12".
                _("%(name)s saved: %(changes)s.")
                % {"name": name, "changes": _("; ").join(str(c) for c in changes)},
            )
        else:
            messages.info(self.request, _("No changes to %(name)s.") % {"name": name})
        return HttpResponseRedirect(license_page_url(self.license))

    def customer_name_after(self, changes: list[services.Change]) -> str:
        renamed = next((c for c in changes if c.label == LEGAL_NAME_LABEL), None)
        return str(renamed.new) if renamed else self.customer.legal_name

    def get_context_data(self, **kwargs):
        form = kwargs.get("form")
        if form is None:
            form = kwargs["form"] = self.get_form()
        # The remaining-users boxes, as the policy computes them; seats.js keeps them live.
        kwargs["pools"] = form.pool_boxes(partner=self.partner)
        return super().get_context_data(**kwargs)


class CustomerOffboardView(CustomerMixin, TemplateView):
    """Offboard: a confirmation naming the seats that go back to each pool, then a POST."""

    template_name = "licenses/customer_offboard.html"
    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        if not self.customer.is_active:
            messages.info(
                request,
                _("%(name)s is already offboarded.") % {"name": self.customer.legal_name},
            )
            return HttpResponseRedirect(license_page_url(self.license))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # What the customer holds came with it (customer_page_get): no read of its allocations.
        customer = self.customer
        held = [(customer.license, customer.tier_users), (self.cloud_license, customer.cloud_users)]
        kwargs["returns"] = [
            {
                "license": license,
                "seats": seats,
                "phrase": _("%(users)s return to the %(tier)s pool")
                % {
                    "users": policy.users_phrase(seats, license.tier),
                    "tier": license.get_tier_display(),
                },
                # The pool's unallocated once they are back: what this customer may have of it.
                "unallocated_after": policy.allowance(license=license, held=seats).available,
            }
            for license, seats in held
            if license is not None and seats
        ]
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        try:
            released = services.customer_offboard(customer=self.customer, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(license_page_url(self.license))
        pools = [
            _("%(users)s returned to the %(tier)s pool")
            % {
                "users": policy.users_phrase(seats, license.tier),
                "tier": license.get_tier_display(),
            }
            for license, seats in sorted(released.items(), key=lambda item: item[0].pk)
            if seats
        ]
        name = self.customer.legal_name
        if not pools:
            text = _("%(name)s was offboarded.") % {"name": name}
        elif len(pools) == 1:
            text = _("%(name)s was offboarded. %(pool)s.") % {"name": name, "pool": pools[0]}
        else:
            text = _("%(name)s was offboarded. %(pool)s and %(other)s.") % {
                "name": name,
                "pool": pools[0],
                "other": pools[1],
            }
        messages.success(request, text)
        return HttpResponseRedirect(license_page_url(self.license))


class HistoryView(FilteredTableView):
    """A history page: recorded allocation changes with filters, newest first."""

    template_name = "licenses/license_history.html"
    partial_template_name = "licenses/_history_table.html"
    htmx_target = "history-table"
    table_class = AllocationEventTable
    filterset_class = AllocationEventFilterSet
    search = True

    def what_choices(self) -> list[str]:
        """The figures this page's events can be about, for the "Figure" filter."""
        raise NotImplementedError

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(what_choices=self.what_choices(), search=self.search)
        return kwargs

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.is_filtered = self.filterset.is_filtered
        return table

    def get_context_data(self, **kwargs):
        # A fragment also refreshes the toolbar's "Clear filters" (out of band).
        kwargs.setdefault("partial", self.is_partial_request())
        return super().get_context_data(**kwargs)


class LicenseHistoryView(LicenseMixin, HistoryView):
    """History of one license: every change of its seats and of its seat commitment."""

    def get_queryset(self):
        return license_events(partner=self.partner, license=self.license)

    def what_choices(self) -> list[str]:
        choices = seat_figures(self.license)
        # Its customers' MDR Cloud Users are a column of its page, so a figure of its history.
        cloud = cloud_pool_for(license=self.license)
        if cloud is not None:
            choices.append(cloud.users_label)
        choices.extend(CUSTOMER_DETAIL_LABELS)
        if self.is_own:  # sub-partners see customers' changes only
            choices.extend(LICENSE_TERMS_LABELS)
        return choices

    def get_table_kwargs(self):
        return {"exclude": ("license",), "license": self.license}


class CustomerHistoryView(CustomerMixin, HistoryView):
    """History of one customer: its seats on its own license and on MDR Cloud."""

    template_name = "licenses/customer_history.html"
    search = False

    def get_queryset(self):
        return customer_events(partner=self.partner, customer=self.customer)

    def what_choices(self) -> list[str]:
        choices = seat_figures(self.customer.license)
        if self.cloud_license is not None:
            choices.append(self.cloud_license.users_label)
        choices.extend(CUSTOMER_DETAIL_LABELS)
        return choices

    def get_table_kwargs(self):
        return {"exclude": ("customer",), "license": self.license}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("cloud_license", self.cloud_license)
        # Its users over time, per pool: the whole page only, not a refresh of its table.
        if not self.is_partial_request():
            usage = customer_usage(self.customer)
            kwargs.setdefault("usage_chart", customer_usage_chart(usage, customer=self.customer))
        return super().get_context_data(**kwargs)


# --- bulk edit through Excel (issue 24 §1) -----------------------------------------------------


class LicenseBulkEditView(LicenseMixin, FormView):
    """Bulk edit: download the workbook, upload it back, see the preview (nothing changes yet)."""

    template_name = "licenses/bulk_edit.html"
    form_class = BulkEditUploadForm
    permission_required = roles.CHANGE_CUSTOMERS

    def form_valid(self, form):
        try:
            changes = bulk_workbook_read(file=form.cleaned_data["workbook"], license=self.license)
        except ValidationError as error:
            form.add_error("workbook", error)
            return self.form_invalid(form)
        result = services.customers_bulk_update(
            partner=self.partner,
            license=self.license,
            actor=self.request.user,
            changes=changes,
            dry_run=True,
        )
        wanted = {r.customer_id for r in result.changed}
        token = bulk_token(
            license=self.license, changes=[c for c in changes if c.customer_id in wanted]
        )
        return self.render_to_response(
            self.get_context_data(form=form, result=result, token=token, rows=len(changes))
        )


class LicenseBulkDownloadView(LicenseMixin, TemplateView):
    """The editable workbook of the license's active customers."""

    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        file, filename = bulk_workbook_write(partner=self.partner, license=self.license)
        return FileResponse(
            file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )


class LicenseBulkApplyView(LicenseMixin, TemplateView):
    """Apply a preview: every change or none, then back to the license page."""

    template_name = "licenses/bulk_edit.html"
    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        # Nothing to apply without a preview: the bulk-edit page.
        return HttpResponseRedirect(reverse("licenses:license_bulk_edit", args=[self.license.pk]))

    def post(self, request, *args, **kwargs):
        changes = bulk_token_read(request.POST.get("token", ""), license=self.license)
        if changes is None:
            messages.error(request, _("This preview has expired: upload the workbook again."))
            return self.get(request, *args, **kwargs)
        try:
            result = services.customers_bulk_update(
                partner=self.partner, license=self.license, actor=request.user, changes=changes
            )
        except services.BulkRefused as refused:
            # Something changed between the preview and the Apply: show why, nothing written.
            return self.render_to_response(
                self.get_context_data(
                    form=BulkEditUploadForm(), result=refused.result, token="", rows=len(changes)
                )
            )
        messages.success(
            request,
            ngettext(
                "Bulk edit applied: %(count)s customer changed.",
                "Bulk edit applied: %(count)s customers changed.",
                len(result.changed),
            )
            % {"count": count(len(result.changed))},
        )
        return HttpResponseRedirect(license_page_url(self.license))
