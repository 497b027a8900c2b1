"""Admin for vendor staff: the partners' webhook endpoints and their deliveries, with Resend."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy, ngettext

from lmp.core.attempts import requeued_report
from lmp.webhooks import services
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint


def _done_text(n: int) -> str:
    return ngettext(
        "%(count)s delivery queued to be sent again.",
        "%(count)s deliveries queued to be sent again.",
        n,
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "partner", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["partner"]
    search_fields = ["url", "description", "partner__name"]
    fields = ["partner", "url", "description", "event_types", "active", "created_by", "created_at"]
    readonly_fields = ["partner", "url", "description", "event_types", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # a partner's Administrator registers its endpoints (and gets the secret)

    def save_model(self, request, obj, form, change):
        # Staff may switch an abusive or dead endpoint off; the rest is the partner's.
        services.endpoint_active_set(actor=request.user, endpoint=obj, active=obj.active)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "message_id",
    ]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["message_id", "endpoint__url"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "endpoint",
        "message_id",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "last_response",
        "created_at",
        "next_attempt_at",
        "lease_until",
        "attempted_at",
        "succeeded_at",
        "payload",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # deliveries come from the portal's events only

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent stays (it goes with its endpoint)

    @admin.action(description=gettext_lazy("Resend the selected deliveries"))
    def resend(self, request, queryset):
        done = sum(services.delivery_redeliver(actor=None, delivery=d) for d in queryset)
        total = queryset.count()
        requeued_report(self, request, done=done, total=total, done_text=_done_text)
