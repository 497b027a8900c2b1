"""Shared fixtures: partners with logins and licenses, and the PostgreSQL / browser gates."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from licenses.choices import ServiceTier
from lmp.partners.choices import PartnerRole
from tests.factories import (
    AddressFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
)
from tests.factories_onboarding import ApplianceFactory
from tests.helpers.auth import verified_login
from tests.helpers.routes import World, world_build


def _required(flag: str) -> bool:
    return os.environ.get(flag, "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def require_postgres():
    """Skip (or, in CI, fail) a test that needs PostgreSQL's row locks and real concurrency."""
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL: set DATABASE_URL=postgres://..."
        if _required("LMP_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)


def pytest_sessionstart(session):
    if _required("LMP_REQUIRE_POSTGRES") and connection.vendor != "postgresql":
        raise pytest.UsageError("LMP_REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL.")


@pytest.fixture(autouse=True)
def outbox_on_commit(request):
    """Queued e-mails are sent by the real worker, in-process, when their transaction commits
    (tests/helpers/mail.py); a test marked ``outbox_worker`` runs the worker itself."""
    if request.node.get_closest_marker("outbox_worker"):
        yield
        return
    from django_tasks.signals import task_enqueued

    from tests.helpers.mail import on_enqueue_run_on_commit

    task_enqueued.connect(on_enqueue_run_on_commit, dispatch_uid="tests-outbox-on-commit")
    yield
    task_enqueued.disconnect(dispatch_uid="tests-outbox-on-commit")


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Northwind MSP")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Contoso Secure IT")


@pytest.fixture
def user(partner):
    return MembershipFactory(partner=partner, user=UserFactory(username="alex")).user


@pytest.fixture
def admin_user(partner):
    """An Administrator of ``partner`` (``administrator_client`` signs in as it, past MFA)."""
    return MembershipFactory(
        partner=partner, user=UserFactory(username="sam"), role=PartnerRole.ADMINISTRATOR
    ).user


@pytest.fixture
def administrator_client(client, admin_user):
    """``admin_user`` signed in (past MFA): a partner's Administrator, not vendor staff."""
    return verified_login(client, admin_user)


@pytest.fixture
def other_user(other_partner):
    return MembershipFactory(partner=other_partner, user=UserFactory(username="jordan")).user


@pytest.fixture
def staff_user(db):
    user = UserFactory(username="vendor-staff")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def staff_client(client, staff_user):
    """Vendor staff signed in (past MFA), for the Django admin."""
    return verified_login(client, staff_user)


@pytest.fixture
def complete_license(partner):
    return VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=1990)


@pytest.fixture
def core_license(partner):
    return VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=500)


@pytest.fixture
def cloud_license(partner):
    return VolumeLicenseFactory(partner=partner, tier=ServiceTier.CLOUD, seat_commitment=300)


@pytest.fixture
def other_license(other_partner):
    return VolumeLicenseFactory(
        partner=other_partner, tier=ServiceTier.COMPLETE, seat_commitment=500
    )


@pytest.fixture
def world(partner, complete_license, cloud_license, other_partner, other_license) -> World:
    """A's customers (one offboarded) and order on its licenses; B's own (tests/helpers/routes)."""
    return world_build(complete_license, cloud_license, other_license)


@pytest.fixture
def partner_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def other_client(client, other_user):
    client.force_login(other_user)
    return client


@pytest.fixture
def default_address(partner):
    """The partner's default shipping address (Toronto)."""
    return AddressFactory(partner=partner, city="Toronto", postal_code="M5H 3T4", is_default=True)


@pytest.fixture
def rack(db):
    return ApplianceFactory(name="NS-1000 Rack Sensor")


@pytest.fixture
def desktop(db):
    return ApplianceFactory(name="NS-100 Desktop Sensor")
