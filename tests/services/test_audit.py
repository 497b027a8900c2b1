"""Audit history: every allocation change is recorded once, with who, when, where, from and to.

Services record the events; the license and customer history pages show them (filters, tenancy,
constant queries); the Excel export carries them on a second sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from licenses import policy, services
from licenses.choices import AllocationEventKind, AllocationEventSource
from licenses.models import AllocationEvent, CustomerAccount, SeatAllocation, VolumeLicense
from onboarding.services import OnboardingOrder, onboarding_submit
from tests.factories import MembershipFactory, UserFactory, make_customer
from tests.factories_onboarding import Wizard
from tests.helpers.admin_site import admin_url, form_data
from tests.helpers.auth import verified_login
from tests.helpers.customers import bulk_customers
from tests.helpers.edit import EditPage
from tests.helpers.messages import messages_of

pytestmark = pytest.mark.django_db

ONBOARDED = AllocationEventKind.ONBOARDED
EDITED = AllocationEventKind.EDITED
OFFBOARDED = AllocationEventKind.OFFBOARDED
COMMITMENT = AllocationEventKind.COMMITMENT_CHANGED
PORTAL = AllocationEventSource.PORTAL
ADMIN = AllocationEventSource.ADMIN

# Session, user (with its membership and partner), license, its partner's MDR Cloud license (the
# "Figure" filter offers its customers' MDR Cloud Users), the events' COUNT and one page.
LICENSE_HISTORY_MAX_QUERIES = 6
# The same plus the customer (with its allocations) and the partner's MDR Cloud license, and
# the usage chart's three (licenses.usage.customer_usage).
CUSTOMER_HISTORY_MAX_QUERIES = 10
# Session, user (with its partner), license, cloud license, customers, events (iterator queries).
EXPORT_MAX_QUERIES = 6


def recorded(**filters) -> list[tuple]:
    """The events as (license id, customer id, what, from, to, kind, source, actor id), in order."""
    return [
        (
            e.license_id,
            e.customer_id,
            e.what,
            e.from_value,
            e.to_value,
            e.kind,
            e.source,
            e.actor_id,
        )
        for e in AllocationEvent.objects.filter(**filters).order_by("id")
    ]


def event_count() -> int:
    return AllocationEvent.objects.count()


@pytest.fixture
def maple(complete_license, cloud_license):
    return make_customer(
        license=complete_license,
        legal_name="Maple Leaf Dental",
        tier_users=100,
        cloud_users=20,
        sat_users=60,
    )


# --- services record exactly the change -------------------------------------------------------


def test_create_records_one_onboarded_event_per_figure(
    partner, user, complete_license, cloud_license
):
    before = timezone.now()
    customer = services.customer_create(
        partner=partner,
        license=complete_license,
        legal_name="Maple Leaf Dental",
        admin_email="it@maple.example",
        tier_users=100,
        cloud_users=20,
        sat_users=60,
        actor=user,
    )
    # The legal name it starts with, then each count: history rebuilds the customer from here.
    assert recorded() == [
        (complete_license.pk, customer.pk, "Legal name", None, None, ONBOARDED, PORTAL, user.pk),
        (
            complete_license.pk,
            customer.pk,
            "MDR Complete Users",
            0,
            100,
            ONBOARDED,
            PORTAL,
            user.pk,
        ),
        (
            complete_license.pk,
            customer.pk,
            "Beauceron SAT Users",
            0,
            60,
            ONBOARDED,
            PORTAL,
            user.pk,
        ),
        (cloud_license.pk, customer.pk, "MDR Cloud Users", 0, 20, ONBOARDED, PORTAL, user.pk),
    ]
    times = set(AllocationEvent.objects.values_list("at", flat=True))
    assert len(times) == 1 and before <= times.pop() <= timezone.now()


def test_create_without_cloud_or_sat_records_only_the_tier_users(partner, core_license):
    customer = services.customer_create(
        partner=partner,
        license=core_license,
        legal_name="Rideau Law",
        admin_email="it@rideau.example",
        tier_users=45,
    )
    # No actor: the system (demo data, scripts).
    assert recorded() == [
        (core_license.pk, customer.pk, "Legal name", None, None, ONBOARDED, PORTAL, None),
        (core_license.pk, customer.pk, "MDR Core Users", 0, 45, ONBOARDED, PORTAL, None),
    ]


def test_update_records_each_changed_figure_and_a_rename(
    user, complete_license, cloud_license, maple
):
    start = event_count()
    services.customer_update(
        customer=maple,
        legal_name="Maple Leaf Dental Group",
        tier_users=150,
        cloud_users=5,
        sat_users=60,
        actor=user,
    )
    assert recorded(kind=EDITED) == [
        (complete_license.pk, maple.pk, "Legal name", None, None, EDITED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "MDR Complete Users", 100, 150, EDITED, PORTAL, user.pk),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 5, EDITED, PORTAL, user.pk),
    ]
    # A rename alone is recorded with the names; saving the same numbers records nothing more.
    services.customer_update(
        customer=maple,
        legal_name="Maple Leaf Dental Inc.",
        tier_users=150,
        cloud_users=5,
        sat_users=60,
        actor=user,
    )
    assert event_count() == start + 4
    renames = AllocationEvent.objects.filter(what="Legal name", kind=EDITED).order_by("pk")
    assert [(e.from_text, e.to_text) for e in renames] == [
        ("Maple Leaf Dental", "Maple Leaf Dental Group"),
        ("Maple Leaf Dental Group", "Maple Leaf Dental Inc."),
    ]
    assert str(renames[1]).startswith(
        "Legal name “Maple Leaf Dental Group” → “Maple Leaf Dental Inc.”"
    )


def test_update_records_sat_and_cloud_release(user, complete_license, cloud_license, maple):
    start = event_count()
    services.customer_update(
        customer=maple,
        legal_name=maple.legal_name,
        tier_users=100,
        cloud_users=0,
        sat_users=0,
        actor=user,
    )
    assert event_count() == start + 2
    assert recorded(kind=EDITED) == [
        (complete_license.pk, maple.pk, "Beauceron SAT Users", 60, 0, EDITED, PORTAL, user.pk),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 0, EDITED, PORTAL, user.pk),
    ]


def test_seat_edits_record_from_and_to(user, complete_license, cloud_license, maple):
    edit = {"customer": maple, "legal_name": maple.legal_name, "actor": user}
    services.customer_update(**edit, tier_users=120, sat_users=70, cloud_users=20)
    services.customer_update(**edit, tier_users=120, sat_users=70, cloud_users=0)
    assert recorded(kind=EDITED) == [
        (complete_license.pk, maple.pk, "MDR Complete Users", 100, 120, EDITED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "Beauceron SAT Users", 60, 70, EDITED, PORTAL, user.pk),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 0, EDITED, PORTAL, user.pk),
    ]
    # Setting what is already there records nothing.
    services.customer_update(**edit, tier_users=120, sat_users=70, cloud_users=0)
    assert len(recorded(kind=EDITED)) == 3


def test_offboard_records_each_released_pool(user, complete_license, cloud_license, maple):
    services.customer_offboard(customer=maple, actor=user)
    # Its status, and every figure it held going to 0 (SAT users too).
    assert recorded(kind=OFFBOARDED) == [
        (complete_license.pk, maple.pk, "Status", None, None, OFFBOARDED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "MDR Complete Users", 100, 0, OFFBOARDED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "Beauceron SAT Users", 60, 0, OFFBOARDED, PORTAL, user.pk),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 0, OFFBOARDED, PORTAL, user.pk),
    ]
    status = AllocationEvent.objects.get(what="Status")
    assert (status.from_text, status.to_text, status.change_text) == (
        "active",
        "offboarded",
        "Active → Offboarded",
    )


def test_commitment_change_records_the_license_without_a_customer(staff_user, complete_license):
    services.license_commitment_set(
        license=complete_license, seat_commitment=2500, actor=staff_user
    )
    services.license_commitment_set(
        license=complete_license, seat_commitment=2500, actor=staff_user
    )  # unchanged: nothing to record
    assert recorded() == [
        (
            complete_license.pk,
            None,
            "Seat commitment",
            1990,
            2500,
            COMMITMENT,
            ADMIN,
            staff_user.pk,
        ),
    ]


def test_license_save_records_a_new_license_its_terms_and_their_changes(partner, staff_user):
    license = services.license_save(
        license=VolumeLicense(
            partner=partner,
            tier="core",
            seat_commitment=300,
            renewal_date=dt.date(2027, 1, 1),
            price_per_user="9.00",
        ),
        actor=staff_user,
    )
    license.price_per_user = "9.50"
    services.license_save(license=license, actor=staff_user)  # the price only
    license.seat_commitment = 250
    services.license_save(license=license, actor=staff_user)
    terms = AllocationEventKind.TERMS_CHANGED
    assert recorded() == [
        (license.pk, None, "Seat commitment", 0, 300, COMMITMENT, ADMIN, staff_user.pk),
        (license.pk, None, "Price per user per month", None, None, terms, ADMIN, staff_user.pk),
        (license.pk, None, "Renewal date", None, None, terms, ADMIN, staff_user.pk),
        (license.pk, None, "Price per user per month", None, None, terms, ADMIN, staff_user.pk),
        (license.pk, None, "Seat commitment", 300, 250, COMMITMENT, ADMIN, staff_user.pk),
    ]
    texts = AllocationEvent.objects.filter(kind=terms).order_by("pk")
    assert [(e.from_text, e.to_text, e.change_text) for e in texts] == [
        ("", "9.00", "— → 9.00"),
        ("", "2027-01-01", "— → Jan 1, 2027"),
        ("9.00", "9.50", "9.00 → 9.50"),
    ]


def test_anonymous_actor_is_recorded_as_the_system(partner, core_license):
    make_customer(license=core_license, actor=AnonymousUser())
    assert [e.actor_id for e in AllocationEvent.objects.all()] == [None, None]  # name, users


def test_events_are_one_insert_written_before_the_allocations(
    partner, user, complete_license, cloud_license
):
    """One bulk INSERT per call, before the allocation writes take the pool row locks."""
    with CaptureQueriesContext(connection) as queries:
        services.customer_create(
            partner=partner,
            license=complete_license,
            legal_name="Maple Leaf Dental",
            admin_email="it@maple.example",
            tier_users=100,
            cloud_users=20,
            sat_users=60,
            actor=user,
        )
    sql = [q["sql"] for q in queries.captured_queries]
    event_inserts = [i for i, s in enumerate(sql) if 'INTO "licenses_allocationevent"' in s]
    allocation_writes = [
        i
        for i, s in enumerate(sql)
        if '"licenses_seatallocation"' in s and s.lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert len(event_inserts) == 1 and len(allocation_writes) == 2
    assert event_inserts[0] < min(allocation_writes)


# --- a refused change records nothing --------------------------------------------------------


def test_refused_changes_record_nothing(partner, user, complete_license, cloud_license, maple):
    start = event_count()
    with pytest.raises(ValidationError):  # over the pool
        services.customer_update(
            customer=maple, legal_name=maple.legal_name, tier_users=5000, actor=user
        )
    with pytest.raises(ValidationError):  # SAT above the tier users
        services.customer_update(
            customer=maple, legal_name=maple.legal_name, tier_users=10, sat_users=11, actor=user
        )
    with pytest.raises(ValidationError):  # name taken
        services.customer_create(
            partner=partner,
            license=complete_license,
            legal_name="maple leaf dental",
            admin_email="x@example.com",
            tier_users=1,
            actor=user,
        )
    with pytest.raises(ValidationError):  # commitment below what is allocated
        services.license_commitment_set(license=complete_license, seat_commitment=50, actor=user)
    services.customer_offboard(customer=maple, actor=user)
    offboarded = event_count()
    with pytest.raises(ValidationError):  # already offboarded
        services.customer_offboard(customer=maple, actor=user)
    assert offboarded == start + 4  # its status, tier, SAT and cloud users
    assert event_count() == offboarded


def test_a_write_the_database_refuses_rolls_its_events_back(
    partner, user, complete_license, monkeypatch
):
    """The events are inserted first; when the pool's CHECK refuses, they go with the rest."""
    # The early check of the pool's room is skipped: the database's CHECK is left to refuse.
    monkeypatch.setattr(policy.Allowance, "check", lambda self, wanted: None)
    with pytest.raises(ValidationError) as excinfo:
        services.customer_create(
            partner=partner,
            license=complete_license,
            legal_name="Too Big Ltd",
            admin_email="it@big.example",
            tier_users=5000,
            actor=user,
        )
    assert excinfo.value.message_dict == {
        "tier_users": ["Only 1,990 MDR Complete users are available."]
    }
    assert event_count() == 0
    assert not CustomerAccount.objects.exists()


# --- every caller passes who acted -------------------------------------------------------------


def test_portal_edit_and_offboard_record_the_signed_in_user(
    partner_client, user, complete_license, cloud_license, maple
):
    response = EditPage(partner_client, maple, complete_license).post(
        {
            "legal_name": "Maple Leaf Dental",
            "tier_users": "130",
            "cloud_users": "20",
            "sat_users": "60",
        },
    )
    assert response.status_code == 302
    offboard = reverse(
        "licenses:customer_offboard", kwargs={"license_pk": complete_license.pk, "pk": maple.pk}
    )
    assert partner_client.post(offboard).status_code == 302
    assert recorded(actor=user) == [
        (complete_license.pk, maple.pk, "MDR Complete Users", 100, 130, EDITED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "Status", None, None, OFFBOARDED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "MDR Complete Users", 130, 0, OFFBOARDED, PORTAL, user.pk),
        (complete_license.pk, maple.pk, "Beauceron SAT Users", 60, 0, OFFBOARDED, PORTAL, user.pk),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 0, OFFBOARDED, PORTAL, user.pk),
    ]


def test_onboarding_wizard_records_the_submitting_user(
    partner_client, user, complete_license, cloud_license
):
    wizard = Wizard(partner_client, complete_license)
    wizard.run_virtual(tier_users="25", cloud_users="5")
    assert wizard.review().status_code == 302
    customer = CustomerAccount.objects.get(legal_name="Acme Dental Inc.")
    assert recorded() == [
        (complete_license.pk, customer.pk, "Legal name", None, None, ONBOARDED, PORTAL, user.pk),
        (complete_license.pk, customer.pk, "MDR Complete Users", 0, 25, ONBOARDED, PORTAL, user.pk),
        (cloud_license.pk, customer.pk, "MDR Cloud Users", 0, 5, ONBOARDED, PORTAL, user.pk),
    ]


def test_onboarding_submit_failing_after_the_customer_records_nothing(
    partner, user, complete_license, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("shipping is down")

    monkeypatch.setattr("onboarding.services.shipments_create", broken)
    with pytest.raises(RuntimeError):
        onboarding_submit(
            order=OnboardingOrder(
                token=uuid.uuid4(),
                partner=partner,
                license=complete_license,
                incident_answer="no",
                legal_name="Acme",
                admin_email="it@acme.example",
                tier_users=10,
                deployment="virtual",
                hosting_region="ca",
            ),
            actor=user,
        )
    assert event_count() == 0


def test_admin_customer_edit_records_source_admin_and_the_staff_user(
    staff_client, staff_user, complete_license, cloud_license, maple
):
    url = admin_url(maple, "change")
    data = form_data(staff_client.get(url))
    data.update(tier_users="150", sat_users="80")
    response = staff_client.post(url, data, follow=True)
    assert "MDR Complete Users 100 → 150; Beauceron SAT Users 60 → 80" in messages_of(response)
    # The form checks without writing: only the save is recorded, once.
    assert recorded(kind=EDITED) == [
        (
            complete_license.pk,
            maple.pk,
            "MDR Complete Users",
            100,
            150,
            EDITED,
            ADMIN,
            staff_user.pk,
        ),
        (
            complete_license.pk,
            maple.pk,
            "Beauceron SAT Users",
            60,
            80,
            EDITED,
            ADMIN,
            staff_user.pk,
        ),
    ]


def test_admin_edit_refused_records_nothing(staff_client, complete_license, maple):
    url = admin_url(maple, "change")
    data = {**form_data(staff_client.get(url)), "tier_users": "5000"}
    assert staff_client.post(url, data).status_code == 200  # the form with the error
    assert not AllocationEvent.objects.filter(kind=EDITED).exists()


def test_admin_commitment_change_records_source_admin(
    staff_client, staff_user, complete_license, maple
):
    url = admin_url(complete_license, "change")
    data = {**form_data(staff_client.get(url)), "seat_commitment": "2400"}
    assert staff_client.post(url, data).status_code == 302
    refused = {**data, "seat_commitment": "10"}
    assert staff_client.post(url, refused).status_code == 200
    assert recorded(kind=COMMITMENT) == [
        (
            complete_license.pk,
            None,
            "Seat commitment",
            1990,
            2400,
            COMMITMENT,
            ADMIN,
            staff_user.pk,
        ),
    ]


def test_admin_offboard_action_records_source_admin(
    staff_client, staff_user, complete_license, cloud_license, maple
):
    staff_client.post(
        admin_url(CustomerAccount),
        {
            "action": "offboard_selected",
            "_selected_action": [maple.pk],
        },
    )
    assert recorded(kind=OFFBOARDED) == [
        (complete_license.pk, maple.pk, "Status", None, None, OFFBOARDED, ADMIN, staff_user.pk),
        (
            complete_license.pk,
            maple.pk,
            "MDR Complete Users",
            100,
            0,
            OFFBOARDED,
            ADMIN,
            staff_user.pk,
        ),
        (
            complete_license.pk,
            maple.pk,
            "Beauceron SAT Users",
            60,
            0,
            OFFBOARDED,
            ADMIN,
            staff_user.pk,
        ),
        (cloud_license.pk, maple.pk, "MDR Cloud Users", 20, 0, OFFBOARDED, ADMIN, staff_user.pk),
    ]


def test_admin_history_is_read_only_and_searchable(
    staff_client, user, maple, django_assert_max_num_queries
):
    services.customer_update(
        customer=maple,
        legal_name=maple.legal_name,
        tier_users=110,
        cloud_users=20,
        sat_users=60,
        actor=user,
    )
    _many_events(maple.license, 40)  # by several users, for many customers
    with django_assert_max_num_queries(12):  # the changelist does not query per row
        response = staff_client.get(admin_url(AllocationEvent))
    assert response.context["cl"].result_count == 45
    response = staff_client.get(admin_url(AllocationEvent), {"q": "alex"})
    assert response.status_code == 200
    assert [e.what for e in response.context["cl"].result_list] == ["MDR Complete Users"]
    response = staff_client.get(admin_url(AllocationEvent), {"kind__exact": "onboarded"})
    assert response.context["cl"].result_count == 4  # maple's onboarding (its name too)
    event = AllocationEvent.objects.first()
    assert staff_client.get(admin_url(AllocationEvent, "add")).status_code == 403
    assert staff_client.get(admin_url(event, "delete")).status_code == 403
    response = staff_client.get(admin_url(event, "change"))
    assert response.status_code == 200 and not response.context["has_change_permission"]
    before = list(AllocationEvent.objects.values_list("from_value", "to_value"))
    staff_client.post(admin_url(event, "change"), {"from_value": "1", "to_value": "2"})
    assert list(AllocationEvent.objects.values_list("from_value", "to_value")) == before


# --- history pages -----------------------------------------------------------------------------


def license_history_url(license: VolumeLicense) -> str:
    return reverse("licenses:license_history", kwargs={"pk": license.pk})


def customer_history_url(license: VolumeLicense, customer: CustomerAccount) -> str:
    return reverse(
        "licenses:customer_history", kwargs={"license_pk": license.pk, "pk": customer.pk}
    )


def rows(response) -> list[tuple]:
    """The table's rows as (customer name or None, what, from, to) on the current page."""
    return [
        (e.customer.legal_name if e.customer_id else None, e.what, e.from_value, e.to_value)
        for e in (row.record for row in response.context["table"].page.object_list)
    ]


@pytest.fixture
def history(user, staff_user, complete_license, cloud_license, maple):
    """Maple onboarded, edited by alex; Harbour onboarded then offboarded; a commitment change."""
    harbour = make_customer(
        license=complete_license, legal_name="Harbourfront Logistics", tier_users=40
    )
    services.customer_update(
        customer=maple,
        legal_name=maple.legal_name,
        tier_users=150,
        cloud_users=20,
        sat_users=60,
        actor=user,
    )
    services.customer_offboard(customer=harbour, actor=user)
    services.license_commitment_set(
        license=complete_license, seat_commitment=2200, actor=staff_user
    )
    return {"maple": maple, "harbour": harbour}


def test_license_history_lists_the_pools_changes_newest_first(
    partner_client, complete_license, history
):
    response = partner_client.get(license_history_url(complete_license))
    assert response.status_code == 200
    assert rows(response) == [
        (None, "Seat commitment", 1990, 2200),
        ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
        ("Harbourfront Logistics", "Status", None, None),
        ("Maple Leaf Dental", "MDR Complete Users", 100, 150),
        ("Harbourfront Logistics", "MDR Complete Users", 0, 40),
        ("Harbourfront Logistics", "Legal name", None, None),
        ("Maple Leaf Dental", "MDR Cloud Users", 0, 20),
        ("Maple Leaf Dental", "Beauceron SAT Users", 0, 60),
        ("Maple Leaf Dental", "MDR Complete Users", 0, 100),
        ("Maple Leaf Dental", "Legal name", None, None),
    ]  # its customers' MDR Cloud Users too: a column of this license's page
    html = response.text
    assert "MDR Complete history" in html
    assert '100</span><i class="bi bi-arrow-right' in html and "+50" in html
    assert "alex" in html and "vendor-staff" in html and "System" in html
    assert "Commitment changed" in html and "Offboarded" in html
    assert customer_history_url(complete_license, history["maple"]) in html


def test_cloud_license_history_holds_the_cloud_users(partner_client, cloud_license, history):
    response = partner_client.get(license_history_url(cloud_license))
    assert rows(response) == [("Maple Leaf Dental", "MDR Cloud Users", 0, 20)]


def test_customer_history_spans_its_pools(partner_client, complete_license, cloud_license, history):
    maple = history["maple"]
    response = partner_client.get(customer_history_url(complete_license, maple))
    assert response.status_code == 200
    assert rows(response) == [
        ("Maple Leaf Dental", "MDR Complete Users", 100, 150),
        ("Maple Leaf Dental", "MDR Cloud Users", 0, 20),
        ("Maple Leaf Dental", "Beauceron SAT Users", 0, 60),
        ("Maple Leaf Dental", "MDR Complete Users", 0, 100),
        ("Maple Leaf Dental", "Legal name", None, None),
    ]
    assert "Customer" not in [c.header for c in response.context["table"].columns]
    assert "License" in [c.header for c in response.context["table"].columns]
    # Opened from the MDR Cloud license page too, where the customer also holds seats.
    response = partner_client.get(customer_history_url(cloud_license, maple))
    assert len(rows(response)) == 5


def test_offboarded_customer_keeps_its_history(partner_client, complete_license, history):
    response = partner_client.get(customer_history_url(complete_license, history["harbour"]))
    assert rows(response) == [
        ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
        ("Harbourfront Logistics", "Status", None, None),
        ("Harbourfront Logistics", "MDR Complete Users", 0, 40),
        ("Harbourfront Logistics", "Legal name", None, None),
    ]
    assert "Offboarded" in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"kind": "offboarded"},
            [
                ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
                ("Harbourfront Logistics", "Status", None, None),
            ],
        ),
        ({"kind": "commitment_changed"}, [(None, "Seat commitment", 1990, 2200)]),
        ({"what": "Beauceron SAT Users"}, [("Maple Leaf Dental", "Beauceron SAT Users", 0, 60)]),
        (
            {"actor": "ALE"},
            [  # part of the username, any case
                ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
                ("Harbourfront Logistics", "Status", None, None),
                ("Maple Leaf Dental", "MDR Complete Users", 100, 150),
            ],
        ),
        (
            {"actor": "system"},
            [
                ("Harbourfront Logistics", "MDR Complete Users", 0, 40),
                ("Harbourfront Logistics", "Legal name", None, None),
                ("Maple Leaf Dental", "MDR Cloud Users", 0, 20),
                ("Maple Leaf Dental", "Beauceron SAT Users", 0, 60),
                ("Maple Leaf Dental", "MDR Complete Users", 0, 100),
                ("Maple Leaf Dental", "Legal name", None, None),
            ],
        ),
        (
            {"q": "harbour"},
            [
                ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
                ("Harbourfront Logistics", "Status", None, None),
                ("Harbourfront Logistics", "MDR Complete Users", 0, 40),
                ("Harbourfront Logistics", "Legal name", None, None),
            ],
        ),
        (
            {"q": "harbour", "kind": "onboarded"},
            [
                ("Harbourfront Logistics", "MDR Complete Users", 0, 40),
                ("Harbourfront Logistics", "Legal name", None, None),
            ],
        ),
        ({"q": "nobody"}, []),
    ],
)
def test_license_history_filters(partner_client, complete_license, history, params, expected):
    response = partner_client.get(license_history_url(complete_license), params)
    assert response.status_code == 200
    assert rows(response) == expected
    if not expected:
        assert "No changes match these filters." in response.text


def test_date_range_filter_uses_local_days(partner_client, complete_license, maple):
    AllocationEvent.objects.all().delete()
    tz = timezone.get_current_timezone()
    for day, seats in [(1, 10), (2, 20), (3, 30)]:
        AllocationEvent.objects.create(
            license=complete_license,
            customer=maple,
            kind=EDITED,
            what="MDR Complete Users",
            from_value=seats - 10,
            to_value=seats,
            at=dt.datetime(2026, 3, day, 23, 30, tzinfo=tz),  # late evening, local time
        )
    url = license_history_url(complete_license)
    response = partner_client.get(url, {"date_from": "2026-03-02", "date_to": "2026-03-02"})
    assert [r[3] for r in rows(response)] == [20]
    response = partner_client.get(url, {"date_from": "2026-03-02"})
    assert [r[3] for r in rows(response)] == [30, 20]
    response = partner_client.get(url, {"date_to": "2026-03-01"})
    assert [r[3] for r in rows(response)] == [10]
    response = partner_client.get(url, {"date_from": "March 2nd"})
    assert response.status_code == 200
    assert rows(response) == [] and "Enter a valid date in the form YYYY-MM-DD." in response.text


def test_what_filter_offers_only_this_pages_figures(
    partner_client, complete_license, cloud_license, history
):
    def offered(response):
        return [v for v, _ in response.context["filter"].form.fields["what"].choices if v]

    response = partner_client.get(license_history_url(complete_license))
    assert offered(response) == [
        "MDR Complete Users",
        "Beauceron SAT Users",
        "MDR Cloud Users",
        "Legal name",
        "Status",
        "Web Site",
        "MDR Portal Administrator Email",
        "Seat commitment",
        "Price per user per month",
        "Renewal date",
    ]
    response = partner_client.get(license_history_url(cloud_license))
    assert offered(response) == [
        "MDR Cloud Users",
        "Legal name",
        "Status",
        "Web Site",
        "MDR Portal Administrator Email",
        "Seat commitment",
        "Price per user per month",
        "Renewal date",
    ]
    response = partner_client.get(customer_history_url(complete_license, history["maple"]))
    assert offered(response) == [
        "MDR Complete Users",
        "Beauceron SAT Users",
        "MDR Cloud Users",
        "Legal name",
        "Status",
        "Web Site",
        "MDR Portal Administrator Email",
    ]
    assert "q" not in response.context["filter"].form.fields


def test_sorting_and_the_htmx_fragment(partner_client, complete_license, history):
    url = license_history_url(complete_license)
    response = partner_client.get(url, {"sort": "customer"})
    assert [r[0] for r in rows(response)] == [
        *["Harbourfront Logistics"] * 4,  # its users twice, its name and its status
        *["Maple Leaf Dental"] * 5,
        None,
    ]
    response = partner_client.get(url, {"sort": "-change"})
    assert rows(response)[0] == (None, "Seat commitment", 1990, 2200)  # +210, the largest
    response = partner_client.get(
        url, {"kind": "offboarded"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="history-table"
    )
    assert response.text.lstrip().startswith('<div id="history-table"')
    assert "<html" not in response.text
    assert rows(response) == [
        ("Harbourfront Logistics", "MDR Complete Users", 40, 0),
        ("Harbourfront Logistics", "Status", None, None),
    ]
    # The toolbar's "Clear filters" (outside the table) comes along out of band.
    assert '<span id="history-clear" data-hx-swap-oob="true"><a' in response.text
    assert "Clear filters" in response.text
    page = partner_client.get(url, {"kind": "offboarded"})
    assert "hx-swap-oob" not in page.text and "Clear filters" in page.text


def test_pages_of_fifty(partner_client, complete_license, maple):
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            license=complete_license,
            customer=maple,
            kind=EDITED,
            what="MDR Complete Users",
            from_value=i,
            to_value=i + 1,
        )
        for i in range(120)
    )
    url = license_history_url(complete_license)
    response = partner_client.get(url)
    assert len(rows(response)) == 50
    # Maple's onboarding: its MDR Complete, SAT and MDR Cloud Users (a column of this page too).
    # And its legal name at onboarding.
    assert "Showing 1–50 of 124 changes" in response.text
    response = partner_client.get(url, {"page": 3})
    assert len(rows(response)) == 24


def test_license_page_and_its_rows_link_to_history(partner_client, complete_license, history):
    response = partner_client.get(
        reverse("licenses:license_detail", kwargs={"pk": complete_license.pk}), {"status": ""}
    )
    html = response.text
    assert f'href="{license_history_url(complete_license)}"' in html
    for customer in history.values():  # active and offboarded rows alike
        assert f'href="{customer_history_url(complete_license, customer)}"' in html


def test_another_partner_gets_404(other_client, complete_license, history):
    assert other_client.get(license_history_url(complete_license)).status_code == 404
    url = customer_history_url(complete_license, history["maple"])
    assert other_client.get(url).status_code == 404


def test_another_partners_customer_under_my_license_is_404(
    partner_client, complete_license, other_license
):
    theirs = make_customer(license=other_license, legal_name="Theirs Inc.")
    assert partner_client.get(customer_history_url(complete_license, theirs)).status_code == 404
    assert partner_client.get(customer_history_url(other_license, theirs)).status_code == 404


def test_sub_partner_sees_only_the_customers_it_manages(
    client, other_partner, other_user, complete_license, cloud_license, history
):
    complete_license.sub_partners.add(other_partner)
    mine = make_customer(
        license=complete_license,
        partner=other_partner,
        legal_name="Contoso Client",
        tier_users=12,
    )
    client.force_login(other_user)
    response = client.get(license_history_url(complete_license))
    assert response.status_code == 200
    # No other customer's change, and not the owner's commitment change.
    assert rows(response) == [
        ("Contoso Client", "MDR Complete Users", 0, 12),
        ("Contoso Client", "Legal name", None, None),
    ]
    assert "Seat commitment" not in [
        v for v, _ in response.context["filter"].form.fields["what"].choices
    ]
    assert client.get(customer_history_url(complete_license, mine)).status_code == 200
    maple_url = customer_history_url(complete_license, history["maple"])
    assert client.get(maple_url).status_code == 404
    assert client.get(license_history_url(cloud_license)).status_code == 404


def test_staff_without_a_partner_go_to_admin(client, staff_user, complete_license):
    verified_login(client, staff_user)
    response = client.get(license_history_url(complete_license))
    assert response.status_code == 302 and response.url == reverse("admin:index")


def test_anonymous_must_log_in(client, complete_license):
    response = client.get(license_history_url(complete_license))
    assert response.status_code == 302 and "login" in response.url


def test_names_are_escaped(partner_client, complete_license):
    make_customer(license=complete_license, legal_name="<script>alert(1)</script>")
    response = partner_client.get(license_history_url(complete_license))
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def _many_events(license: VolumeLicense, count: int, *, cloud: VolumeLicense | None = None):
    """``count`` events spread over ``count // 5`` customers, by several users."""
    customers = bulk_customers(license, max(count // 5, 1), cloud=cloud)
    actors = [UserFactory(username=f"tech{i}") for i in range(3)] + [None]
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            license=license,
            customer=customers[i % len(customers)],
            actor=actors[i % len(actors)],
            kind=EDITED,
            what=license.users_label,
            from_value=i,
            to_value=i + 1,
        )
        for i in range(count)
    )
    return customers


@pytest.mark.parametrize("count", [10, 200])
def test_license_history_query_count_does_not_grow(
    partner_client, complete_license, django_assert_max_num_queries, count
):
    _many_events(complete_license, count)
    url = license_history_url(complete_license)
    with django_assert_max_num_queries(LICENSE_HISTORY_MAX_QUERIES):
        response = partner_client.get(url, {"sort": "actor"})
    assert len(rows(response)) == min(count, 50)
    with django_assert_max_num_queries(LICENSE_HISTORY_MAX_QUERIES):
        partner_client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="history-table")


@pytest.mark.parametrize("count", [10, 200])
def test_customer_history_query_count_does_not_grow(
    partner_client, complete_license, cloud_license, django_assert_max_num_queries, count
):
    customer = _many_events(complete_license, 5, cloud=cloud_license)[0]
    AllocationEvent.objects.bulk_create(
        AllocationEvent(
            license=cloud_license if i % 2 else complete_license,
            customer=customer,
            kind=EDITED,
            what="MDR Cloud Users",
            from_value=i,
            to_value=i + 1,
        )
        for i in range(count)
    )
    with django_assert_max_num_queries(CUSTOMER_HISTORY_MAX_QUERIES):
        response = partner_client.get(customer_history_url(complete_license, customer))
    assert response.status_code == 200
    assert len(rows(response)) == min(count + 5, 50)


# --- the export's History sheet ----------------------------------------------------------------

HEADER_ROW = 4


def export(client, license: VolumeLicense, **params):
    response = client.get(reverse("licenses:license_export", kwargs={"pk": license.pk}), params)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(ws) -> list[tuple]:
    """Data rows of a sheet (between the header and the closing count row)."""
    return list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))[:-1]


def test_export_has_a_history_sheet_with_typed_cells(partner_client, complete_license, history):
    wb = export(partner_client, complete_license)
    assert wb.sheetnames == ["MDR Complete customers", "History"]
    assert wb.active.title == "MDR Complete customers"  # the customers still open first
    ws = wb["History"]
    assert ws["A1"].value == "Northwind MSP — MDR Complete license"
    assert ws["A2"].value.startswith("Allocation history exported ")
    assert "Every change on this license" in ws["A2"].value
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [
        "When",
        "Customer",
        "License",
        "What changed",
        "From",
        "To",
        "Change",
        "Action",
        "Changed by",
        "Made in",
    ]
    assert all(c.font.b for c in ws[HEADER_ROW])
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:J{HEADER_ROW + 10}"
    data = sheet_rows(ws)
    # Newest first, like the license's history page; the same ten changes.
    harbour, maple = "Harbourfront Logistics", "Maple Leaf Dental"
    assert [r[1:8] for r in data] == [
        (None, "MDR Complete", "Seat commitment", 1990, 2200, 210, "Commitment changed"),
        (harbour, "MDR Complete", "MDR Complete Users", 40, 0, -40, "Offboarded"),
        (harbour, "MDR Complete", "Status", "Active", "Offboarded", None, "Offboarded"),
        (maple, "MDR Complete", "MDR Complete Users", 100, 150, 50, "Edited"),
        (harbour, "MDR Complete", "MDR Complete Users", 0, 40, 40, "Onboarded"),
        (harbour, "MDR Complete", "Legal name", None, harbour, None, "Onboarded"),
        (maple, "MDR Cloud", "MDR Cloud Users", 0, 20, 20, "Onboarded"),
        (maple, "MDR Complete", "Beauceron SAT Users", 0, 60, 60, "Onboarded"),
        (maple, "MDR Complete", "MDR Complete Users", 0, 100, 100, "Onboarded"),
        (maple, "MDR Complete", "Legal name", None, maple, None, "Onboarded"),
    ]
    page = partner_client.get(license_history_url(complete_license))
    assert [(r[1], r[3]) for r in data] == [r[:2] for r in rows(page)]  # the page's order
    assert [r[8:] for r in data] == [
        ("vendor-staff", "Vendor admin"),
        ("alex", "Portal"),
        ("alex", "Portal"),
        ("alex", "Portal"),
        *[("System", "Portal")] * 6,
    ]
    last = ws.cell(row=HEADER_ROW + 10, column=1)
    assert last.is_date and isinstance(last.value, dt.datetime)
    at = timezone.localtime(AllocationEvent.objects.order_by("id").first().at)
    assert abs(last.value - at.replace(tzinfo=None)) < dt.timedelta(seconds=1)  # local time
    change = ws.cell(row=HEADER_ROW + 2, column=7)
    assert change.data_type == "n" and change.value == -40
    assert change.number_format == "+#,##0;-#,##0;0"
    assert list(ws.iter_rows(min_row=ws.max_row, values_only=True))[0][0] == "10 changes"


def test_export_history_follows_the_search(partner_client, complete_license, history):
    ws = export(partner_client, complete_license, q="harbour", status="")["History"]
    assert [(r[1], r[4], r[5]) for r in sheet_rows(ws)] == [
        ("Harbourfront Logistics", 40, 0),
        ("Harbourfront Logistics", "Active", "Offboarded"),
        ("Harbourfront Logistics", 0, 40),
        ("Harbourfront Logistics", None, "Harbourfront Logistics"),
    ]
    assert "search “harbour”" in ws["A2"].value
    # The customers sheet shows active customers by default: so does its history when searching.
    ws = export(partner_client, complete_license, q="harbour")["History"]
    assert sheet_rows(ws) == []


def test_export_history_is_scoped_to_the_sub_partner(
    client, other_partner, other_user, complete_license, history
):
    complete_license.sub_partners.add(other_partner)
    make_customer(
        license=complete_license, partner=other_partner, legal_name="Contoso Client", tier_users=12
    )
    client.force_login(other_user)
    ws = export(client, complete_license)["History"]
    assert [(r[1], r[3], r[5]) for r in sheet_rows(ws)] == [
        ("Contoso Client", "MDR Complete Users", 12),
        ("Contoso Client", "Legal name", "Contoso Client"),
    ]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example")', "+1+1", "-2", "@SUM(A1)"])
def test_export_history_text_is_never_a_formula(partner_client, complete_license, text):
    # Straight to the tables: the service tidies names, and usernames allow "@", "+" and "-".
    customer = CustomerAccount.objects.create(
        partner=complete_license.partner,
        license=complete_license,
        legal_name=text,
        admin_email="it@evil.example",
    )
    SeatAllocation.objects.create(
        customer=customer, license=complete_license, tier=complete_license.tier, seats=3
    )
    actor = UserFactory(username=text[:150])
    AllocationEvent.objects.create(
        license=complete_license,
        customer=customer,
        actor=actor,
        kind=ONBOARDED,
        what="MDR Complete Users",
        from_value=0,
        to_value=3,
    )
    ws = export(partner_client, complete_license)["History"]
    name, by = ws.cell(row=HEADER_ROW + 1, column=2), ws.cell(row=HEADER_ROW + 1, column=9)
    assert (name.data_type, name.value) == ("s", text)
    assert (by.data_type, by.value) == ("s", text)
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"] == []


@pytest.mark.parametrize("count", [10, 1000])
def test_export_query_count_does_not_grow_with_events(
    partner_client, complete_license, django_assert_max_num_queries, count
):
    _many_events(complete_license, count)
    url = reverse("licenses:license_export", kwargs={"pk": complete_license.pk})
    with django_assert_max_num_queries(EXPORT_MAX_QUERIES):
        response = partner_client.get(url)
        body = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(body), read_only=True)["History"]
    assert sum(1 for _ in ws.iter_rows(min_row=HEADER_ROW + 1)) == count + 1  # rows + count


def test_sub_partner_logins_record_themselves(client, other_partner, complete_license):
    """A sub-partner's own user is recorded, not the license owner."""
    complete_license.sub_partners.add(other_partner)
    reseller_user = MembershipFactory(
        partner=other_partner, user=UserFactory(username="reseller-tech")
    ).user
    customer = make_customer(license=complete_license, partner=other_partner, tier_users=4)
    client.force_login(reseller_user)
    response = EditPage(client, customer, complete_license).post(
        {
            "legal_name": customer.legal_name,
            "tier_users": "6",
            "cloud_users": "0",
            "sat_users": "0",
        },
    )
    assert response.status_code == 302
    event = AllocationEvent.objects.get(kind=EDITED)
    assert (event.actor, event.from_value, event.to_value) == (reseller_user, 4, 6)


# --- a rename is history too (issue 12, bug 13) ---------------------------------------------


def test_a_rename_in_the_portal_shows_in_history_and_the_export(
    partner_client, user, complete_license, cloud_license, maple
):
    from licenses.exports import history_row

    response = EditPage(partner_client, maple, complete_license).post(
        {
            "legal_name": "Maple Leaf Dental Ltd",
            "tier_users": "100",
            "cloud_users": "20",
            "sat_users": "60",
        },
    )
    assert response.status_code == 302
    [event] = AllocationEvent.objects.filter(what="Legal name", kind=AllocationEventKind.EDITED)
    assert (event.from_text, event.to_text, event.actor_id) == (
        "Maple Leaf Dental",
        "Maple Leaf Dental Ltd",
        user.pk,
    )
    for url in (
        customer_history_url(complete_license, maple),
        license_history_url(complete_license),
    ):
        text = partner_client.get(url).text
        assert "Legal name" in text
        assert "“Maple Leaf Dental”" in text and "“Maple Leaf Dental Ltd”" in text
    # The History sheet: the names in From and To, no change figure.
    assert history_row(event)[3:7] == (
        "Legal name",
        "Maple Leaf Dental",
        "Maple Leaf Dental Ltd",
        None,
    )
    filtered = partner_client.get(
        customer_history_url(complete_license, maple), {"what": "Legal name"}
    )
    assert filtered.status_code == 200 and "“Maple Leaf Dental Ltd”" in filtered.text


def test_cloud_users_edited_from_the_complete_page_show_in_both_histories(
    partner_client, complete_license, cloud_license
):
    """The edit's message names the MDR Cloud Users; the page the user was on lists the change.

    The seats move on the MDR Cloud pool (its history has the event); the MDR Complete page's
    table shows the customer's MDR Cloud Users too, so its history shows their changes.
    """
    customer = make_customer(license=complete_license, legal_name="Birch Co", tier_users=10)
    response = EditPage(partner_client, customer, complete_license).post(
        {"legal_name": "Birch Co", "tier_users": "10", "cloud_users": "5", "sat_users": "0"},
        follow=True,
    )
    assert "Birch Co saved: MDR Cloud Users 0 → 5." in [
        str(m) for m in response.context["messages"]
    ]
    edited = ("Birch Co", "MDR Cloud Users", 0, 5)
    assert rows(partner_client.get(license_history_url(cloud_license)))[0] == edited
    complete_history = partner_client.get(license_history_url(complete_license))
    assert rows(complete_history)[0] == edited
    # Its "Figure" filter offers them and finds the change.
    filtered = partner_client.get(
        license_history_url(complete_license), {"what": "MDR Cloud Users"}
    )
    assert rows(filtered) == [edited]
