"""A database error half-way through onboarding, edit or offboard leaves nothing half-written.

Each test lets the real service run and makes one of its later writes fail with ``DatabaseError``
(as a dropped connection or a full disk would), through the real view. The transactions are real
(``transaction=True``), so what is checked is what a partner would find afterwards: every row of
the licenses, onboarding and shipping apps exactly as before (customers, allocations, pool
counters, history, orders, addresses, shipments), no e-mail sent, and the product's own error
page — not a traceback. Once the database is back, the same submit works, once.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.test import Client
from django.urls import reverse

from licenses.choices import CustomerStatus
from licenses.models import CustomerAccount, SeatAllocation
from onboarding import services as onboarding_services
from onboarding.models import OnboardingRequest
from tests.factories import AddressFactory, make_customer
from tests.factories_onboarding import ApplianceFactory, Wizard
from tests.helpers.edit import EditPage
from tests.helpers.state import db_state

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE = "simulated outage: server closed the connection unexpectedly"


def fail_on_call(monkeypatch, owner, name: str, call: int) -> list:
    """Make ``owner.name`` raise DatabaseError on its ``call``-th call (the others run for real)."""
    real = getattr(owner, name)
    calls: list = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == call:
            raise DatabaseError(OUTAGE)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)
    return calls


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def fail_on_write(monkeypatch, table: str, call: int) -> list:
    """Make the ``call``-th statement writing ``table`` raise DatabaseError (the others run).

    At the database layer, so the fault is the same whether a service writes with Model.save, a
    queryset or its own SQL.
    """
    calls: list = []

    def failing(execute, sql, params, many, context):
        written = WRITE.match(sql)
        if written and written.group(1) == table:
            calls.append(sql)
            if len(calls) == call:
                raise DatabaseError(OUTAGE)
        return execute(sql, params, many, context)

    database = connections[DEFAULT_DB_ALIAS]
    monkeypatch.setattr(database, "execute_wrappers", [*database.execute_wrappers, failing])
    return calls


@pytest.fixture
def browser(user):
    """A logged-in client that gets the 500 page, as a browser would, instead of the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_error_page(response) -> None:
    assert response.status_code == 500
    text = response.text
    assert "Something went wrong on our side" in text
    assert "nothing is left half-done" in text
    assert "Traceback" not in text and OUTAGE not in text
    assert 'href="/"' in text  # a way back into the product


@pytest.fixture
def sensors_wizard(browser, partner, complete_license, cloud_license):
    """The wizard on its review step: 30 + 5 cloud users, a primary and two extra sensors."""
    AddressFactory(partner=partner, is_default=True)
    primary, extra = ApplianceFactory(name="NS-300 Rack"), ApplianceFactory(name="NS-30 Branch")
    wizard = Wizard(browser, complete_license)
    wizard.start()
    wizard.incident()
    wizard.details(tier_users="30", cloud_users="5")
    wizard.sensors(primary, {extra: 2})
    wizard.ship_custom(
        {
            "recipient": "Ana Lima",
            "line1": "1 Main Street",
            "city": "Ottawa",
            "region": "ON",
            "postal_code": "K1P 1J1",
            "country": "CA",
        }
    )
    return wizard


@pytest.mark.parametrize(
    "fault",
    ["shipments after they are written", "the cloud allocation", "the order row"],
)
def test_onboarding_submit_fails_whole_and_can_be_submitted_again(
    monkeypatch, sensors_wizard, complete_license, cloud_license, fault
):
    before = db_state()
    if fault == "shipments after they are written":
        real = onboarding_services.shipments_create

        def written_then_lost(**kwargs):
            assert len(real(**kwargs)) == 3  # the rows are in the transaction...
            raise DatabaseError(OUTAGE)  # ...when the connection drops

        monkeypatch.setattr(onboarding_services, "shipments_create", written_then_lost)
    elif fault == "the cloud allocation":
        fail_on_call(monkeypatch, SeatAllocation, "save", 2)  # after the customer and tier rows
    else:
        fail_on_call(monkeypatch, OnboardingRequest, "save", 1)

    response = sensors_wizard.review()

    assert_error_page(response)
    assert db_state() == before
    assert mail.outbox == []

    monkeypatch.undo()  # the database is back: the wizard still has everything, submit again
    again = sensors_wizard.review()
    assert again.status_code == 302
    order = OnboardingRequest.objects.get()
    assert again["Location"] == reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    assert order.shipments.count() == 3
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (30, 5)
    assert len(mail.outbox) == 2  # one order: the partner's mail and the welcome


@pytest.fixture
def maple(complete_license, cloud_license):
    return make_customer(
        license=complete_license,
        tier_users=100,
        cloud_users=20,
        sat_users=10,
        legal_name="Maple Dental",
    )


def offboard_url(customer: CustomerAccount) -> str:
    return reverse(
        "licenses:customer_offboard",
        kwargs={"license_pk": customer.license_id, "pk": customer.pk},
    )


@pytest.mark.parametrize(
    ("table", "call"),
    [
        ("licenses_seatallocation", 2),
        ("licenses_seatallocation", 1),
        ("licenses_customeraccount", 1),
    ],
    ids=["second allocation write", "first allocation write", "the rename"],
)
def test_edit_fails_whole(monkeypatch, browser, maple, table, call):
    before = db_state()
    calls = fail_on_write(monkeypatch, table, call)
    # A rename, more tier users and fewer cloud users: three writes, in one transaction.
    response = EditPage(browser, maple).post(
        {
            "legal_name": "Maple Dental Group",
            "tier_users": "150",
            "cloud_users": "5",
            "sat_users": "10",
        },
    )
    assert len(calls) == call
    assert_error_page(response)
    assert db_state() == before

    monkeypatch.undo()
    assert (
        EditPage(browser, maple)
        .post(
            {
                "legal_name": "Maple Dental Group",
                "tier_users": "150",
                "cloud_users": "5",
                "sat_users": "10",
            },
        )
        .status_code
        == 302
    )
    maple.refresh_from_db()
    assert maple.legal_name == "Maple Dental Group"


@pytest.mark.parametrize(
    ("owner", "call"),
    [(SeatAllocation, 2), (CustomerAccount, 1)],
    ids=["second allocation released", "the status write after both releases"],
)
def test_offboard_fails_whole(
    monkeypatch, browser, maple, complete_license, cloud_license, owner, call
):
    before = db_state()
    fail_on_call(monkeypatch, owner, "save", call)
    assert_error_page(browser.post(offboard_url(maple)))
    assert db_state() == before
    maple.refresh_from_db()
    assert maple.status == CustomerStatus.ACTIVE

    monkeypatch.undo()
    assert browser.post(offboard_url(maple)).status_code == 302
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (0, 0)


def test_error_pages_render_without_a_request_context():
    from django.template.loader import get_template

    # Django's server_error view renders 500.html with no request, user or CSRF token.
    text = get_template("500.html").render()
    assert "Something went wrong on our side" in text
    assert "Log out" not in text
