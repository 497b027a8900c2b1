"""Admin: staff edit the tiers' list prices; purchases (they changed a license) and month-end
statements (written once by the close) are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lmp.billing.models import Purchase, Statement, StatementLicense, StatementLine, TierPrice
from lmp.billing.selectors import currency_totals
from lmp.core.admin import ReadOnlyModelAdmin
from lmp.core.l10n import money


@admin.register(TierPrice)
class TierPriceAdmin(admin.ModelAdmin):
    list_display = ["tier", "currency", "price_per_user"]
    list_filter = ["tier", "currency"]


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyModelAdmin):
    list_display = [
        "reference",
        "created_at",
        "partner",
        "tier",
        "users",
        "previous_commitment",
        "new_commitment",
        "monthly_amount",
        "currency",
        "buyer",
    ]
    list_filter = ["tier", "currency"]
    search_fields = ["reference", "partner__name"]
    date_hierarchy = "created_at"
    list_select_related = ["partner", "buyer"]


class _ReadOnlyInline(admin.TabularInline):
    """A statement's rows as they were written: shown, never added, changed nor deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StatementLicenseInline(_ReadOnlyInline):
    model = StatementLicense
    fields = [
        "license",
        "tier",
        "currency",
        "seat_commitment",
        "allocated",
        "price_per_user",
        "amount",
        "adjustments",
    ]
    readonly_fields = fields


class StatementLineInline(_ReadOnlyInline):
    model = StatementLine
    fields = [
        "statement_license",
        "kind",
        "legal_name",
        "users",
        "peak_users",
        "sat_users",
        "price_per_user",
        "amount",
        "adjusts",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("statement_license")


@admin.register(Statement)
class StatementAdmin(ReadOnlyModelAdmin):
    """Month-end statements, as the close wrote them: read-only for every staff member (a
    correction is an adjustment line in a later statement, never an edit)."""

    list_display = ["partner", "month_display", "closed_at", "totals"]
    list_filter = ["month", "licenses__currency"]
    search_fields = ["partner__name"]
    date_hierarchy = "month"
    list_select_related = ["partner"]
    fields = ["partner", "month", "period_end", "closed_at"]
    readonly_fields = fields
    inlines = [StatementLicenseInline, StatementLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("licenses")

    @admin.display(description=_("month"), ordering="month")
    def month_display(self, obj: Statement) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.display(description=_("Totals"))
    def totals(self, obj: Statement) -> str:
        return ", ".join(
            money(total, currency)
            for currency, total in currency_totals(obj.licenses.all()).items()
        )
