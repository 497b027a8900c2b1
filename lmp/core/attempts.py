"""Rows a queue task sends with retries: claim with a lease, back off, fail, queue again.

Used by the outbox (e-mails, ``lmp/outbox/services.py``) and the webhooks (deliveries,
``lmp/webhooks/services.py``). A row has ``status``, ``attempts``, ``next_attempt_at``,
``lease_until``, ``claim_token`` and ``last_error``; one task per row runs ``attempt``.

- The claim is one conditional UPDATE (queued and due, or sending with its lease passed → sending,
  attempts + 1): of two workers racing for one row, one gets it. The same transaction queues a
  check at the lease's end, which tries again if this worker dies mid-send.
- Only the holder of the claim may finish the row (its token is in every UPDATE's WHERE).
- A failed attempt is tried again after the next of the delays (one attempt more than delays);
  after the last one the row is failed, until ``requeue`` gives it a fresh set of attempts.

Delivery is at least once at the boundary: a worker that stops after the other side accepted and
before the row says so leaves it "sending"; once its lease has passed it is sent again.

The row is the truth; the task queue only wakes a worker. The task library marks a task running
and commits before the task's claim of the row commits, and never runs a running task again: a
worker killed between the two leaves the row queued with no task to send it. So every worker
(``lmp/core/worker.py``) also sweeps: a row due for ``WORKER_SWEEP_SECONDS``, held by no live
lease and with no READY task of its own (``stranded``; one queued behind a backlog keeps its task
and is left to it) is claimed and sent by the worker that finds it, by the same conditional
UPDATE, so several workers sweeping at once still send each row once. Resend takes such a row as
well.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lmp.core.l10n import count


class AttemptFailed(Exception):
    """A failed attempt, with what to record on the row beside ``last_error``; ``final`` when
    trying again cannot help (the row is failed at once, until ``requeue``)."""

    def __init__(self, error: str, *, final: bool = False, **fields) -> None:
        super().__init__(error)
        self.error, self.final, self.fields = error, final, fields


QUEUES: list[AttemptQueue] = []  # every queue made, in the order their modules were imported


@dataclass(frozen=True)
class AttemptQueue:
    """The claim / retry / fail / requeue of one model's rows (see the module docstring)."""

    model: type[models.Model]
    queued: str
    sending: str
    done: str
    failed: str
    enqueue: Callable[..., None]  # enqueue(pk, run_after=None): the row's task on the queue
    delays_setting: str  # the setting listing the seconds between attempts
    lease_setting: str  # the setting giving the seconds a worker holds a row
    stalled_error: str  # last_error when the worker holding it stopped once too often
    describe: Callable[[models.Model], str]  # "the invitation e-mail to …", for the log
    logger: logging.Logger
    send: Callable[[models.Model], dict | None]  # the outside call (see ``attempt``)
    task_kwarg: str  # the row's pk in its task's kwargs ("email_id"): whether a task waits for it

    def __post_init__(self) -> None:
        QUEUES.append(self)  # what every worker sweeps

    def retry_delays(self) -> list[int]:
        """Seconds to wait after each failed attempt; one attempt more than delays, then failed."""
        return [int(s) for s in getattr(settings, self.delays_setting)]

    def max_attempts(self) -> int:
        return len(self.retry_delays()) + 1

    def _lease(self) -> timedelta:
        return timedelta(seconds=getattr(settings, self.lease_setting))

    def _held(self, pk: int, token: str):
        return self.model.objects.filter(pk=pk, status=self.sending, claim_token=token)

    def claim(self, pk: int) -> str | None:
        """Take the row for this worker; its claim token, or None if it is not to be sent now."""
        now = timezone.now()
        token = uuid.uuid4().hex
        with transaction.atomic():
            claimed = (
                self.model.objects.filter(pk=pk)
                .filter(
                    Q(status=self.queued, next_attempt_at__lte=now)
                    | Q(status=self.sending, lease_until__lte=now)
                )
                .update(
                    status=self.sending,
                    claim_token=token,
                    lease_until=now + self._lease(),
                    attempts=F("attempts") + 1,
                )
            )
            if not claimed:
                return None
            self.enqueue(pk, run_after=now + self._lease())
        return token

    def attempt(self, pk: int) -> str:
        """Send the row if it is due and nobody else holds it; retry later on failure.

        ``self.send(row)`` returns the fields to record with success (or None), raises
        ``AttemptFailed`` (or any exception) on failure. Returns the row's ``done`` status,
        "retry", "failed" or "skipped" (done, failed, held by another worker, or not due yet).
        """
        send = self.send
        token = self.claim(pk)
        if token is None:
            return "skipped"
        row = self.model.objects.get(pk=pk)
        if row.attempts > self.max_attempts():
            self._fail(row, token, self.stalled_error, {})
            return "failed"
        try:
            fields = send(row) or {}
        except AttemptFailed as exc:
            if exc.final:
                self._fail(row, token, exc.error, exc.fields)
                return "failed"
            return self._retry_or_fail(row, token, exc.error, exc.fields)
        except Exception as exc:  # whatever the other side or the network says, try again later
            return self._retry_or_fail(row, token, f"{type(exc).__name__}: {exc}", {})
        self._held(pk, token).update(status=self.done, last_error="", lease_until=None, **fields)
        return str(self.done)

    def _fail(self, row, token: str, error: str, fields: dict) -> None:
        self._held(row.pk, token).update(
            status=self.failed, last_error=error, lease_until=None, **fields
        )
        self.logger.error(
            "Could not send %s; gave up after %s attempts: %s",
            self.describe(row),
            row.attempts,
            error,
        )

    def _retry_or_fail(self, row, token: str, error: str, fields: dict) -> str:
        if row.attempts >= self.max_attempts():
            self._fail(row, token, error, fields)
            return "failed"
        later = timezone.now() + timedelta(seconds=self.retry_delays()[row.attempts - 1])
        with transaction.atomic():
            held = self._held(row.pk, token).update(
                status=self.queued,
                next_attempt_at=later,
                last_error=error,
                lease_until=None,
                **fields,
            )
            if held:
                self.enqueue(row.pk, run_after=later)
        self.logger.warning(
            "Could not send %s, attempt %s of %s; trying again at %s: %s",
            self.describe(row),
            row.attempts,
            self.max_attempts(),
            later.isoformat(timespec="seconds"),
            error,
        )
        return "retry"

    def _stranded(self, now) -> Q:
        """Due for ``WORKER_SWEEP_SECONDS``, held by no live lease, and no task of the row's waits
        to run (READY): the one it had was marked running by a worker that is gone (a live worker
        claims a due row within moments). A row queued behind a backlog still has its READY
        task: the worker that reaches it sends it, so it is not stranded."""
        overdue = now - timedelta(seconds=settings.WORKER_SWEEP_SECONDS)
        waiting = DBTaskResult.objects.annotate(
            row_pk=Cast(KT(f"args_kwargs__kwargs__{self.task_kwarg}"), BigIntegerField())
        ).filter(status=TaskResultStatus.READY, row_pk=OuterRef("pk"))
        return (
            Q(status=self.queued, next_attempt_at__lte=overdue)
            | Q(status=self.sending, lease_until__lte=overdue)
        ) & ~Exists(waiting)

    def redeliverable(self) -> Q:
        """The rows ``requeue`` takes: not queued or being sent, or stranded (for a page that
        offers Resend only where it does something)."""
        return ~Q(status__in=[self.queued, self.sending]) | self._stranded(timezone.now())

    def sweep(self, limit: int) -> int:
        """Send up to ``limit`` stranded rows (``_stranded``); how many were found (``limit``:
        there may be more), whether this worker or another one that swept at once took them.

        Several workers may sweep at once: each row is taken by one claim, and the candidates are
        shuffled so that they mostly take different rows."""
        pks = list(
            self.model.objects.filter(self._stranded(timezone.now()))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        random.shuffle(pks)
        for pk in pks:
            try:
                outcome = self.attempt(pk)
            except (OperationalError, InterfaceError):
                raise  # the database is gone: the worker waits for it (lmp/core/worker.py)
            except Exception:
                # One bad row must not end the worker, which sweeps again at start: it is left
                # to its lease (or to the next sweep) and the sweep goes on with the others.
                self.logger.exception(
                    "Sweeping %s %s failed; left for later.", self.model._meta.verbose_name, pk
                )
                continue
            if outcome != "skipped":
                self.logger.warning(
                    "Swept %s %s: due for over %s s, held by no worker and no task waiting for "
                    "it (its task was lost with a stopped worker).",
                    self.model._meta.verbose_name,
                    pk,
                    settings.WORKER_SWEEP_SECONDS,
                )
        return len(pks)

    def requeue(self, pk: int) -> bool:
        """Queue a failed (or done, or stranded) row again with a fresh set of attempts; False if
        it is already queued or being sent."""
        with transaction.atomic():
            requeued = (
                self.model.objects.filter(pk=pk)
                .filter(self.redeliverable())
                .update(
                    status=self.queued,
                    attempts=0,
                    next_attempt_at=timezone.now(),
                    lease_until=None,
                    claim_token="",
                )
            )
            if requeued:
                self.enqueue(pk)
        return bool(requeued)


def requeued_report(modeladmin, request, *, done: int, total: int, done_text) -> None:
    """The admin's message after a Resend action: how many were queued, how many left as they are
    (already queued or being sent). ``done_text(n)``: the sentence for n queued, in the reader's
    language, e.g. ``ngettext("%(count)s e-mail queued…", "%(count)s e-mails queued…", n)``."""
    if done:
        modeladmin.message_user(request, done_text(done) % {"count": count(done)}, messages.SUCCESS)
    if total - done:
        left = total - done
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)s already queued or being sent: left as they are.",
                "%(count)s already queued or being sent: left as they are.",
                left,
            )
            % {"count": count(left)},
            messages.WARNING,
        )
