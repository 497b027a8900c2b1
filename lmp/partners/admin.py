"""Django admin for vendor staff: partners and the logins that work for them.

A partner's default shipping address is chosen in the Address admin (shipping), which sits
above this app.
"""

from __future__ import annotations

from django.contrib import admin

from lmp.partners.models import Membership, Partner


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "require_mfa", "created_at"]
    list_filter = ["require_mfa"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]
