"""Close a month: every partner's month-end statement, each once, on any machine."""

from __future__ import annotations

import datetime as dt
import os

from django.core.management.base import BaseCommand, CommandError

from lmp.billing.closing import MonthNotEnded, statements_close


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(
            f"--month must be a month as YYYY-MM, e.g. 2026-11 (got {value!r})."
        ) from None


class Command(BaseCommand):
    help = (
        "Close a month (default: the previous one, in the portal's time zone): write each "
        "partner's statement, e-mail it and send its webhook, once. Idempotent and safe on "
        "several machines at once: run it from cron or a systemd timer on the 1st of the month. "
        "Exits 1 when a partner failed (the others are closed; a rerun closes it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", type=_month, help="The month to close, YYYY-MM.")
        parser.add_argument(
            "--site-url",
            default=os.environ.get("LMP_SITE_URL", ""),
            help="The portal's address for the e-mails' links (default: $LMP_SITE_URL).",
        )

    def handle(self, *args, month: dt.date | None, site_url: str, **options):
        try:
            result = statements_close(month=month, site_url=site_url)
        except MonthNotEnded as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"statements {result.month:%Y-%m}: {len(result.closed)} closed ({result.lines} lines), "
            f"{result.skipped} already closed (or being closed by another run), "
            f"{result.empty} with nothing to bill, "
            f"{len(result.failed)} failed"
        )
        for partner_id, error in sorted(result.failed.items()):
            self.stderr.write(f"partner {partner_id} failed: {error}")
        if result.failed:
            raise SystemExit(1)
