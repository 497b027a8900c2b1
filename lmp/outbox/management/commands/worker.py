"""``manage.py worker``: send the queued e-mails and webhook deliveries (lmp/core/worker.py).

Takes db_worker's options (``--queue-name '*'``, ``--interval``, ``--batch``, ``--max-tasks``,
``--worker-id``, ``--reload``…); run one or more, on any machines, under a process manager that
restarts it (docs/pages/operations/workers.md).
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from lmp.core.worker import Worker


class Command(db_worker.Command):
    help = (
        "Send queued e-mails and webhook deliveries: db_worker's task loop, plus a sweep of rows "
        "no task will send, and a wait (not an exit) when the database is lost."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # db_worker's own handle, with lmp.core.worker.Worker in place of its Worker.
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child runs the loop
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
