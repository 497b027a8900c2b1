"""Admin for vendor staff: every outgoing e-mail, how its sending went, and Resend."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from lmp.core.attempts import requeued_report
from lmp.outbox import services
from lmp.outbox.models import OutboundEmail


def _done_text(n: int) -> str:
    return ngettext(
        "%(count)s e-mail queued to be sent again.", "%(count)s e-mails queued to be sent again.", n
    )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipients", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "about", "to"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "kind",
        "to",
        "reply_to",
        "subject",
        "about",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "lease_until",
        "sent_at",
        "body",
        "html",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # e-mails come from the portal's changes only

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent stays

    @admin.display(description=pgettext_lazy("e-mail recipients", "To"))
    def recipients(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.to)

    @admin.action(description=gettext_lazy("Resend the selected e-mails"))
    def resend(self, request, queryset):
        done = sum(services.email_resend(email=email) for email in queryset)
        total = queryset.count()
        requeued_report(self, request, done=done, total=total, done_text=_done_text)
