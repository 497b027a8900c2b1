"""Durable e-mail (issue 14): each e-mail is a row and a task on the queue, committed with the
change that causes it; the real database worker sends it with retries and backoff, once.

The fault tests are marked ``outbox_worker``: nothing is sent on commit, they run the worker
(``manage.py worker``'s loop, in-process) themselves, as a worker machine would.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lmp.core import worker as lmp_worker
from lmp.core.attempts import AttemptQueue
from lmp.outbox.choices import EmailStatus
from lmp.outbox.models import OutboundEmail
from lmp.outbox.services import email_enqueue
from lmp.outbox.tasks import email_send_task
from tests.helpers.auth import verified_login
from tests.helpers.clock import time_passes
from tests.helpers.mail import run_outbox, worker

pytestmark = pytest.mark.django_db


def invite_mail(n: int = 1) -> OutboundEmail:
    return email_enqueue(
        kind="invitation",
        to=[f"person{n}@northwind.example"],
        subject=f"You are invited ({n})",
        body="Hello",
        html="<p>Hello</p>",
    )


def sent_subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


# --- in the caller's transaction -----------------------------------------------------------------


@pytest.mark.outbox_worker
def test_the_mail_and_its_task_commit_with_the_change_and_vanish_with_a_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        invite_mail(1)
        assert OutboundEmail.objects.count() == DBTaskResult.objects.count() == 1
        raise RuntimeError("the change fails after the e-mail was queued")
    assert OutboundEmail.objects.count() == DBTaskResult.objects.count() == 0

    with transaction.atomic():
        email = invite_mail(2)
    task = DBTaskResult.objects.get()
    assert task.task_path == "lmp.outbox.tasks.email_send_task"
    assert task.args_kwargs["kwargs"] == {"email_id": email.pk}
    assert email.status == EmailStatus.QUEUED and mail.outbox == []  # nothing until a worker runs
    run_outbox()
    assert sent_subjects() == ["You are invited (2)"]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 1, "")
    assert email.sent_at is not None
    run_outbox()  # a second run finds nothing to send
    assert len(mail.outbox) == 1


def test_a_rolled_back_order_queues_no_mail(complete_license, django_capture_on_commit_callbacks):
    from tests.factories_onboarding import submit_order

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit_order(license=complete_license)
        assert OutboundEmail.objects.filter(kind="onboarding welcome").exists()
        raise RuntimeError("after the order")
    assert not OutboundEmail.objects.exists() and not DBTaskResult.objects.exists()
    assert mail.outbox == []


# --- worker faults -------------------------------------------------------------------------------


@pytest.mark.outbox_worker
def test_a_worker_killed_mid_send_leaves_the_mail_to_the_next_worker(settings):
    email = invite_mail()
    settings.EMAIL_BACKEND = "tests.helpers.mail.KilledMidSendBackend"
    run_outbox("doomed-worker")
    email.refresh_from_db()
    assert email.status == EmailStatus.SENDING and mail.outbox == []  # claimed, never finished

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_outbox("second-worker")  # the lease still holds: the mail is left to its worker
    assert mail.outbox == []
    time_passes(settings.OUTBOX_LEASE_SECONDS)
    run_outbox("second-worker")
    assert sent_subjects() == ["You are invited (1)"]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    time_passes(3600)
    run_outbox("third-worker")
    assert len(mail.outbox) == 1  # once


@pytest.mark.outbox_worker
def test_smtp_refusing_is_retried_with_backoff_then_failed_and_resent_from_admin(
    settings, client, staff_user
):
    settings.EMAIL_BACKEND = "tests.helpers.mail.RefusingBackend"
    email = invite_mail()
    waits = []
    for attempt in range(1, 6):
        before = timezone.now()
        run_outbox()
        email.refresh_from_db()
        assert email.attempts == attempt
        assert email.last_error == "SMTPException: 421 Service not available"
        if attempt < 5:
            assert email.status == EmailStatus.QUEUED
            waits.append(round((email.next_attempt_at - before).total_seconds() / 60))
            run_outbox()  # not due yet: nothing happens
            email.refresh_from_db()
            assert email.attempts == attempt
            time_passes(settings.OUTBOX_RETRY_DELAYS[attempt - 1])
    assert waits == [1, 2, 4, 8]  # minutes
    assert email.status == EmailStatus.FAILED and mail.outbox == []

    verified_login(client, staff_user)
    changelist = reverse("admin:outbox_outboundemail_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert [e.pk for e in page.context["cl"].result_list] == [email.pk]
    assert "person1@northwind.example" in page.text
    detail = client.get(reverse("admin:outbox_outboundemail_change", args=[email.pk]))
    assert "421 Service not available" in detail.text
    assert client.get(changelist, {"kind": "invitation"}).status_code == 200

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = client.post(
        changelist, {"action": "resend", "_selected_action": [email.pk]}, follow=True
    )
    assert "1 e-mail queued to be sent again." in response.text
    run_outbox()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert sent_subjects() == ["You are invited (1)"]
    # A sent mail can be sent again; one already queued is left alone.
    response = client.post(
        changelist, {"action": "resend", "_selected_action": [email.pk]}, follow=True
    )
    assert "1 e-mail queued to be sent again." in response.text
    response = client.post(
        changelist, {"action": "resend", "_selected_action": [email.pk]}, follow=True
    )
    assert "1 already queued or being sent: left as they are." in response.text


@pytest.mark.outbox_worker
def test_a_worker_that_keeps_dying_gives_up_after_the_last_attempt(settings):
    email = invite_mail()
    settings.EMAIL_BACKEND = "tests.helpers.mail.KilledMidSendBackend"
    for _ in range(6):
        run_outbox()
        time_passes(settings.OUTBOX_LEASE_SECONDS)
    run_outbox()
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert "A worker stopped while sending it" in email.last_error


JOIN_SECONDS = 120  # far more than the 40 mails take (a few seconds): a hang fails the test


def _two_workers_at_once(name: str) -> None:
    """Run two workers (``<name>-1``, ``<name>-2``) in threads, started together, until each
    finds nothing more to do; an exception in either fails the test."""
    barrier = threading.Barrier(2)
    errors = []

    def work(worker_id):
        try:
            barrier.wait()
            worker(worker_id).run()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(f"{name}-{n}",), name=f"{name}-{n}", daemon=True)
        for n in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    hung = [thread.name for thread in threads if thread.is_alive()]
    assert hung == [], f"still running after {JOIN_SECONDS} s (the workers never finished)"
    assert errors == []


@pytest.mark.outbox_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_mails_send_each_once(require_postgres):
    emails = [invite_mail(n) for n in range(40)]
    for email in emails:  # a second task for every mail: both workers may hold one for it
        email_send_task.enqueue(email_id=email.pk)
    _two_workers_at_once("worker")
    counts = Counter(sent_subjects())
    assert len(counts) == 40 and set(counts.values()) == {1}, counts
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
    runners = {
        worker_id
        for ids in DBTaskResult.objects.filter(status="SUCCESSFUL").values_list(
            "worker_ids", flat=True
        )
        for worker_id in ids
    }
    print(
        f"\noutbox: 40 mails, 80 tasks, 2 workers ({len(runners)} ran tasks), each mail sent once"
    )  # noqa: T201


# --- a worker killed between the task library's claim and ours -----------------------------------


def strand(email: OutboundEmail) -> None:
    """The worker marks the e-mail's task RUNNING (the task library's claim, committed) and dies
    before the task's own claim of the row commits: the row stays queued with 0 attempts, and
    the library never runs a RUNNING task again."""
    task = DBTaskResult.objects.get(args_kwargs__kwargs__email_id=email.pk, status="READY")
    task.claim("killed-worker")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 0)


@pytest.mark.outbox_worker
def test_staff_resend_an_email_stranded_by_a_killed_worker(settings, client, staff_user):
    email = invite_mail()
    strand(email)
    time_passes(3600)  # an hour later it is still queued, due, held by nobody
    verified_login(client, staff_user)
    changelist = reverse("admin:outbox_outboundemail_changelist")
    response = client.post(
        changelist, {"action": "resend", "_selected_action": [email.pk]}, follow=True
    )
    assert "1 e-mail queued to be sent again." in response.text
    run_outbox()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert sent_subjects() == ["You are invited (1)"]


@pytest.mark.outbox_worker
def test_a_worker_sends_an_email_whose_task_was_stranded_once_it_is_overdue(settings):
    email = invite_mail()
    strand(email)
    run_outbox()  # just due: its task could still be about to claim it; left to it
    assert mail.outbox == []
    time_passes(settings.WORKER_SWEEP_SECONDS)
    run_outbox("next-worker")  # the worker's sweep: due for WORKER_SWEEP_SECONDS, held by nobody
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    assert sent_subjects() == ["You are invited (1)"]
    time_passes(3600)
    run_outbox("third-worker")
    assert len(mail.outbox) == 1  # once


@pytest.mark.outbox_worker
def test_a_backlog_older_than_the_sweep_is_left_to_its_waiting_tasks(settings, caplog):
    """Mails queued behind a backlog still have their READY task: no sweep, no "lost" warning,
    no second task each; their tasks send them, once."""
    emails = [invite_mail(n) for n in range(3)]
    time_passes(settings.WORKER_SWEEP_SECONDS * 10)  # the workers were busy, or down, that long
    run_outbox()
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == []
    assert sorted(sent_subjects()) == [f"You are invited ({n})" for n in range(3)]
    for email in emails:
        email.refresh_from_db()
        assert (email.status, email.attempts) == (EmailStatus.SENT, 1)


def test_every_worker_sweeps_the_emails_and_the_webhook_deliveries():
    from lmp.core.attempts import QUEUES
    from lmp.webhooks.models import WebhookDelivery

    # Each app's ready() imports its services, whose AttemptQueue joins the list.
    assert sorted(q.model.__name__ for q in QUEUES) == sorted(
        [OutboundEmail.__name__, WebhookDelivery.__name__]
    )


@pytest.mark.outbox_worker
def test_a_row_failing_unexpectedly_in_the_sweep_is_logged_and_the_others_are_sent(
    settings, monkeypatch, caplog
):
    emails = [invite_mail(n) for n in range(3)]
    for email in emails:
        strand(email)
    time_passes(settings.WORKER_SWEEP_SECONDS)
    bad = emails[1]
    attempt = AttemptQueue.attempt

    def breaks_on_the_bad_row(queue, pk):
        if pk == bad.pk:
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return attempt(queue, pk)

    monkeypatch.setattr(AttemptQueue, "attempt", breaks_on_the_bad_row)
    run_outbox("sweeper")  # the worker goes on: not ended by the one row
    assert sorted(sent_subjects()) == ["You are invited (0)", "You are invited (2)"]
    bad.refresh_from_db()
    assert bad.status == EmailStatus.QUEUED  # left for a later sweep
    failed = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert len(failed) == 1 and f"e-mail {bad.pk}" in failed[0].getMessage()


@pytest.mark.outbox_worker
def test_a_stop_during_the_sweep_runs_no_task_after_it(monkeypatch):
    invite_mail()  # its task is ready
    the_worker = worker()

    def stopped(queue, limit):
        the_worker.running = False  # SIGTERM while sweeping
        return 0

    monkeypatch.setattr(AttemptQueue, "sweep", stopped)
    monkeypatch.setattr(lmp_worker, "close_old_connections", lambda: None)  # the test's atomic
    the_worker.run()
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "READY"


@pytest.mark.outbox_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_the_same_stranded_mails_send_each_once(settings, require_postgres):
    emails = [invite_mail(n) for n in range(40)]
    for email in emails:
        strand(email)
    time_passes(settings.WORKER_SWEEP_SECONDS)
    # Each worker in batch mode: sweeps (10 rows a round, again while full), then tasks.
    _two_workers_at_once("sweeper")
    counts = Counter(sent_subjects())
    assert len(counts) == 40 and set(counts.values()) == {1}, counts
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}
