"""License page at scale: page 1 of the customer table, its count, and search as you type."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.common import Row, interleaved_medians
from bench.data import client_for, license_with


def _page(client, url: str, **headers):
    def get():
        response = client.get(url, **headers)
        assert response.status_code == 200, response.status_code
        return response

    return get


def run(*, sizes: list[int], search_sizes: tuple[int, int], repeat: int) -> list[Row]:
    from licenses.selectors import license_customers

    pages, tabs, queries, counts, french = {}, {}, {}, {}, {}
    for n in sizes:
        license, user = license_with(n)
        client = client_for(user)
        url = reverse("licenses:license_detail", kwargs={"pk": license.pk})
        pages[n] = _page(client, url)
        french[n] = _page(client, url, HTTP_ACCEPT_LANGUAGE="fr-ca")
        tabs[n] = _page(client, reverse("licenses:license_list"))
        with CaptureQueriesContext(connection) as captured:
            pages[n]()
        queries[n] = len(captured)
        qs = license_customers(partner=license.partner, license=license).filter(status="active")
        counts[n] = qs.count
    # Every size in turns, so the ratios do not depend on when each was measured.
    times = interleaved_medians(pages, repeat=repeat)
    largest = max(sizes)
    languages = interleaved_medians({"en": pages[largest], "fr-ca": french[largest]}, repeat=repeat)
    tab_times = interleaved_medians(tabs, repeat=repeat)
    counts = interleaved_medians(counts, repeat=repeat)

    smallest = sizes[0]
    rows = [
        Row(
            f"license page queries, {smallest:,} → {max(sizes):,} customers",
            max(queries.values()),
            min(queries.values()),
            "q",
            "≤ 10 and constant",
            max(queries.values()) <= 10 and len(set(queries.values())) == 1,
        )
    ]
    for n in sizes[1:]:
        target = "ratio ≤ 1.5" if n == 10_000 else "reported"
        rows.append(
            Row(
                f"license page time, {n:,} vs {smallest:,} customers",
                times[n],
                times[smallest],
                "ms",
                target,
                times[n] / times[smallest] <= 1.5 if n == 10_000 else None,
            )
        )
    rows.append(
        Row(
            # The compiled catalogue: a French page costs what an English one does.
            f"license page time in French vs English, {largest:,} customers",
            languages["fr-ca"],
            languages["en"],
            "ms",
            "ratio ≤ 1.1 (noise)",
            languages["fr-ca"] / languages["en"] <= 1.1,
        )
    )
    rows.append(
        Row(
            f"License tab time, {largest:,} vs {smallest:,} customers",
            tab_times[largest],
            tab_times[smallest],
            "ms",
            "reported",
            None,
        )
    )
    for n in sizes:
        # The page as it opens reads the license's trigger-kept holder count instead; a search
        # or another status filter still counts its rows.
        rows.append(
            Row(
                f"customer COUNT(*) of a filtered view, {n:,} customers",
                counts[n],
                None,
                "ms",
                "reported",
                None,
            )
        )

    small, large = search_sizes
    searches = {}
    for n in (small, large):
        license, user = license_with(n)
        client = client_for(user)
        # A fragment of one customer's name, typed into the search bar (htmx partial).
        url = reverse("licenses:license_detail", kwargs={"pk": license.pk}) + "?q=0000123"
        searches[n] = _page(client, url, HTTP_HX_REQUEST="true")
        assert "0000123" in searches[n]().content.decode()
    search = interleaved_medians(searches, repeat=repeat)
    rows.append(
        Row(
            f"search as you type, {large:,} vs {small:,} customers",
            search[large],
            search[small],
            "ms",
            "ratio ≤ 2",
            search[large] / search[small] <= 2,
        )
    )
    return rows
