"""Small helpers shared by the month close, its e-mail and its webhook: where a statement lives and
what it totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from lmp.billing.models import StatementLicense


def statement_path(month: dt.date) -> str:
    """The statement page of ``month`` (each partner sees its own at this path)."""
    return f"/billing/statements/{month:%Y-%m}/"


def statement_api_path(month: dt.date) -> str:
    """The statement of ``month`` in the REST API."""
    return f"/api/v1/statements/{month:%Y-%m}/"


def statement_totals(licenses: Iterable[StatementLicense]) -> dict[str, Decimal]:
    """{currency: total} of a statement's licenses (amounts and adjustments), by currency."""
    totals: dict[str, Decimal] = {}
    for sl in licenses:
        totals[sl.currency] = totals.get(sl.currency, Decimal(0)) + sl.total
    return dict(sorted(totals.items()))
