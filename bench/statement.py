"""A month-end statement's Excel download through the real view vs raw openpyxl writing the same
cells from Python lists, in the same run."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from decimal import Decimal

from django.urls import reverse
from openpyxl import Workbook

from bench.common import Row, interleaved_medians, make_partner_with_license
from bench.data import client_for

MONTH = dt.date(2026, 11, 1)


def statement_with(lines: int, *, batch: int = 5000):
    """(statement, user): a partner's statement of ``lines`` customer lines on one license, its
    unallocated line and an adjustment; the user may see billing (Bank Details Only)."""
    from django.db import connection

    from lmp.billing.models import Statement, StatementLicense, StatementLine
    from lmp.partners.models import Membership

    started = time.perf_counter()
    partner, license, user = make_partner_with_license(seats=10**9)
    Membership.objects.filter(user=user).update(role="bank_details_only")
    price = license.price_per_user
    end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    statement = Statement.objects.create(
        partner=partner, month=MONTH, period_end=end, closed_at=end
    )
    users = [5 + n % 40 for n in range(lines)]
    part = StatementLicense.objects.create(
        statement=statement,
        license=license,
        tier=license.tier,
        currency=license.currency,
        seat_commitment=license.seat_commitment,
        allocated=sum(users),
        price_per_user=price,
        amount=license.seat_commitment * price,
        adjustments=Decimal(-3) * price,
    )
    # Customer lines name their customer (legal_name); the bench leaves the customer key empty:
    # the export reads it as a number either way, and 100,000 customers would take minutes.
    for first in range(0, lines, batch):
        StatementLine.objects.bulk_create(
            StatementLine(
                statement=statement,
                statement_license=part,
                kind="customer",
                legal_name=f"Customer {n:06d} Ltd",
                users=users[n],
                peak_users=users[n] + n % 3,
                sat_users=users[n] // 2,
                price_per_user=price,
                amount=users[n] * price,
            )
            for n in range(first, min(first + batch, lines))
        )
    StatementLine.objects.create(
        statement=statement,
        statement_license=part,
        kind="unallocated",
        users=license.seat_commitment - sum(users),
        price_per_user=price,
        amount=(license.seat_commitment - sum(users)) * price,
    )
    StatementLine.objects.create(
        statement=statement,
        statement_license=part,
        kind="adjustment",
        legal_name="Customer 000001 Ltd",
        users=-3,
        price_per_user=price,
        amount=-3 * price,
        adjusts=dt.date(2026, 10, 1),
    )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE billing_statementline")
    print(f"  built a statement of {lines:,} lines in {time.perf_counter() - started:,.1f} s")
    return statement, user


def _reference_rows(statement) -> tuple[list[str], list[tuple]]:
    """The Lines sheet's header and cells as plain Python values, read before the clock starts:
    what the download writes (labels, the customer id, the month adjusted, counts, amounts)."""
    header = [
        "License",
        "Currency",
        "Customer",
        "Customer ID",
        "Line",
        "Adjusts month",
        "Users billed",
        "Month's peak",
        "SAT",
        "Price per user",
        "Amount",
    ]
    labels = {
        "customer": "Customer",
        "unallocated": "Unallocated users",
        "adjustment": "Adjustment",
    }
    rows = [
        (
            "MDR Complete",
            "CAD",
            line.legal_name or "Unallocated users",
            line.customer_id,
            labels[line.kind],
            f"{line.adjusts:%Y-%m}" if line.adjusts else None,
            line.users,
            line.peak_users,
            line.sat_users,
            line.price_per_user,
            line.amount,
        )
        for line in statement.lines.order_by("kind", "legal_name", "pk")
    ]
    return header, rows


def _raw_openpyxl(reference: tuple[list[str], list[tuple]]) -> None:
    header, rows = reference
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Lines")
    ws.append(header)
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryFile() as fh:
        wb.save(fh)


def _download(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    return size


def run(*, lines: int, repeat: int) -> list[Row]:
    statement, user = statement_with(lines)
    client = client_for(user)
    url = reverse("billing:statement_xlsx", kwargs={"month": statement.month})
    reference = _reference_rows(statement)
    medians = interleaved_medians(
        {"view": lambda: _download(client, url), "raw": lambda: _raw_openpyxl(reference)},
        repeat=repeat,
        warmup=1,
    )
    view_ms, raw_ms = medians["view"], medians["raw"]
    return [
        Row(
            f"Statement of {lines:,} lines to Excel: view vs raw openpyxl",
            view_ms,
            raw_ms,
            "ms",
            "ratio ≤ 1.3",
            view_ms / raw_ms <= 1.3,
        )
    ]
