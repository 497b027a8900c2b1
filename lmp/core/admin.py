"""The read-only Django admin of records kept as they happened (history, ledgers, orders)."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Staff see the records, never add, change nor delete them here: the services write them,
    with the change they record. Django then shows every field read-only and no Save button.

    A subclass adds its list, filters and actions (an action runs a service, e.g. revoke).
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
