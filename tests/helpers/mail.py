"""Run the e-mail queue in a test: the real worker (``lmp.core.worker.Worker``, what ``manage.py
worker`` runs: django-tasks-db's loop and the sweep), in-process, until no task is due.

Why not an immediate backend in tests: it would send inside the transaction, before the commit,
which is exactly what the queue must not do; with the database backend everywhere, what a test
sees is what a worker does. Every test gets its queued mails sent when its transaction commits
(``outbox_on_commit`` in tests/conftest.py: tests that read ``mail.outbox`` keep using
``django_capture_on_commit_callbacks(execute=True)``); a test marked ``outbox_worker`` runs the
worker itself with ``run_outbox()`` (the fault tests).
"""

from __future__ import annotations

import smtplib
import threading
from unittest import mock

from django.db import transaction

from lmp.core import worker as lmp_worker

_running = threading.local()


def worker(worker_id: str = "test-worker") -> lmp_worker.Worker:
    return lmp_worker.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_outbox(worker_id: str = "test-worker") -> None:
    """Run every task that is due (not those scheduled later: retries, lease checks)."""
    if getattr(_running, "active", False):
        return  # called back from a commit inside the worker: the running loop picks it up
    _running.active = True
    try:
        if transaction.get_connection().in_atomic_block:
            # Inside a test's transaction: the worker's own check for stale connections would
            # close it (its autocommit differs), so skip that check here.
            with mock.patch.object(lmp_worker, "close_old_connections", lambda: None):
                worker(worker_id).run()
        else:
            worker(worker_id).run()
    finally:
        _running.active = False


def on_enqueue_run_on_commit(sender, task_result, **kwargs) -> None:
    """``task_enqueued`` receiver: run the queue once the enqueuing transaction commits."""
    transaction.on_commit(run_outbox)


class RefusingBackend:
    """A mail server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPException("421 Service not available")


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-send (not an error the task could handle)."""


class KilledMidSendBackend(RefusingBackend):
    def send_messages(self, messages):
        raise WorkerKilled
