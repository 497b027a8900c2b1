"""The bench sections and their sizes (full run vs --quick)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial


def _all(quick: bool) -> dict[str, Callable[[], list]]:
    from bench import (
        admin,
        allocation,
        api,
        as_of,
        bulk,
        closing,
        export,
        forecast,
        http,
        lighthouse,
        onboarding,
        page,
        renewals,
        scale,
        statement,
        usage,
    )

    if quick:
        return {
            "page": partial(
                page.run, sizes=[10, 1_000, 10_000], search_sizes=(1_000, 10_000), repeat=7
            ),
            "export": partial(export.run, size=10_000, small=1_000, repeat=1),
            "statement_excel": partial(statement.run, lines=10_000, repeat=1),
            "allocation": partial(allocation.run, ops=40),
            "bulk": partial(bulk.run, changes=1_000),
            "http": partial(http.run, customers=1_000, requests=50),
            "api": partial(api.run, customers=10_000, requests=50),
            "onboarding": partial(onboarding.run, repeat=3),
            "forecast": partial(forecast.run, sizes=(1_000, 10_000), repeat=7),
            "usage": partial(usage.run, big=10_000, small=100, repeat=5),
            "scale": partial(scale.run, total=20_000, partners=100, big=5_000, repeat=7),
            "close": partial(closing.run, total=10_000, partners=50, big=1_000),
            "as_of": partial(as_of.run, customers=10_000, months=24, repeat=7),
            "admin": partial(admin.run, total=20_000, partners=100, big=5_000, repeat=5),
            "renewals": partial(renewals.run, small=10, large=100),
        }
    return {
        "page": partial(
            page.run, sizes=[10, 1_000, 10_000, 100_000], search_sizes=(1_000, 100_000), repeat=15
        ),
        "export": partial(export.run, size=100_000, small=10_000, repeat=3),
        "statement_excel": partial(statement.run, lines=100_000, repeat=3),
        "allocation": partial(allocation.run, ops=250),
        # Bulk edit: 10,000 changes in one call against 10,000 edits in a loop.
        "bulk": partial(bulk.run, changes=10_000),
        "http": partial(http.run, customers=1_000, requests=300),
        "api": partial(api.run, customers=100_000, requests=300),
        "onboarding": partial(onboarding.run, repeat=9),
        "forecast": partial(forecast.run, sizes=(1_000, 100_000), repeat=15),
        # The license page's chart data: 24 months of a 100,000-customer pool (200,000 events).
        "usage": partial(usage.run, big=100_000, small=1_000, repeat=15),
        # Lighthouse (Node's npx and Chromium; skipped without npx): not in the quick run.
        "lighthouse": partial(lighthouse.run, runs=3, customers=1_000),
        # The license page as of a date, 100,000 customers with 24 months of history.
        "as_of": partial(as_of.run, customers=100_000, months=24, repeat=15),
        # The renewals job: one transaction per due change, the same queries each.
        "renewals": partial(renewals.run, small=100, large=1_000),
        # Last: it fills the database (1,000,000 customers over 1,000 partners, the measured
        # partner holding 100,000), and the sections above keep measuring what they always did.
        "scale": partial(scale.run, total=1_000_000, partners=1_000, big=100_000, repeat=15),
        # After scale (it adds its own partners): the month close of the whole portal.
        "close": partial(closing.run, total=1_000_000, partners=1_000, big=100_000),
        # After scale: its million customers get an event, an order and a shipment each.
        "admin": partial(admin.run, total=1_000_000, partners=1_000, big=100_000, repeat=7),
    }


def selected(only: list[str], *, quick: bool) -> Iterator[tuple[str, Callable[[], list]]]:
    for name, run in _all(quick).items():
        if not only or name in only:
            yield name, run
