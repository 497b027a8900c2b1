"""The Billing page (Administrators and Bank Details Only): no customer data on it; the Purchase
page (Administrators) and a purchase's confirmation (both); the month-end statements, their
lines and downloads (both)."""

from __future__ import annotations

import copy
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView, View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from licenses.mixins import HtmxPartialMixin
from licenses.policy import MAX_PURCHASE_USERS
from licenses.selectors import commitment_changes_scheduled, license_terms_list
from lmp.billing.exports import CSV_CONTENT_TYPE, statement_csv, statement_xlsx
from lmp.billing.filters import StatementLineFilterSet
from lmp.billing.forms import PartnerBillingForm, PurchaseForm
from lmp.billing.models import Statement
from lmp.billing.selectors import (
    purchase_get,
    purchase_list,
    purchase_options,
    statement_currency_totals,
    statement_get,
    statement_licenses,
    statement_lines,
    statement_list,
    statement_totals,
)
from lmp.billing.services import partner_billing_set, seats_purchase
from lmp.billing.tables import PER_PAGE, StatementLineTable
from lmp.core.xlsx import XLSX_CONTENT_TYPE
from lmp.partners import roles
from lmp.partners.mixins import PartnerMixin


class BillingView(PartnerMixin, FormView):
    """The partner's billing details (a form) and each of its own licenses' monthly total."""

    template_name = "billing/billing.html"
    form_class = PartnerBillingForm
    permission_required = roles.VIEW_BILLING
    post_permission_required = roles.CHANGE_BILLING

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            # A copy: the form's validation writes what was typed onto its instance.
            instance=copy.copy(self.partner),
            editable=roles.allows(self.request.user, roles.CHANGE_BILLING),
        )
        return kwargs

    def form_valid(self, form):
        try:
            changed = partner_billing_set(
                partner=self.partner, actor=self.request.user, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if changed:
            # Translators: %(fields)s lists the changed fields, e.g. "billing contact, currency".
            text = _("Billing details saved: %(fields)s.") % {"fields": ", ".join(changed)}
            messages.success(self.request, text)
        else:
            messages.info(self.request, _("No changes to the billing details."))
        return HttpResponseRedirect(reverse("billing:billing"))

    def get_context_data(self, **kwargs):
        licenses = list(license_terms_list(partner=self.partner))
        # The commitment each license's owner planned for its renewal (one query).
        scheduled = commitment_changes_scheduled(partner=self.partner, licenses=licenses)
        for license in licenses:
            license.scheduled_change = scheduled.get(license.pk)
        kwargs["licenses"] = licenses
        kwargs["purchases"] = purchase_list(partner=self.partner)[:50]
        return super().get_context_data(**kwargs)


class PurchaseView(PartnerMixin, FormView):
    """Buy additional users of a tier: the totals update as you type; applied at once."""

    template_name = "billing/purchase.html"
    form_class = PurchaseForm
    permission_required = roles.BUY_SEATS

    def get_initial(self):
        # A new token per page: resubmitting this form (a double click, Back then Submit) buys once.
        initial = {"token": uuid.uuid4().hex}
        tier = self.request.GET.get("tier")
        if tier:
            initial["tier"] = tier
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["options"] = purchase_options(partner=self.partner)
        return kwargs

    def form_valid(self, form):
        try:
            purchase = seats_purchase(
                actor=self.request.user,
                partner=self.partner,
                tier=form.cleaned_data["tier"],
                users=form.cleaned_data["users"],
                token=form.cleaned_data["token"],
                site_url=self.request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        return HttpResponseRedirect(
            reverse("billing:purchase_detail", kwargs={"reference": purchase.reference})
        )

    def get_context_data(self, **kwargs):
        kwargs["max_users"] = MAX_PURCHASE_USERS
        return super().get_context_data(**kwargs)


class PurchaseDetailView(PartnerMixin, TemplateView):
    """A purchase's confirmation: its reference, what was added and the new totals."""

    template_name = "billing/purchase_detail.html"
    permission_required = roles.VIEW_BILLING
    http_method_names = ["get", "head", "options"]

    def load_objects(self) -> None:
        self.purchase = purchase_get(partner=self.partner, reference=self.kwargs["reference"])

    def get_context_data(self, **kwargs):
        kwargs["purchase"] = self.purchase
        return super().get_context_data(**kwargs)


class StatementListView(PartnerMixin, ListView):
    """The partner's month-end statements, newest first, each with its totals per currency."""

    template_name = "billing/statement_list.html"
    context_object_name = "statements"
    permission_required = roles.VIEW_BILLING
    http_method_names = ["get", "head", "options"]
    paginate_by = 24

    def get_queryset(self):
        return statement_list(partner=self.partner)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statements = list(context["statements"])
        totals = statement_totals(statements=statements)
        for statement in statements:
            statement.totals = totals.get(statement.pk, [])
        context["statements"] = statements
        return context


class StatementMixin(PartnerMixin):
    """Sets ``self.statement``: the partner's statement of the month in the URL, else 404."""

    statement: Statement
    permission_required = roles.VIEW_BILLING
    http_method_names = ["get", "head", "options"]

    def load_objects(self) -> None:
        self.statement = statement_get(partner=self.partner, month=self.kwargs["month"])


class StatementDetailView(StatementMixin, HtmxPartialMixin, SingleTableMixin, FilterView):
    """A statement: each license's terms and totals, then its lines (search, sort, pages)."""

    template_name = "billing/statement_detail.html"
    partial_template_name = "billing/_statement_lines.html"
    htmx_target = "statement-lines"
    table_class = StatementLineTable
    filterset_class = StatementLineFilterSet
    table_pagination = {"per_page": PER_PAGE}

    def get_queryset(self):
        return statement_lines(statement=self.statement)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        table.search_text = self.filterset.search_text
        return table

    def get_context_data(self, **kwargs):
        licenses = statement_licenses(statement=self.statement)
        kwargs.update(
            statement=self.statement,
            licenses=licenses,
            totals=statement_currency_totals(licenses),
        )
        partial = self.is_partial_request()
        kwargs.setdefault("partial", partial)
        trigger = partial and self.request.htmx.trigger_name
        kwargs.setdefault("announce", bool(trigger) and trigger in self.filterset.form.fields)
        return super().get_context_data(**kwargs)


class StatementExcelView(StatementMixin, View):
    """The statement as a workbook: its licenses, then every line (the page table's columns)."""

    def get(self, request, *args, **kwargs):
        file, filename = statement_xlsx(statement=self.statement)
        return FileResponse(
            file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )


class StatementCsvView(StatementMixin, View):
    """The statement as a PSA imports it: one row per customer and product, streamed."""

    def get(self, request, *args, **kwargs):
        chunks, filename = statement_csv(statement=self.statement)
        response = StreamingHttpResponse(chunks, content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
