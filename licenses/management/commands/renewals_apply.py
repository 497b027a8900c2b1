"""Apply the seat commitments planned for the renewals that are due (each once, on any machine)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from licenses.services import commitment_changes_apply


class Command(BaseCommand):
    help = (
        "Apply the commitment changes scheduled for renewal dates that have come. Idempotent and "
        "safe on several machines at once: run it from cron or a systemd timer, e.g. every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--site-url",
            default=os.environ.get("LMP_SITE_URL", ""),
            help="The portal's address for the e-mails' links (default: $LMP_SITE_URL).",
        )

    def handle(self, *args, site_url: str, **options):
        report = commitment_changes_apply(site_url=site_url)
        self.stdout.write(
            f"renewals: {report.applied} applied, {report.refused} refused, "
            f"{report.skipped} already done elsewhere"
        )
