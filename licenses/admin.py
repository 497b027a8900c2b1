"""Django admin for vendor staff; every seat-affecting write goes through licenses.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from licenses import policy, services
from licenses.bulk_workbook import (
    bulk_token,
    bulk_token_read,
    bulk_workbook_read,
    bulk_workbook_write,
)
from licenses.choices import (
    HISTORY_FIGURE_LABELS,
    AllocationEventSource,
    CustomerStatus,
    what_key,
    what_text,
)
from licenses.contact import admin_email_field, website_field
from licenses.forms import BulkEditUploadForm, Holdings, SeatCountsFormMixin
from licenses.models import (
    AllocationEvent,
    CustomerAccount,
    LicenseAlert,
    ScheduledCommitmentChange,
    SeatAllocation,
    VolumeLicense,
)
from licenses.selectors import cloud_pool_for, customer_allocations
from lmp.core.admin import LargeListAdmin, ReadOnlyModelAdmin
from lmp.core.l10n import count
from lmp.core.xlsx import XLSX_CONTENT_TYPE


class ServiceRefusalMixin:
    """Turns a service's ValidationError raised in ``save_model`` into a message, not a 500.

    The forms below check what they can with the seat policy (``SeatCountsFormMixin``) and show
    it on the fields; this catches what only the service's write meets, such as seats or a name
    taken by someone else between the check and the save. The admin's transaction is rolled back
    first: nothing is half-saved.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class VolumeLicenseAdminForm(forms.ModelForm):
    class Meta:
        model = VolumeLicense
        fields = [
            "partner",
            "tier",
            "seat_commitment",
            "renewal_date",
            "term_months",
            "price_per_user",
            "currency",
            "sub_partners",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "term_months" in self.fields:
            self.fields["term_months"].required = False  # left empty: the license's, or 12
        if self.instance.pk and "sub_partners" in self.fields:
            # The owner already holds the pool; offering it as its own sub-partner only confuses.
            field = self.fields["sub_partners"]
            field.queryset = field.queryset.exclude(pk=self.instance.partner_id)

    def clean_term_months(self) -> int:
        value = self.cleaned_data.get("term_months")
        if value is None:
            return self.instance.term_months or VolumeLicense._meta.get_field("term_months").default
        return value

    def clean(self):
        cleaned = super().clean()
        owner = cleaned.get("partner") or (self.instance.partner if self.instance.pk else None)
        if owner is not None and owner in (cleaned.get("sub_partners") or []):
            self.add_error(
                "sub_partners", _("The owner cannot be a sub-partner of its own license.")
            )
        if self.instance.pk:
            # Locks the row for the rest of the admin's transaction, so save_model cannot fail.
            try:
                services.license_terms_check(
                    license=self.instance,
                    partner=cleaned.get("partner"),
                    tier=cleaned.get("tier"),
                    seat_commitment=cleaned.get("seat_commitment"),
                )
            except ValidationError as exc:
                self._update_errors(exc)
        return cleaned


@admin.register(VolumeLicense)
class VolumeLicenseAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    form = VolumeLicenseAdminForm
    list_display = [
        "__str__",
        "partner",
        "tier",
        "seat_commitment",
        "allocated",
        "unallocated_display",
        "customers_display",
        "renewal_date",
        "price_per_user",
        "currency",
    ]
    list_filter = ["tier", "currency", "renewal_date"]
    search_fields = ["partner__name"]
    list_select_related = ["partner"]
    fields = [
        "partner",
        "tier",
        "seat_commitment",
        "allocated",
        "unallocated_display",
        "customers_display",
        "renewal_date",
        "term_months",
        "price_per_user",
        "currency",
        "sub_partners",
    ]
    readonly_fields = ["allocated", "unallocated_display", "customers_display"]
    filter_horizontal = ["sub_partners"]
    autocomplete_fields = ["partner"]

    @admin.display(description=gettext_lazy("Unallocated"))
    def unallocated_display(self, obj: VolumeLicense) -> int | str:
        if obj.pk is None:
            return "—"  # the Add page: no commitment yet, nothing allocated
        return obj.unallocated

    @admin.display(description=gettext_lazy("Customers"), ordering="holder_count")
    def customers_display(self, obj: VolumeLicense) -> int:
        return obj.holder_count

    def get_readonly_fields(self, request, obj=None):
        # Customers belong to the owner and allocations copy the tier: both are fixed once used.
        if obj is not None and obj.allocations.exists():
            return [*self.readonly_fields, "partner", "tier"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.license_save(license=obj, actor=request.user, source=AllocationEventSource.ADMIN)

    change_form_template = "admin/licenses/volumelicense/change_form.html"

    def get_urls(self):
        bulk = path(
            "<int:pk>/bulk-edit/",
            self.admin_site.admin_view(self.bulk_edit_view),
            name="licenses_volumelicense_bulk_edit",
        )
        return [bulk, *super().get_urls()]

    def bulk_edit_view(self, request, pk: int):
        """The portal's bulk edit for vendor staff: download, upload, preview, apply (source
        Vendor admin), through the same service and workbook."""
        license = get_object_or_404(VolumeLicense.objects.select_related("partner"), pk=pk)
        if not self.has_change_permission(request, license):
            raise PermissionDenied
        if request.GET.get("download"):
            file, filename = bulk_workbook_write(partner=license.partner, license=license)
            return FileResponse(
                file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
            )
        form, result, token, rows = BulkEditUploadForm(), None, "", 0
        if request.method == "POST" and "token" in request.POST:
            changes = bulk_token_read(request.POST["token"], license=license)
            if changes is None:
                messages.error(request, _("This preview has expired: upload the workbook again."))
                return HttpResponseRedirect(request.path)
            try:
                result = services.customers_bulk_update(
                    partner=license.partner,
                    license=license,
                    actor=request.user,
                    changes=changes,
                    source=AllocationEventSource.ADMIN,
                )
            except services.BulkRefused as refused:
                result, rows = refused.result, len(changes)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Bulk edit applied: %(count)s customer changed.",
                        "Bulk edit applied: %(count)s customers changed.",
                        len(result.changed),
                    )
                    % {"count": count(len(result.changed))},
                )
                return HttpResponseRedirect(
                    reverse("admin:licenses_volumelicense_change", args=[license.pk])
                )
        elif request.method == "POST":
            form = BulkEditUploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    changes = bulk_workbook_read(
                        file=form.cleaned_data["workbook"], license=license
                    )
                except ValidationError as error:
                    form.add_error("workbook", error)
                else:
                    result = services.customers_bulk_update(
                        partner=license.partner,
                        license=license,
                        actor=request.user,
                        changes=changes,
                        dry_run=True,
                    )
                    wanted = {r.customer_id for r in result.changed}
                    token = bulk_token(
                        license=license,
                        changes=[c for c in changes if c.customer_id in wanted],
                    )
                    rows = len(changes)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": license,
            "title": _("Bulk edit — %(tier)s") % {"tier": license.get_tier_display()},
            "license": license,
            "form": form,
            "result": result,
            "token": token,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/licenses/volumelicense/bulk_edit.html", context)

    def save_related(self, request, form, formsets, change):
        form.save_m2m()


class SeatAllocationInline(admin.TabularInline):
    """Allocations shown for reference; they are changed through the user counts above."""

    model = SeatAllocation
    extra = 0
    can_delete = False
    fields = ["license", "tier", "seats", "sat_users", "active"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# Declared on the form below, so its own: an offboarded customer's page shows them read-only.
_CONTACT = ("website", "admin_email")


class CustomerAccountAdminForm(SeatCountsFormMixin, forms.ModelForm):
    """Legal name, web site, administrator e-mail and the user counts, checked by the seat policy
    and the onboarding form's rules (``licenses.contact``) and saved by customer_update."""

    website = website_field()
    admin_email = admin_email_field()

    class Meta:
        model = CustomerAccount
        fields = ["legal_name", "website", "admin_email"]

    def __init__(self, *args, **kwargs):
        customer = kwargs.get("instance")
        if customer is None or not customer.pk or not customer.is_active:
            # An offboarded customer is history: nothing to allocate, nothing to require.
            super(SeatCountsFormMixin, self).__init__(*args, **kwargs)
            for name in (policy.TIER_USERS, policy.CLOUD_USERS, policy.SAT_USERS, *_CONTACT):
                self.fields.pop(name, None)
            self.allowances = {}
            return
        allocations = customer_allocations(customer=customer)
        primary, cloud = allocations["primary"], allocations["cloud"]
        holdings = Holdings(
            tier_users=primary.seats if primary else 0,
            cloud_users=cloud.seats if cloud else 0,
            sat_users=primary.sat_users if primary else 0,
        )
        own = customer.license
        cloud_license = cloud_pool_for(license=own)
        super().__init__(
            *args, license=own, cloud_license=cloud_license, holdings=holdings, **kwargs
        )
        for name in (policy.TIER_USERS, policy.CLOUD_USERS, policy.SAT_USERS):
            if name in self.fields:
                self.fields[name].initial = getattr(holdings, name)

    def clean_legal_name(self) -> str:
        name = self.cleaned_data["legal_name"]
        customer = self.instance
        if customer.pk and customer.is_active and " ".join(name.split()) != customer.legal_name:
            # The service's own check, so the refusal shows on the field rather than as a banner.
            try:
                name = services.legal_name_check(
                    partner=customer.partner_id,
                    sub_partner=customer.sub_partner_id,
                    legal_name=name,
                    exclude_pk=customer.pk,
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        return name

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "customer": self.instance,
            "legal_name": data.get("legal_name", ""),
            "website": data.get("website", ""),
            "admin_email": data.get("admin_email", ""),
            "tier_users": data.get(policy.TIER_USERS),
            "cloud_users": data.get(policy.CLOUD_USERS) or 0,
            "sat_users": data.get(policy.SAT_USERS) or 0,
        }


# What staff change on an active customer besides its counts (through customer_update).
_CUSTOMER_DETAILS = ["legal_name", "website", "admin_email"]


@admin.register(CustomerAccount)
class CustomerAccountAdmin(ServiceRefusalMixin, LargeListAdmin):
    form = CustomerAccountAdminForm
    list_display = [
        "legal_name",
        "partner",
        "license",
        "sub_partner",
        "status",
        "onboarded_at",
    ]
    list_filter = ["status", "license__tier", "deployment", "onboarded_at", "partner"]
    search_fields = ["legal_name", "admin_email", "website", "partner__name"]
    search_by_key = ("partner",)
    list_select_related = ["partner", "license__partner", "sub_partner"]
    readonly_fields = [
        "partner",
        "license",
        "sub_partner",
        "status",
        "deployment",
        "hosting_region",
        "onboarded_at",
        "offboarded_at",
    ]
    inlines = [SeatAllocationInline]
    actions = ["offboard_selected"]

    def has_add_permission(self, request) -> bool:
        # Customers are created by the onboarding order, which also allocates their seats.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Offboarded customers are kept for history.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != CustomerStatus.ACTIVE:
            return [*self.readonly_fields, *_CUSTOMER_DETAILS]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None or obj.status != CustomerStatus.ACTIVE:
            return [*_CUSTOMER_DETAILS, *self.readonly_fields]
        # The counts this customer's tier has, per the policy (no SAT users on Core, ...).
        cloud = cloud_pool_for(license=obj.license)
        counts = policy.count_fields(tier=obj.license.tier, has_cloud=cloud is not None)
        return [*_CUSTOMER_DETAILS, *(c.field for c in counts), *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if obj.status != CustomerStatus.ACTIVE:
            return
        changes = services.customer_update(
            **form.service_kwargs(), actor=request.user, source=AllocationEventSource.ADMIN
        )
        if changes:
            self.message_user(request, _("; ").join(str(c) for c in changes), messages.INFO)

    def save_related(self, request, form, formsets, change):
        # The allocation inline is read-only: record that it changed nothing (the change message
        # reads these lists) instead of saving rows behind the services' back.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=gettext_lazy("Offboard selected customers (returns their seats)"))
    def offboard_selected(self, request, queryset):
        done, seats = 0, 0
        for customer in queryset.filter(status=CustomerStatus.ACTIVE):
            try:
                released = services.customer_offboard(
                    customer=customer, actor=request.user, source=AllocationEventSource.ADMIN
                )
            except ValidationError:
                continue  # offboarded by someone else meanwhile: nothing left to do
            done += 1
            seats += sum(released.values())
        customers = ngettext(
            "%(count)s customer offboarded", "%(count)s customers offboarded", done
        ) % {"count": count(done)}
        returned = ngettext(
            "%(count)s seat returned to their licenses.",
            "%(count)s seats returned to their licenses.",
            seats,
        ) % {"count": count(seats)}
        # Translators: e.g. "2 customers offboarded; 150 seats returned to their licenses."
        self.message_user(
            request,
            _("%(customers)s; %(returned)s") % {"customers": customers, "returned": returned},
            messages.SUCCESS,
        )


@admin.register(SeatAllocation)
class SeatAllocationAdmin(LargeListAdmin, ReadOnlyModelAdmin):
    """Read-only ledger of allocations, searchable by customer and partner."""

    list_display = ["customer", "license", "tier", "seats", "sat_users", "active"]
    list_filter = ["tier", "active"]
    search_fields = ["customer__legal_name", "license__partner__name"]
    search_by_key = ("customer", "license")
    list_select_related = ["customer", "license__partner"]


class WhatFilter(admin.SimpleListFilter):
    """History's "what" (stored in English, e.g. "MDR Complete Users") in the reader's language."""

    title = AllocationEvent._meta.get_field("what").verbose_name
    parameter_name = "what__exact"  # the URL the field's own filter had

    def lookups(self, request, model_admin):
        # The figures history knows, not a DISTINCT over a million events.
        whats = [what_key(label) for label in HISTORY_FIGURE_LABELS]
        return [(what, what_text(what)) for what in whats]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.filter(what=self.value())
        return queryset


@admin.register(AllocationEvent)
class AllocationEventAdmin(LargeListAdmin, ReadOnlyModelAdmin):
    """The audit history, read-only: events are written only by the services, with the change."""

    list_display = [
        "at",
        "license",
        "customer",
        "what_display",
        "change_display",
        "kind",
        "source",
        "actor_display",
    ]
    list_filter = ["kind", "source", WhatFilter, "license__tier", "at"]
    # The figure ("what") has its filter; each of these is matched in its own table first.
    search_fields = ["customer__legal_name", "license__partner__name", "actor__username"]
    search_by_key = ("customer", "license", "actor")
    list_select_related = ["license__partner", "customer", "actor", "api_key"]

    @admin.display(description=gettext_lazy("What changed"), ordering="what")
    def what_display(self, obj: AllocationEvent) -> str:
        return obj.what_display  # stored in English, shown in the reader's language

    @admin.display(description=gettext_lazy("From → to"))
    def change_display(self, obj: AllocationEvent) -> str:
        return obj.change_text  # a count's numbers, or a renamed customer's names

    @admin.display(description=gettext_lazy("By"), ordering="actor__username")
    def actor_display(self, obj: AllocationEvent) -> str:
        return obj.actor_label


@admin.register(LicenseAlert)
class LicenseAlertAdmin(ReadOnlyModelAdmin):
    """What the alert job sent (read-only): one row per alert, which is why none goes out twice."""

    list_display = ["sent_at", "license", "kind", "key", "recipients", "resolved_at"]
    list_filter = ["kind"]
    search_fields = ["license__partner__name", "recipients"]
    list_select_related = ["license__partner"]


@admin.register(ScheduledCommitmentChange)
class ScheduledCommitmentChangeAdmin(ReadOnlyModelAdmin):
    """The commitments partners planned for their renewals (read-only: the partner's
    Administrators schedule and cancel them, the ``renewals_apply`` job applies them)."""

    list_display = [
        "license",
        "renewal_date",
        "previous_commitment",
        "new_commitment",
        "status",
        "created_by",
        "created_at",
        "applied_at",
        "refusal_reason",
    ]
    list_filter = ["status", "renewal_date"]
    search_fields = ["license__partner__name"]
    list_select_related = ["license__partner", "created_by"]
