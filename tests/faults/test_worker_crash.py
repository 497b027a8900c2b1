"""The worker killed with SIGKILL at random moments, over and over, loses no e-mail and no webhook.

A real worker process (``manage.py worker``, tests/helpers/worker_process.py) sends to a real SMTP
server (aiosmtpd, slow: each message held 20–120 ms) and posts to a real HTTP receiver, against
this test's PostgreSQL database, while the test keeps queuing e-mails and webhook deliveries as
the web would. It is killed ``KILLS`` times: one kill in three as soon as the test sees a task
the library marked running whose row is still queued (the window between the library's claim and
ours: killed there, the row has no task left), one 0–50 ms after a server answered a message (the
2nd to 10th since the worker started: between one task and the next), the others at a random
moment (mid-send, at startup). A window not seen within 10 s falls back to the answer kill.
Then one worker runs undisturbed for a bounded time. Every row must end sent or succeeded — none
left queued or sending — and every one must have reached its server; repeats (at least once is the
promise) are counted and reported.

The random moments come from a seeded RNG, with a fixed seed so that CI replays the same run;
``LMP_CRASH_SEED=<seed>`` runs another one (the seed is in the failure message and the figures).
The run must have left rows whose task the library marked running and never ran, which only the
sweep sends (its "Swept" log lines; ``orphans``: those still waiting when the kills end): else it
never hit the window it is about, and passing would prove nothing.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lmp.outbox.choices import EmailStatus
from lmp.outbox.models import OutboundEmail
from lmp.outbox.services import email_enqueue
from lmp.webhooks import services as webhooks
from lmp.webhooks.choices import DeliveryStatus, EventType
from lmp.webhooks.models import WebhookDelivery
from tests.factories import PartnerFactory
from tests.helpers.webhook_receiver import ReceiverServer
from tests.helpers.worker_process import (
    SmtpServer,
    WorkerProcess,
    log_tail,
    new_log,
    other_sessions,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.outbox_worker]

COMMAND = "worker"
EMAILS = 120
DELIVERIES = 120
FIRST_WAVE = 25  # of each, queued before the first worker starts; the rest while it is killed
KILLS = 32
CLEAN_RUN = 60  # seconds the last, undisturbed worker has to finish everything
# Short leases and retries so a run fits in a minute or two; ten attempts, as a row hit by
# several kills spends one attempt per claim.
LEASE = "3"
RETRIES = "1,1,1,1,1,1,1,1,1"
SWEEP = "15"
SEED = 20261207  # LMP_CRASH_SEED overrides


def queue_email(n: int) -> None:
    email_enqueue(
        kind="crash test", to=[f"person{n}@northwind.example"], subject=f"crash {n}", body="Hello"
    )


def pending() -> int:
    return (
        OutboundEmail.objects.exclude(status=EmailStatus.SENT).count()
        + WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).count()
    )


def in_the_window(since) -> bool:
    """A task the library marked RUNNING since ``since`` whose row is still queued: the worker is
    between the library's claim and ours, the moment a kill leaves the row with no task."""
    for task in DBTaskResult.objects.filter(status="RUNNING", started_at__gte=since):
        kwargs = task.args_kwargs["kwargs"]
        if "email_id" in kwargs:
            rows = OutboundEmail.objects.filter(pk=kwargs["email_id"], status=EmailStatus.QUEUED)
        else:
            rows = WebhookDelivery.objects.filter(
                pk=kwargs.get("delivery_id"), status=DeliveryStatus.QUEUED
            )
        if rows.exists():
            return True
    return False


def test_a_worker_killed_again_and_again_loses_no_email_and_no_webhook(require_postgres):
    seed = int(os.environ.get("LMP_CRASH_SEED") or SEED)
    rng = random.Random(seed)
    started = time.monotonic()
    partner = PartnerFactory(name="Northwind MSP")
    log = new_log("lmp-worker-crash-")
    with SmtpServer(delay=(0.02, 0.12), seed=seed) as smtp, ReceiverServer() as receiver:
        receiver.delay = 0.05
        endpoint = webhooks.endpoint_create(
            actor=None, partner=partner, url=receiver.url, event_types=EventType.values
        )
        env = worker_env(
            settings_dict=connection.settings_dict,
            smtp_port=smtp.port,
            OUTBOX_LEASE_SECONDS=LEASE,
            WEBHOOKS_LEASE_SECONDS=LEASE,
            OUTBOX_RETRY_DELAYS=RETRIES,
            WEBHOOKS_RETRY_DELAYS=RETRIES,
            # Long enough that the tasks, not the sweep, send most rows while the kills go on.
            WORKER_SWEEP_SECONDS=SWEEP,
        )
        queued = {"emails": 0, "deliveries": 0}

        def queue_more(count: int) -> None:
            for _ in range(min(count, EMAILS - queued["emails"])):
                queue_email(queued["emails"])
                queued["emails"] += 1
            for _ in range(min(count, DELIVERIES - queued["deliveries"])):
                webhooks.webhook_event_emit(
                    partner=partner,
                    event_type=EventType.ALLOCATION_CHANGED,
                    data={"n": queued["deliveries"]},
                )
                queued["deliveries"] += 1

        def answered() -> int:
            return smtp.answered + receiver.answered

        queue_more(FIRST_WAVE)
        kills = {
            "in the window": 0,
            "after an answer": 0,
            "at a random moment": 0,
            "no answer in time": 0,
        }
        for n in range(KILLS):
            since = timezone.now()
            worker = WorkerProcess(COMMAND, env, log)
            try:
                if n % 3 == 2 and wait_for(lambda s=since: in_the_window(s), timeout=10, step=0):
                    kills["in the window"] += 1  # at once: the window lasts milliseconds
                elif n % 3:
                    after = answered() + rng.randint(2, 10)
                    came = wait_for(lambda after=after: answered() >= after, timeout=10, step=0.002)
                    time.sleep(rng.uniform(0, 0.05))
                    kills["after an answer" if came else "no answer in time"] += 1
                else:
                    time.sleep(rng.uniform(0.5, 3.0))
                    kills["at a random moment"] += 1
            finally:
                worker.kill()
            queue_more(3)
        queue_more(EMAILS + DELIVERIES)  # the rest, if the kills went by faster than the queuing
        killed_at = time.monotonic()
        # The state the kills left: rows due, held by no lease, with no task that will run (the
        # library's claim committed, ours not): what only the sweep (or Resend) sends.
        ready = {
            (task.task_path, *task.args_kwargs["kwargs"].values())
            for task in DBTaskResult.objects.filter(status="READY")
        }
        orphans = sum(
            ("lmp.outbox.tasks.email_send_task", pk) not in ready
            for pk in OutboundEmail.objects.filter(status=EmailStatus.QUEUED).values_list(
                "pk", flat=True
            )
        ) + sum(
            ("lmp.webhooks.tasks.webhook_deliver_task", pk) not in ready
            for pk in WebhookDelivery.objects.filter(status=DeliveryStatus.QUEUED).values_list(
                "pk", flat=True
            )
        )

        clean = WorkerProcess(COMMAND, env, log)
        try:
            finished = wait_for(lambda: pending() == 0, timeout=CLEAN_RUN, step=0.25)
        finally:
            clean.stop()
        wait_for(lambda: other_sessions() == 0, timeout=15, step=0.2)
        wall = time.monotonic() - started
        clean_seconds = time.monotonic() - killed_at

        emails = list(OutboundEmail.objects.values_list("subject", "status", "attempts"))
        deliveries = list(WebhookDelivery.objects.values_list("message_id", "status", "attempts"))
        stranded = [e for e in emails if e[1] != EmailStatus.SENT] + [
            d for d in deliveries if d[1] != DeliveryStatus.SUCCEEDED
        ]
        never_started = [s for s in stranded if s[2] == 0]
        running_tasks = DBTaskResult.objects.filter(status="RUNNING").count()
        swept = log.read_text(errors="replace").count("Swept ")
        mails = Counter(smtp.subjects)
        posts = Counter(r.headers["webhook-id"] for r in receiver.requests)
        figures = (
            f"seed {seed}: {sum(kills.values())} kills ({kills}), {len(emails)} e-mails, "
            f"{len(deliveries)} webhook deliveries; {orphans} queued rows had no task left after "
            f"the kills; stranded {len(stranded)} ({len(never_started)} queued with 0 attempts), "
            f"{running_tasks} tasks left RUNNING, {swept} rows swept; "
            f"repeats: {sum(mails.values()) - len(mails)} e-mails, "
            f"{sum(posts.values()) - len(posts)} webhooks; clean worker {clean_seconds:.1f} s, "
            f"wall {wall:.1f} s"
        )
        print(f"\nworker crash: {figures}")  # noqa: T201

        assert (len(emails), len(deliveries)) == (EMAILS, DELIVERIES)
        # Only the sweep sends a row whose task a kill left RUNNING (or took): each such row is
        # one "Swept" line, whether swept by a restarted worker during the kills or the clean one.
        assert swept > 0, (
            f"no kill left a row without its task: the window went untested\n{figures}"
        )
        assert finished, (
            f"the clean worker did not finish in {CLEAN_RUN} s: {len(stranded)} rows not sent "
            f"({len(never_started)} never tried)\n{figures}\nstranded: {stranded[:10]}\n"
            f"{log_tail(log)}"
        )
        assert stranded == [], f"{figures}\nstranded: {stranded[:10]}\n{log_tail(log)}"
        # Every row marked done reached its server (at least once).
        assert set(mails) == {subject for subject, *_ in emails}, figures
        assert set(posts) == {message_id for message_id, *_ in deliveries}, figures
        assert endpoint.deliveries.count() == DELIVERIES
    log.unlink()
