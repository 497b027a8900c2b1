"""Delete the API's idempotency records older than API_IDEMPOTENCY_HOURS (run it daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lmp.api.idempotency import idempotency_purge


class Command(BaseCommand):
    help = "Delete API idempotency records older than API_IDEMPOTENCY_HOURS (default 24)."

    def handle(self, *args, **options) -> None:
        deleted = idempotency_purge()
        self.stdout.write(f"{deleted} idempotency record(s) deleted.")
