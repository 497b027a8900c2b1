"""Close: the month close (``statements_close``) over the whole portal, against a bare SQL insert.

The database is filled as the scale section fills it (``bench.scale.load``: ``total`` customers
over ``partners`` partners, one of them holding ``big``), with no history (every row is taken as
it stands). Then one month is closed for every partner through the service (statements, licenses,
lines with their peaks, e-mail and webhook per partner, one transaction each), timed; and the
reference, in the same run: one ``INSERT … SELECT`` of the same customer and unallocated lines
into a scratch table (raw SQL, here only), which is the least any close must do. A second month is
then closed under ``tracemalloc`` for the peak memory Python allocated (it also recomputes the
first month for the adjustments, so it does about twice the reading).
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

from django.db import connection

from bench.common import Row

REFERENCE_SQL = """
    INSERT INTO bench_close_reference
        (statement_id, statement_license_id, kind, customer_id, legal_name, users, peak_users,
         sat_users, price_per_user, amount)
    SELECT sl.statement_id, sl.id, 'customer', c.id, c.legal_name, a.seats, a.seats,
           CASE WHEN a.license_id = c.license_id THEN a.sat_users ELSE 0 END,
           sl.price_per_user, a.seats * sl.price_per_user
    FROM billing_statementlicense sl
    JOIN billing_statement s ON s.id = sl.statement_id AND s.month = %(month)s
    JOIN licenses_seatallocation a ON a.license_id = sl.license_id AND a.active AND a.seats > 0
    JOIN licenses_customeraccount c ON c.id = a.customer_id AND c.status = 'active'
    UNION ALL
    SELECT sl.statement_id, sl.id, 'unallocated', NULL, '', l.seat_commitment - l.allocated, NULL,
           0, sl.price_per_user, (l.seat_commitment - l.allocated) * sl.price_per_user
    FROM billing_statementlicense sl
    JOIN billing_statement s ON s.id = sl.statement_id AND s.month = %(month)s
    JOIN licenses_volumelicense l ON l.id = sl.license_id
"""


def run(*, total: int, partners: int, big: int) -> list[Row]:
    from bench import scale
    from licenses.models import VolumeLicense
    from lmp.billing.closing import previous_month, statements_close
    from lmp.billing.models import StatementLine

    # The scale section's partners when it ran before (a full run: scale, then close), else its
    # load: loading twice would clash with its partners' names.
    if not VolumeLicense.objects.filter(partner__name__startswith="Scale partner ").exists():
        scale.load(total=total, partners=partners, big=big)
    today = dt.date.today()
    month = previous_month(previous_month(today))  # two ended months: one timed, one traced
    started = time.perf_counter()
    result = statements_close(month=month)
    closed = time.perf_counter() - started
    assert not result.failed, result.failed
    lines = StatementLine.objects.filter(statement__month=month).count()

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_close_reference "
            "(LIKE billing_statementline INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        started = time.perf_counter()
        cur.execute(REFERENCE_SQL, {"month": month})
        reference = time.perf_counter() - started
        reference_lines = cur.rowcount
        cur.execute("DROP TABLE bench_close_reference")

    tracemalloc.start()
    started = time.perf_counter()
    statements_close(month=previous_month(today))
    traced = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ratio = closed / reference if reference else None
    return [
        Row(
            f"close: month close, {total:,} customers over {partners:,} partners (s)",
            closed,
            reference,
            "s",
            "ratio ≤ 10",
            ratio is not None and ratio <= 10,
            note=f"{len(result.closed):,} statements, {lines:,} lines "
            f"(reference: {reference_lines:,} lines in one INSERT … SELECT)",
        ),
        Row(
            f"close: peak Python memory of the next month's close (MB, {total:,} customers)",
            peak / 1e6,
            None,
            "MB",
            "flat (reported)",
            None,
            note=f"took {traced:.1f} s under tracemalloc, adjustments included",
        ),
    ]
