"""Two machines close the month at once (two real processes on PostgreSQL): each partner's
statement is written once, and its e-mail and webhook event are queued once."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection

from lmp.billing.models import Statement
from lmp.outbox.models import OutboundEmail
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.helpers.statements import partners_with_customers, statements_whole
from tests.helpers.worker_process import WorkerProcess, log_tail, new_log, worker_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
    pytest.mark.outbox_worker,
]

NOV = dt.date(2026, 11, 1)
PARTNERS, CUSTOMERS = 30, 1000


def _race(month: dt.date) -> list[int]:
    """Two real processes close ``month`` at once; how many statements each wrote."""
    env = worker_env(settings_dict=connection.settings_dict, smtp_port=1)
    log = new_log("statements-race-")
    args = ["--month", f"{month:%Y-%m}"]
    jobs = [WorkerProcess("statements_close", env, log, args=args) for _ in range(2)]
    deadline = time.monotonic() + 120
    while any(job.process.poll() is None for job in jobs) and time.monotonic() < deadline:
        time.sleep(0.2)
    codes = [job.process.poll() for job in jobs]
    assert codes == [0, 0], log_tail(log)
    output = log.read_text()
    closed = [
        int(line.split(": ")[1].split(" closed")[0])
        for line in output.splitlines()
        if line.startswith(f"statements {month:%Y-%m}")
    ]
    # Both ran through the partners; between them each was closed once.
    assert sum(closed) == PARTNERS, output
    assert Statement.objects.filter(month=month).count() == PARTNERS
    assert statements_whole(month, CUSTOMERS) == []
    return closed


def test_two_processes_closing_at_once_write_each_statement_once():
    partners = partners_with_customers(partners=PARTNERS, customers=CUSTOMERS)
    for partner in partners:
        WebhookEndpoint.objects.create(
            partner=partner,
            url="https://psa.example/hook",
            event_types=["statement.closed"],
            secret="whsec_race",
        )
    # Up to three months closed by two processes each: every run writes each statement once,
    # and in one of them at least both wrote some (they really ran at once, else passing would
    # prove nothing; on a loaded machine one process may start after the other has finished).
    runs = []
    for month in (NOV, dt.date(2026, 10, 1), dt.date(2026, 9, 1)):
        runs.append(_race(month))
        if min(runs[-1]) >= 1:
            break
    assert max(min(run) for run in runs) >= 1, runs
    assert OutboundEmail.objects.filter(kind="statement").count() == PARTNERS * len(runs)
    assert WebhookDelivery.objects.filter(event_type="statement.closed").count() == PARTNERS * len(
        runs
    )
