"""The month close: what a statement bills, once, with its e-mail, webhook and corrections."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from licenses.selectors import license_terms_list
from lmp.billing.choices import StatementLineKind
from lmp.billing.closing import MonthNotEnded, statements_close
from lmp.billing.models import Statement, StatementLicense, StatementLine
from lmp.outbox.models import OutboundEmail
from lmp.partners.choices import PartnerRole
from lmp.webhooks.choices import EventType
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import MembershipFactory, PartnerFactory, UserFactory, make_customer
from tests.helpers.clock import ControlledClock

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
NOV_END = dt.datetime(2026, 12, 1, tzinfo=ZONE)  # the first instant of December, Toronto time


def at(y, m, d, hh=12, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=ZONE)


@pytest.fixture
def clock():
    clock = ControlledClock(at(2026, 10, 5))
    clock.start()
    yield clock
    clock.stop()


def set_time(clock: ControlledClock, when: dt.datetime) -> None:
    clock._now = when


def new_license(partner, tier, commitment, price, currency="CAD") -> VolumeLicense:
    """A license created through the service, so its history says when it began."""
    return services.license_save(
        license=VolumeLicense(
            partner=partner,
            tier=tier,
            seat_commitment=commitment,
            renewal_date=dt.date(2027, 6, 30),
            price_per_user=Decimal(price),
            currency=currency,
        )
    )


def lines_of(statement: Statement, license: VolumeLicense, kind=StatementLineKind.CUSTOMER):
    return {
        line.legal_name: (line.users, line.peak_users, line.sat_users, line.amount)
        for line in StatementLine.objects.filter(
            statement=statement, statement_license__license=license, kind=kind
        )
    }


@pytest.fixture
def northwind(clock):
    """Northwind's own MDR Complete and MDR Cloud pools, a pool shared with it by another
    partner, and customers whose November is told in each test."""
    partner = PartnerFactory(name="Northwind MSP")
    MembershipFactory(
        partner=partner,
        user=UserFactory(username="boss", email="boss@northwind.example"),
        role=PartnerRole.ADMINISTRATOR,
    )
    MembershipFactory(
        partner=partner,
        user=UserFactory(username="bank", email="bank@northwind.example"),
        role=PartnerRole.BANK_DETAILS_ONLY,
    )
    MembershipFactory(
        partner=partner,
        user=UserFactory(username="alloc", email="alloc@northwind.example"),
        role=PartnerRole.ALLOCATOR,
    )
    complete = new_license(partner, ServiceTier.COMPLETE, 1990, "14.50")
    cloud = new_license(partner, ServiceTier.CLOUD, 300, "4.00")
    owner = PartnerFactory(name="Big Owner MSP")
    shared = new_license(owner, ServiceTier.CORE, 500, "9.95")
    shared.sub_partners.add(partner)
    return partner, complete, cloud, shared


def test_a_statement_bills_each_own_license_at_the_months_end(northwind, clock):
    partner, complete, cloud, shared = northwind
    acme = make_customer(
        license=complete, tier_users=100, cloud_users=20, sat_users=30, legal_name="Acme"
    )
    bolt = make_customer(license=complete, tier_users=100, legal_name="Bolt")
    gone = make_customer(license=complete, tier_users=40, legal_name="Gone")
    late = make_customer(license=complete, tier_users=100, legal_name="Late Inc")
    # In the sub-partner's name on the shared pool: the owner bills it, not Northwind.
    make_customer(license=shared, tier_users=50, partner=partner, legal_name="Shared Co")
    set_time(clock, at(2026, 11, 10))
    services.customer_update(customer=bolt, legal_name=None, tier_users=150)  # peak
    set_time(clock, at(2026, 11, 20))
    services.customer_update(customer=bolt, legal_name=None, tier_users=120)
    services.customer_offboard(customer=gone)
    # After the month's end (just past midnight, Toronto): none of it is November's.
    set_time(clock, NOV_END)
    services.customer_update(customer=late, legal_name="Late Renamed", tier_users=200)
    services.customer_update(customer=acme, legal_name=None, tier_users=100, cloud_users=0)
    make_customer(license=complete, tier_users=10, legal_name="December Co")
    complete.price_per_user = Decimal("20.00")
    services.license_save(license=complete)

    result = statements_close(month=NOV, now=at(2026, 12, 1, 0, 30))

    assert result.failed == {}
    statement = Statement.objects.get(partner=partner, month=NOV)
    assert statement.period_end == NOV_END
    assert lines_of(statement, complete) == {
        # users, peak, SAT, amount = users × 14.50 (the price at the month's end)
        "Acme": (100, 100, 30, Decimal("1450.00")),
        "Bolt": (120, 150, 0, Decimal("1740.00")),
        "Late Inc": (100, 100, 0, Decimal("1450.00")),
    }
    assert lines_of(statement, complete, StatementLineKind.UNALLOCATED) == {
        "": (1990 - 320, None, 0, Decimal("1670") * Decimal("14.50"))
    }
    # The cloud users sit on the MDR Cloud pool: a line of that pool (removed after the end).
    assert lines_of(statement, cloud) == {"Acme": (20, 20, 0, Decimal("80.00"))}
    terms = {sl.license_id: sl for sl in StatementLicense.objects.filter(statement=statement)}
    assert set(terms) == {complete.pk, cloud.pk}  # not the shared-in pool
    assert (terms[complete.pk].seat_commitment, terms[complete.pk].allocated) == (1990, 320)
    assert terms[complete.pk].price_per_user == Decimal("14.50")
    for sl in terms.values():
        assert sl.amount == sl.seat_commitment * sl.price_per_user
        assert sum(line.amount for line in sl.lines.all()) == sl.amount
    # The owner of the shared pool gets it, with the sub-partner's customer on it.
    owner_statement = Statement.objects.get(partner=shared.partner, month=NOV)
    assert lines_of(owner_statement, shared) == {"Shared Co": (50, 50, 0, Decimal("497.50"))}


def test_the_statement_totals_are_the_billing_pages_monthly_totals(northwind, clock):
    partner, complete, cloud, _shared = northwind
    make_customer(license=complete, tier_users=230, cloud_users=12, sat_users=3)
    make_customer(license=cloud, tier_users=7)
    set_time(clock, at(2026, 11, 30, 23, 59))
    services.license_commitment_set(license=cloud, seat_commitment=320)
    # The moment the Billing page shows is the month's end: nothing changed since.
    billing_page = sum(lic.monthly_total for lic in license_terms_list(partner=partner))

    statements_close(month=NOV, now=at(2026, 12, 1, 1))

    statement = Statement.objects.get(partner=partner, month=NOV)
    totals = [sl.total for sl in statement.licenses.all()]
    assert sum(totals) == billing_page == Decimal("1990") * Decimal("14.50") + 320 * 4


def test_running_twice_writes_once_and_an_unended_month_is_refused(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    make_customer(license=complete, tier_users=10)
    first = statements_close(month=NOV, now=at(2026, 12, 1, 1))
    again = statements_close(month=NOV, now=at(2026, 12, 1, 2))
    assert len(first.closed) == 2 and first.skipped == 0  # Northwind and the shared pool's owner
    assert again.closed == [] and again.skipped == 2
    assert Statement.objects.filter(month=NOV).count() == 2
    assert OutboundEmail.objects.filter(kind="statement").count() == 1  # the owner has no login
    with pytest.raises(MonthNotEnded, match="2026-11 has not ended yet"):
        statements_close(month=NOV, now=at(2026, 11, 30, 23, 59))
    # The default is the previous month in the portal's time zone: at 23:30 on 30 November in
    # Toronto (04:30 UTC on 1 December), November has not ended and October is the default.
    result = statements_close(now=dt.datetime(2026, 12, 1, 4, 30, tzinfo=dt.UTC))
    assert result.month == OCT


def test_the_e_mail_goes_to_administrators_and_bank_details_only_with_the_totals(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    make_customer(license=complete, tier_users=10)
    statements_close(month=NOV, now=at(2026, 12, 1, 1), site_url="https://lmp.example/")
    email = OutboundEmail.objects.get(kind="statement")
    assert sorted(email.to) == ["bank@northwind.example", "boss@northwind.example"]
    assert email.subject == "Your statement for November 2026 is ready"
    assert "MDR Complete: 1,990 users × $14.50" in email.body
    assert "Total for the month: $30,055.00" in email.body  # 1,990 × 14.50 + 300 × 4.00
    assert "https://lmp.example/billing/statements/2026-11/" in email.body


def test_the_e_mail_is_in_each_recipients_language(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    partner.memberships.filter(user__username="bank").update(language="fr-ca")
    make_customer(license=complete, tier_users=10)
    statements_close(month=NOV, now=at(2026, 12, 1, 1))
    by_to = {tuple(e.to): e for e in OutboundEmail.objects.filter(kind="statement")}
    french = by_to[("bank@northwind.example",)]
    assert french.subject == "Votre relevé de novembre 2026 est prêt"
    assert "Total du mois : 30\u202f055,00\u00a0$\u00a0CAD" in french.body
    assert by_to[("boss@northwind.example",)].subject.startswith("Your statement")


def test_the_webhook_tells_the_month_the_totals_and_the_api_path(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    WebhookEndpoint.objects.create(
        partner=partner,
        url="https://psa.example/hook",
        event_types=[EventType.STATEMENT_CLOSED],
        secret="whsec_test",
    )
    make_customer(license=complete, tier_users=10)
    statements_close(month=NOV, now=at(2026, 12, 1, 1))
    statements_close(month=NOV, now=at(2026, 12, 1, 2))
    delivery = WebhookDelivery.objects.get()
    data = delivery.payload["data"]
    assert delivery.event_type == "statement.closed"
    assert data["month"] == "2026-11" and data["partner_id"] == partner.pk
    assert data["api_path"] == "/api/v1/statements/2026-11/"
    assert data["totals"] == {"CAD": "30055.00"}
    assert [(x["tier"], x["total"]) for x in data["licenses"]] == [
        ("complete", "28855.00"),
        ("cloud", "1200.00"),
    ]


def test_a_change_backdated_into_a_closed_month_is_an_adjustment_next_month(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    acme = make_customer(license=complete, tier_users=100, legal_name="Acme")
    statements_close(month=OCT, now=at(2026, 11, 1, 0, 10))
    # An edit dated 31 October 23:59 that committed after October was closed (a real race).
    set_time(clock, at(2026, 10, 31, 23, 59))
    services.customer_update(customer=acme, legal_name=None, tier_users=130)

    statements_close(month=NOV, now=at(2026, 12, 1, 1))

    october = Statement.objects.get(partner=partner, month=OCT)
    assert lines_of(october, complete)["Acme"][0] == 100  # written once, never changed
    november = Statement.objects.get(partner=partner, month=NOV)
    adjustments = {
        line.legal_name: (line.users, line.amount, line.adjusts)
        for line in november.lines.filter(kind=StatementLineKind.ADJUSTMENT)
    }
    assert adjustments == {
        "Acme": (30, Decimal("435.00"), OCT),
        "": (-30, Decimal("-435.00"), OCT),  # the unallocated users it took
    }
    sl = november.licenses.get(license=complete)
    assert sl.adjustments == Decimal("0.00")  # the commitment is what is billed: no change
    assert lines_of(november, complete)["Acme"][0] == 130


def test_a_price_backdated_into_a_closed_month_adjusts_the_amount(northwind, clock):
    partner, complete, _cloud, _shared = northwind
    make_customer(license=complete, tier_users=100, legal_name="Acme")
    statements_close(month=OCT, now=at(2026, 11, 1, 0, 10))
    set_time(clock, at(2026, 10, 31, 23, 59))
    complete.price_per_user = Decimal("15.00")
    services.license_save(license=complete)
    statements_close(month=NOV, now=at(2026, 12, 1, 1))
    sl = Statement.objects.get(partner=partner, month=NOV).licenses.get(license=complete)
    assert sl.adjustments == Decimal("995.00")  # 1,990 × 0.50
    assert sl.total == 1990 * Decimal("15.00") + Decimal("995.00")


def test_a_partner_whose_statement_fails_is_reported_and_the_others_close(northwind, clock):
    partner, complete, _cloud, shared = northwind
    make_customer(license=complete, tier_users=100)
    # Broken history: a commitment "before" below what was allocated; the insert refuses it.
    from licenses.models import AllocationEvent

    AllocationEvent.objects.create(
        license=complete,
        kind="commitment_changed",
        what="Seat commitment",
        from_value=5,
        to_value=1990,
        at=at(2026, 12, 1, 0, 5),
    )
    result = statements_close(month=NOV, now=at(2026, 12, 1, 1))
    assert list(result.failed) == [partner.pk]
    assert result.closed == [shared.partner_id]
    assert not Statement.objects.filter(partner=partner).exists()
    assert not StatementLicense.objects.filter(license__partner=partner).exists()
    assert not OutboundEmail.objects.filter(kind="statement").exists()
    # The command says so and exits 1 (cron mails it); a rerun still skips the closed one.
    set_time(clock, at(2026, 12, 1, 2))
    with pytest.raises(SystemExit) as exit_:
        call_command("statements_close", "--month", "2026-11")
    assert exit_.value.code == 1
    assert Statement.objects.filter(partner=shared.partner).count() == 1


def test_the_command_prints_what_it_did_and_fails_on_a_failed_partner(northwind, clock, capsys):
    _partner, complete, _cloud, _shared = northwind
    make_customer(license=complete, tier_users=10)
    set_time(clock, at(2026, 12, 7))
    call_command("statements_close", "--month", "2026-11")
    assert "statements 2026-11: 2 closed (4 lines), 0 already closed" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("statements_close", "--month", "November")
    with pytest.raises(CommandError, match="has not ended yet"):
        call_command("statements_close", "--month", "2026-12")


def _customers(license, n):
    for i in range(n):
        make_customer(license=license, tier_users=2, cloud_users=1, legal_name=f"Cust {i:03d}")


@pytest.mark.parametrize("n", [5, 50])
def test_the_close_costs_the_same_queries_whatever_the_customers(n, northwind, clock):
    _partner, complete, _cloud, _shared = northwind
    _customers(complete, n)
    set_time(clock, at(2026, 11, 15))
    for customer in complete.customers.all()[:3]:
        services.customer_update(customer=customer, legal_name=None, tier_users=3, cloud_users=None)
    statements_close(month=OCT, now=at(2026, 11, 1, 1))
    # A fixed number for both sizes (two partners), but for the lines' INSERTs: 2,000 lines a
    # batch where the database takes them (PostgreSQL); SQLite's limit of 999 parameters a
    # statement takes fewer, so there the INSERTs grow with the lines, a batch at a time.
    with CaptureQueriesContext(connection) as captured:
        result = statements_close(month=NOV, now=at(2026, 12, 1, 1))
    line_inserts = [
        q
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "billing_statementline"')
    ]
    assert len(captured) - len(line_inserts) <= 49
    if connection.vendor == "postgresql":
        assert len(line_inserts) <= 2
    assert result.lines == 2 * n + 2 + 1  # customers on both pools, 2 unallocated, the shared
