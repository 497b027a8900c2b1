"""Two ``renewals_apply`` processes at once on PostgreSQL (two machines' cron): each change once."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.utils import timezone

from licenses import services
from licenses.choices import CommitmentChangeStatus
from licenses.models import AllocationEvent, ScheduledCommitmentChange, VolumeLicense
from lmp.outbox.models import OutboundEmail
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, PartnerFactory, UserFactory, VolumeLicenseFactory
from tests.helpers.worker_process import WorkerProcess, log_tail, new_log, worker_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

LICENSES = 40
REPORT = re.compile(r"renewals: (\d+) applied, (\d+) refused, (\d+) already done elsewhere")


def test_two_processes_apply_each_scheduled_change_once():
    today = timezone.localdate()
    for n in range(LICENSES):
        partner = PartnerFactory(name=f"Renewal MSP {n}")
        boss = MembershipFactory(
            partner=partner, user=UserFactory(username=f"boss{n}"), role=PartnerRole.ADMINISTRATOR
        ).user
        license = VolumeLicenseFactory(partner=partner, seat_commitment=1000, renewal_date=today)
        services.commitment_change_schedule(
            actor=boss, partner=partner, license=license, new_commitment=900 + n
        )
    env = worker_env(settings_dict=connection.settings_dict, smtp_port=1)
    logs = [new_log("renewals-a-"), new_log("renewals-b-")]
    processes = [WorkerProcess("renewals_apply", env, log, args=[]) for log in logs]
    for process in processes:
        assert process.process.wait(timeout=120) == 0, log_tail(logs[0]) + log_tail(logs[1])
    reports = [REPORT.search(log.read_text()) for log in logs]
    assert all(reports), [log_tail(log) for log in logs]
    applied = [int(r[1]) for r in reports]
    skipped = [int(r[3]) for r in reports]
    print(f"applied per process {applied}, skipped per process {skipped}")
    assert sum(applied) == LICENSES
    assert (
        ScheduledCommitmentChange.objects.filter(status=CommitmentChangeStatus.APPLIED).count()
        == LICENSES
    )
    events = AllocationEvent.objects.filter(note__startswith="renewal ")
    assert events.count() == LICENSES  # one history event per change, never two
    assert OutboundEmail.objects.filter(kind="commitment renewed").count() == LICENSES
    assert sorted(VolumeLicense.objects.values_list("seat_commitment", flat=True)) == [
        900 + n for n in range(LICENSES)
    ]
