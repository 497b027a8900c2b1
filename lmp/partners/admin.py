"""Django admin for vendor staff: partners, the logins that work for them, their invitations and
team history.

A partner's default shipping address is chosen in the Address admin (shipping), which sits
above this app.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from lmp.partners import services
from lmp.partners.models import Invitation, Membership, Partner, TeamEvent


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the partner's Team page; staff see them and may revoke them."""

    list_display = ["email", "partner", "role", "status_display", "created_at", "expires_at"]
    list_filter = ["role", "partner"]
    search_fields = ["email", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = [
        "partner",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    actions = ["revoke"]

    @admin.display(description="status")
    def status_display(self, obj: Invitation) -> str:
        return obj.get_status_display()

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request, queryset) -> None:
        done = 0
        for invitation in queryset:
            try:
                services.invitation_revoke(actor=request.user, invitation=invitation)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} invitation(s) revoked.", messages.SUCCESS)


@admin.register(TeamEvent)
class TeamEventAdmin(admin.ModelAdmin):
    """The team history: read-only, as it happened."""

    list_display = ["at", "partner", "kind", "email", "from_text", "to_text", "actor"]
    list_filter = ["kind", "partner"]
    search_fields = ["email", "partner__name", "actor__username"]
    list_select_related = ["partner", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
