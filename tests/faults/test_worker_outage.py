"""The worker comes back: it outlives a database outage, and ``make worker-loop`` (what ``make run``
runs beside the server) starts it again when it dies.

A real worker process (``manage.py worker``) reaches PostgreSQL through a TCP proxy the test
controls (tests/helpers/worker_process.py). Once it has sent a first batch to a real SMTP server
(aiosmtpd), the proxy is cut for ``OUTAGE`` seconds: every open connection reset, every new one
refused, as when the database server goes down. The web (this test, connected directly) keeps
queuing e-mails meanwhile. The worker must still be running when the database comes back, say in
its log that it lost and regained it, and send every e-mail.

``make worker-loop`` runs for real (make, its shell loop, the worker under Django's autoreloader
as in development); its worker is killed with SIGKILL, and the loop starts another that sends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from lmp.outbox.choices import EmailStatus
from lmp.outbox.models import OutboundEmail
from lmp.outbox.services import email_enqueue
from tests.helpers.live_gunicorn import HOST, ROOT
from tests.helpers.worker_process import (
    SmtpServer,
    TcpProxy,
    WorkerProcess,
    log_tail,
    new_log,
    other_sessions,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.outbox_worker]

OUTAGE = 12  # seconds without the database


def queue_emails(first: int, count: int) -> None:
    for n in range(first, first + count):
        email_enqueue(
            kind="outage test", to=[f"person{n}@northwind.example"], subject=f"mail {n}", body="Hi"
        )


def sent() -> int:
    """E-mails the worker has marked sent (the mail server has them once more at least)."""
    return OutboundEmail.objects.filter(status=EmailStatus.SENT).count()


def test_the_worker_waits_out_a_database_outage_and_sends_the_mail(require_postgres):
    settings_dict = connection.settings_dict
    target = (settings_dict.get("HOST") or HOST, int(settings_dict.get("PORT") or 5432))
    log = new_log("lmp-worker-outage-")
    with SmtpServer() as smtp, TcpProxy(target) as proxy:
        env = worker_env(
            settings_dict={**settings_dict, "HOST": HOST, "PORT": proxy.port},
            smtp_port=smtp.port,
        )
        worker = WorkerProcess("worker", env, log)
        try:
            queue_emails(0, 5)
            assert wait_for(lambda: sent() == 5, timeout=30), log_tail(log)

            proxy.cut()
            cut_at = time.monotonic()
            queue_emails(5, 5)  # the web goes on queuing while the worker has no database
            time.sleep(max(0, OUTAGE - (time.monotonic() - cut_at)))
            assert worker.process.poll() is None, (
                f"the worker exited ({worker.process.returncode}) during the outage:\n"
                f"{log_tail(log)}"
            )
            assert len(smtp.subjects) == 5  # nothing could be claimed without the database
            proxy.restore()
            outage = time.monotonic() - cut_at

            assert wait_for(lambda: sent() == 10, timeout=60), log_tail(log)
            back_after = time.monotonic() - cut_at - outage
        finally:
            worker.stop()
    wait_for(lambda: other_sessions() == 0, timeout=15, step=0.2)
    text = log.read_text(errors="replace")
    assert "Lost the database" in text and "The database is back" in text, text[-4000:]
    assert sorted(smtp.subjects) == sorted(f"mail {n}" for n in range(10))  # each once
    print(  # noqa: T201
        f"\nworker outage: database cut for {outage:.1f} s; the 5 e-mails queued meanwhile were "
        f"sent {back_after:.1f} s after it came back; {proxy.accepted} connections through it"
    )
    log.unlink()


def worker_pids(pid: int) -> list[int]:
    """The ``manage.py worker`` processes below ``pid`` that run the loop (the innermost one under
    the autoreloader), read from /proc."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        below = worker_pids(int(child))
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if below:
            found += below
        elif b"manage.py" in cmdline and b"worker" in cmdline:
            found.append(int(child))
    return found


def test_make_worker_loop_starts_the_worker_again_when_it_dies(require_postgres):
    log = new_log("lmp-worker-loop-")
    with SmtpServer() as smtp:
        env = worker_env(
            settings_dict=connection.settings_dict, smtp_port=smtp.port, WORKER_RESTART_PAUSE="1"
        )
        with open(log, "ab") as out:
            make = subprocess.Popen(
                ["make", "--no-print-directory", "worker-loop"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as Ctrl-C would
            )
        try:
            started = lambda: log.read_text(errors="replace").count("Starting worker")  # noqa: E731
            assert wait_for(lambda: started() == 1, timeout=30), log_tail(log)
            (first,) = worker_pids(make.pid)
            os.kill(first, signal.SIGKILL)
            assert wait_for(lambda: started() == 2, timeout=30), log_tail(log)
            assert worker_pids(make.pid) not in ([], [first])
            queue_emails(0, 1)
            assert wait_for(lambda: smtp.subjects == ["mail 0"], timeout=30), log_tail(log)
        finally:
            os.killpg(make.pid, signal.SIGTERM)
            make.wait(timeout=20)
    wait_for(lambda: other_sessions() == 0, timeout=15, step=0.2)
    text = log.read_text(errors="replace")
    assert "make worker-loop: the worker exited (status" in text, text[-4000:]
    log.unlink()
