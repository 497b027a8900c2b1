"""Admin: staff edit the tiers' list prices; purchases are read-only (they changed a license)."""

from __future__ import annotations

from django.contrib import admin

from lmp.billing.models import Purchase, TierPrice
from lmp.core.admin import ReadOnlyModelAdmin


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
