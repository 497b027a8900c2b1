"""Send the renewal reminders and low-seats alerts that are due (each once, on any machine)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from licenses.alerts import alerts_run


class Command(BaseCommand):
    help = (
        "Send due renewal reminders (60, 30, 7 days) and low-seats alerts. Idempotent and safe on "
        "several machines at once: run it from cron or a systemd timer, e.g. every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-url",
            default=os.environ.get("LMP_SITE_URL", ""),
            help="The portal's address for the e-mails' links (default: $LMP_SITE_URL).",
        )

    def handle(self, *args, site_url: str, **options):
        report = alerts_run(site_url=site_url)
        self.stdout.write(
            f"alerts: {report.sent} sent, {report.skipped} already sent elsewhere, "
            f"{report.rearmed} low-seats alert(s) re-armed"
        )
