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


def test_two_processes_closing_at_once_write_each_statement_once():
    partners = partners_with_customers(partners=PARTNERS, customers=CUSTOMERS)
    for partner in partners:
        WebhookEndpoint.objects.create(
            partner=partner,
            url="https://psa.example/hook",
            event_types=["statement.closed"],
            secret="whsec_race",
        )
    env = worker_env(settings_dict=connection.settings_dict, smtp_port=1)
    log = new_log("statements-race-")
    jobs = [
        WorkerProcess("statements_close", env, log, args=["--month", "2026-11"]) for _ in range(2)
    ]
    deadline = time.monotonic() + 120
    while any(job.process.poll() is None for job in jobs) and time.monotonic() < deadline:
        time.sleep(0.2)
    codes = [job.process.poll() for job in jobs]
    assert codes == [0, 0], log_tail(log)
    output = log.read_text()
    # Both ran through the partners; between them each was closed once.
    closed = [
        int(line.split(": ")[1].split(" closed")[0])
        for line in output.splitlines()
        if line.startswith("statements 2026-11")
    ]
    assert sum(closed) == PARTNERS, output
    # Both wrote some: they really ran at once (else passing would prove nothing).
    assert min(closed) >= 1, output
    assert Statement.objects.filter(month=NOV).count() == PARTNERS
    assert statements_whole(NOV, CUSTOMERS) == []
    assert OutboundEmail.objects.filter(kind="statement").count() == PARTNERS
    assert WebhookDelivery.objects.filter(event_type="statement.closed").count() == PARTNERS
