"""The worker that sends e-mails and webhooks: django-tasks-db's, plus what keeps their promise.

``manage.py worker`` runs it (lmp/outbox/management/commands/worker.py; ``make worker``). It takes
tasks as django-tasks-db's ``db_worker`` does (``SELECT … FOR UPDATE SKIP LOCKED``, one at a time,
marked RUNNING, run), and besides:

- **It sweeps.** At start and every ``WORKER_SWEEP_SECONDS`` each attempt queue
  (``lmp.core.attempts.QUEUES``: the outbox's e-mails, the webhook deliveries) sends the rows no
  task will: due for that long, held by no live lease, with no READY task (``AttemptQueue.sweep``;
  a row that fails there with an unexpected error is logged and left, the sweep goes on). The
  task library marks a task RUNNING and commits before the task's own claim of its row commits,
  and never runs a RUNNING task again, so a worker killed in between leaves a row with no task:
  the sweep sends it within about twice ``WORKER_SWEEP_SECONDS`` of its falling due. Rows are
  taken by the same conditional UPDATE as a task's, so any number of workers may sweep at once.
- **It outlives the database.** An ``OperationalError`` or ``InterfaceError`` (the server gone,
  the connection refused or reset) no longer ends the process: it logs that it lost the database,
  tries again after 1, 2, 4 … 30 s, and logs when it is back (``--batch``, which runs what is due
  and ends, still ends with the error). A task cut short stays RUNNING in the task table; its row
  is swept (or, claimed, sent again once its lease has passed).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import time

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from lmp.core.attempts import QUEUES

logger = logging.getLogger(__name__)

SWEEP_BATCH = 10  # rows per queue and sweep; a full batch sweeps again at once
BACKOFF = (1, 2, 4, 8, 15, 30)  # seconds between tries to reach a lost database, then 30


class Worker(db_worker.Worker):
    """django-tasks-db's worker with the sweep and the wait for a lost database (module doc)."""

    def __init__(self, *, sweep_seconds: float | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sweep_seconds = (
            settings.WORKER_SWEEP_SECONDS if sweep_seconds is None else sweep_seconds
        )
        self.next_sweep = 0.0  # time.monotonic() of the next sweep: at once

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s; sweeping every %s s",
            self.worker_id,
            ",".join(self.queue_names),
            self.sweep_seconds,
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together
        while self.running:
            try:
                busy = self.sweep_if_due()
                if self.running:  # a stop signal during the sweep: no task after it
                    busy += self.task_run_one()
            except (OperationalError, InterfaceError) as error:
                if self.batch:
                    raise  # --batch runs what is due now and ends: an error is its answer
                self.database_wait(error)
                continue
            if self.batch and not busy:
                logger.info("No more tasks to run for worker_id=%s: exiting.", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("Ran %s tasks (--max-tasks): exiting.", self._run_tasks)
                return
            close_old_connections()
            if self.running and not busy:
                time.sleep(self.interval)

    def sweep_if_due(self) -> int:
        """Sweep every queue if it is time; how many stranded rows were found."""
        if time.monotonic() < self.next_sweep:
            return 0
        close_old_connections()
        found = full = 0
        self.running_task = True  # a SIGTERM now lets the sweep finish its rows
        try:
            for queue in QUEUES:
                swept = queue.sweep(SWEEP_BATCH)
                found += swept
                full += swept >= SWEEP_BATCH
                if not self.running:
                    break
        finally:
            self.running_task = False
        # A full batch may have more behind it: sweep again at once, else in sweep_seconds.
        self.next_sweep = time.monotonic() + (0 if full else self.sweep_seconds)
        return found

    def task_run_one(self) -> int:
        """Take one ready task and run it, as db_worker's loop does; 1 if there was one."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)  # RUNNING, committed: see the module doc
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            time.sleep(self.interval)  # SQLite's write lock: it frees up; not "no tasks"
            return 1
        if task_result is None:
            return 0
        self.run_task(task_result)
        return 1

    def database_wait(self, error: Exception) -> None:
        """Wait until the database answers again, trying after 1, 2, 4 … 30 s, and say so."""
        lost = time.monotonic()
        logger.error(
            "Lost the database (%s: %s); waiting for it (nothing is lost: the rows wait).",
            type(error).__name__,
            _first_line(error),
        )
        for tries in itertools.count(1):
            if not self.running:
                return
            delay = BACKOFF[min(tries, len(BACKOFF)) - 1]
            time.sleep(delay)  # a SIGTERM here exits at once (no task is running)
            with contextlib.suppress(DatabaseError):  # closing a broken one may fail: gone anyway
                connections.close_all()
            try:
                for connection in connections.all():
                    connection.ensure_connection()
            except (OperationalError, InterfaceError) as again:
                logger.warning(
                    "The database is still unreachable after %.0f s (%s); trying again.",
                    time.monotonic() - lost,
                    _first_line(again),
                )
                continue
            logger.warning(
                "The database is back after %.1f s; the worker carries on.",
                time.monotonic() - lost,
            )
            self.next_sweep = 0.0  # tasks cut short by the outage left rows to sweep
            return


def _first_line(error: Exception) -> str:
    """The driver's message without its hints ("Is the server running…"), for one log line."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
