"""Excel export through the real view vs raw openpyxl writing the same rows from Python lists."""

from __future__ import annotations

import gc
import tempfile
import tracemalloc

from django.urls import reverse
from openpyxl import Workbook

from bench.common import Row, interleaved_medians
from bench.data import client_for, license_with


def _export_view(client, url: str, language: str = "en") -> int:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return size


def _reference_rows(license) -> tuple[list[str], list[tuple]]:
    """The export's header and columns, as plain Python values, read before the clock starts.

    The same cells the export writes: the MDR Cloud column only when the partner has a Cloud
    license, and no cell (None) where the export leaves one empty, such as a missing sub-partner.
    """
    from django.utils import timezone

    from licenses.selectors import cloud_license_for, license_customers

    show_cloud = cloud_license_for(partner=license.partner) is not None
    header = [
        "Legal name",
        "Users",
        *(["Cloud"] if show_cloud else []),
        "SAT",
        "Sub-Partner",
        "Status",
        "Onboarded",
        "Offboarded",
        # What each count was at offboarding: empty for the active customers exported here.
        "Users at offboarding",
        *(["Cloud at offboarding"] if show_cloud else []),
        "SAT at offboarding",
        "Web Site",
        "Email",
    ]
    qs = license_customers(partner=license.partner, license=license).filter(status="active")
    rows = [
        (
            c.legal_name,
            c.license_users,
            *((c.cloud_users,) if show_cloud else ()),
            c.sat_users,
            c.sub_partner.name if c.sub_partner else None,
            "Active",
            timezone.localtime(c.onboarded_at).date(),
            None,
            None,
            *((None,) if show_cloud else ()),
            None,
            c.website,
            c.admin_email,
        )
        for c in qs.order_by("name_key", "pk")
    ]
    return header, rows


def _raw_openpyxl(reference: tuple[list[str], list[tuple]]) -> None:
    header, rows = reference
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Customers")
    ws.append(header)
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)


def _peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024 / 1024


def run(*, size: int, small: int, repeat: int) -> list[Row]:
    license, user = license_with(size)
    client = client_for(user)
    url = reverse("licenses:license_export", kwargs={"pk": license.pk})
    reference = _reference_rows(license)
    # In turns, so a change in the machine's load does not land on one side of the ratio.
    medians = interleaved_medians(
        {
            "view": lambda: _export_view(client, url),
            "raw": lambda: _raw_openpyxl(reference),
            "french": lambda: _export_view(client, url, "fr-ca"),
        },
        repeat=repeat,
        warmup=0,
    )
    view_ms, raw_ms, french_ms = medians["view"], medians["raw"], medians["french"]
    reference[1].clear()

    small_license, small_user = license_with(small)
    small_client = client_for(small_user)
    small_url = reverse("licenses:license_export", kwargs={"pk": small_license.pk})
    peak_small = _peak_mb(lambda: _export_view(small_client, small_url))
    peak_large = _peak_mb(lambda: _export_view(client, url))
    return [
        Row(
            f"Excel export of {size:,} customers: view vs raw openpyxl",
            view_ms,
            raw_ms,
            "ms",
            "ratio ≤ 1.3",
            view_ms / raw_ms <= 1.3,
        ),
        # The same export with French labels: translation costs per label, not per row.
        Row(
            f"Excel export of {size:,} customers: French vs English",
            french_ms,
            view_ms,
            "ms",
            "ratio ≤ 1.1 (noise)",
            french_ms / view_ms <= 1.1,
        ),
        Row(
            f"Excel export peak memory, {size:,} vs {small:,} rows",
            peak_large,
            peak_small,
            "MB",
            "≤ +30 MB",
            peak_large - peak_small <= 30,
        ),
    ]
