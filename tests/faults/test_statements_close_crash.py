"""The month close killed with SIGKILL mid-run leaves whole statements only; a rerun ends it.

A real ``manage.py statements_close`` process on this test's PostgreSQL database is killed as soon
as some statements have committed and others not: each partner's statement (its license, every
line, its e-mail and webhook) is one transaction, so what the kill interrupted leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.db import connection

from lmp.billing.models import Statement, StatementLicense, StatementLine
from lmp.outbox.models import OutboundEmail
from tests.helpers.live_gunicorn import ROOT
from tests.helpers.statements import partners_with_customers, statements_whole
from tests.helpers.worker_process import WorkerProcess, log_tail, new_log, worker_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
    pytest.mark.outbox_worker,
]

NOV = dt.date(2026, 11, 1)
PARTNERS, CUSTOMERS = 30, 1500


def test_a_close_killed_midway_leaves_whole_statements_and_a_rerun_finishes():
    partners_with_customers(partners=PARTNERS, customers=CUSTOMERS, prefix="Crash")
    env = worker_env(settings_dict=connection.settings_dict, smtp_port=1)
    log = new_log("statements-crash-")
    job = WorkerProcess("statements_close", env, log, args=["--month", "2026-11"])
    deadline = time.monotonic() + 60
    while Statement.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    job.kill()
    written = Statement.objects.count()
    assert 2 <= written < PARTNERS, f"killed after {written} statements: {log_tail(log)}"
    # Whole ones only: no statement without all its lines, no license or line without one.
    assert statements_whole(NOV, CUSTOMERS) == []
    assert StatementLicense.objects.count() == written
    assert StatementLine.objects.count() == written * (CUSTOMERS + 1)
    assert OutboundEmail.objects.filter(kind="statement").count() == written

    rerun = subprocess.run(
        [sys.executable, "manage.py", "statements_close", "--month", "2026-11"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{PARTNERS - written} closed" in rerun.stdout
    assert f"{written} already closed" in rerun.stdout
    assert Statement.objects.count() == PARTNERS
    assert statements_whole(NOV, CUSTOMERS) == []
    assert OutboundEmail.objects.filter(kind="statement").count() == PARTNERS
