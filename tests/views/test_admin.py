"""Django admin for vendor staff: every page opens, and seat writes go through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from licenses import services
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import (
    CustomerAccount,
    ScheduledCommitmentChange,
    SeatAllocation,
    VolumeLicense,
)
from lmp.outbox.models import OutboundEmail
from lmp.outbox.services import email_enqueue
from lmp.partners.models import Membership, Partner
from lmp.webhooks import services as webhook_services
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from shipping.models import Address
from tests.factories import AddressFactory, make_customer
from tests.helpers.admin_site import admin_url, form_data
from tests.helpers.messages import messages_of

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [
    Partner,
    Membership,
    VolumeLicense,
    CustomerAccount,
    SeatAllocation,
    Address,
    OutboundEmail,
    DBTaskResult,
    WebhookEndpoint,
    WebhookDelivery,
    ScheduledCommitmentChange,
]


@pytest.fixture
def admin_objects(partner, user, complete_license, core_license, cloud_license):
    """A partner with an address, a login, three licenses and active and offboarded customers."""
    AddressFactory(partner=partner, is_default=True)
    active = make_customer(
        license=complete_license,
        tier_users=100,
        cloud_users=20,
        sat_users=60,
        legal_name="Maple Leaf Dental",
    )
    gone = make_customer(license=core_license, tier_users=30, legal_name="Gone Ltd")
    services.customer_offboard(customer=gone)
    # An e-mail on the queue (its row and its task), so the outbox pages have one to open.
    email_enqueue(kind="invitation", to=["jo@northwind.example"], subject="Join", body="Hello")
    # A webhook endpoint with a delivery (a test event), for the webhooks pages.
    endpoint = webhook_services.endpoint_create(
        actor=None,
        partner=partner,
        url="https://psa.example/hooks",
        event_types=["customer.onboarded"],
    )
    webhook_services.webhook_ping(actor=None, endpoint=endpoint)
    # A commitment planned for the renewal, for its read-only list.
    services.commitment_change_schedule(
        actor=None, partner=partner, license=cloud_license, new_commitment=350
    )
    return {"customer": active, "offboarded": gone}


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_staff_open_every_changelist_and_change_page(staff_client, admin_objects, model):
    response = staff_client.get(admin_url(model))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    for obj in model.objects.all():
        assert staff_client.get(admin_url(obj, "change")).status_code == 200, obj


def test_changelists_do_not_query_per_row(
    staff_client, admin_objects, django_assert_max_num_queries
):
    license = admin_objects["customer"].license
    for _ in range(15):
        make_customer(license=license, tier_users=3, cloud_users=1)
    for model in (CustomerAccount, SeatAllocation, VolumeLicense):
        with django_assert_max_num_queries(12):
            assert staff_client.get(admin_url(model)).status_code == 200


def test_search_and_filters_answer(staff_client, admin_objects):
    response = staff_client.get(admin_url(CustomerAccount), {"q": "maple"})
    assert [c.legal_name for c in response.context["cl"].result_list] == ["Maple Leaf Dental"]
    response = staff_client.get(admin_url(CustomerAccount), {"status__exact": "offboarded"})
    assert [c.legal_name for c in response.context["cl"].result_list] == ["Gone Ltd"]
    response = staff_client.get(admin_url(VolumeLicense), {"tier__exact": "cloud"})
    assert [lic.tier for lic in response.context["cl"].result_list] == ["cloud"]


def test_license_changelist_shows_allocated_and_unallocated(staff_client, admin_objects):
    response = staff_client.get(admin_url(VolumeLicense), {"tier__exact": "complete"})
    row = response.context["cl"].result_list[0]
    assert (row.seat_commitment, row.allocated, row.unallocated) == (1990, 100, 1890)
    assert "1890" in response.text or "1,890" in response.text
    assert 'class="field-customers_display">1<' in response.text  # its one customer


# --- licenses -------------------------------------------------------------------------------


def test_commitment_below_allocated_shows_the_field_error_and_changes_nothing(
    staff_client, admin_objects, complete_license
):
    url = admin_url(complete_license, "change")
    data = form_data(staff_client.get(url))
    data.update(seat_commitment="99", price_per_user="20.00")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "seat_commitment": [
            "The seat commitment cannot be lower than the 100 seats already allocated."
        ]
    }
    complete_license.refresh_from_db()
    assert (complete_license.seat_commitment, str(complete_license.price_per_user)) == (
        1990,
        "14.50",
    )
    assert complete_license.allocated == 100


def test_commitment_above_allocated_saves_and_keeps_the_counter(
    staff_client, admin_objects, complete_license
):
    url = admin_url(complete_license, "change")
    data = form_data(staff_client.get(url))
    data.update(seat_commitment="100", price_per_user="15.25")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    complete_license.refresh_from_db()
    assert (complete_license.seat_commitment, complete_license.allocated) == (100, 100)
    assert str(complete_license.price_per_user) == "15.25"


def test_partner_and_tier_are_fixed_once_a_license_has_customers(
    staff_client, admin_objects, complete_license, partner, other_partner
):
    unused = VolumeLicense.objects.create(
        partner=other_partner,
        tier=ServiceTier.CORE,
        seat_commitment=10,
        renewal_date=complete_license.renewal_date,
        price_per_user="1.00",
    )
    used_form = staff_client.get(admin_url(complete_license, "change")).context["adminform"].form
    assert "tier" not in used_form.fields and "partner" not in used_form.fields
    url = admin_url(unused, "change")
    data = form_data(staff_client.get(url))
    assert data["tier"] == ServiceTier.CORE
    data.update(tier=ServiceTier.CLOUD)
    assert staff_client.post(url, data).status_code == 302
    unused.refresh_from_db()
    assert unused.tier == ServiceTier.CLOUD


def test_the_owner_is_not_its_own_sub_partner(
    staff_client, complete_license, partner, other_partner
):
    url = admin_url(complete_license, "change")
    response = staff_client.get(url)
    choices = response.context["adminform"].form.fields["sub_partners"].queryset
    assert list(choices) == [other_partner]
    response = staff_client.post(
        admin_url(VolumeLicense, "add"),
        {
            "partner": other_partner.pk,
            "tier": ServiceTier.CORE,
            "seat_commitment": "5",
            "renewal_date": "2027-06-30",
            "price_per_user": "9.25",
            "currency": "CAD",
            "sub_partners": [other_partner.pk, partner.pk],
        },
    )
    assert response.context["adminform"].form.errors == {
        "sub_partners": ["The owner cannot be a sub-partner of its own license."]
    }
    data = form_data(staff_client.get(url))
    data["sub_partners"] = [other_partner.pk]
    assert staff_client.post(url, data).status_code == 302
    assert list(complete_license.sub_partners.all()) == [other_partner]


def test_staff_add_a_license(staff_client, other_partner):
    response = staff_client.post(
        admin_url(VolumeLicense, "add"),
        {
            "partner": other_partner.pk,
            "tier": ServiceTier.CORE,
            "seat_commitment": "250",
            "renewal_date": "2027-06-30",
            "price_per_user": "9.25",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    license = VolumeLicense.objects.get(partner=other_partner, tier=ServiceTier.CORE)
    assert (license.seat_commitment, license.allocated, license.currency) == (250, 0, "USD")


def test_adding_a_second_license_of_a_tier_is_refused_on_the_form(
    staff_client, complete_license, partner
):
    response = staff_client.post(
        admin_url(VolumeLicense, "add"),
        {
            "partner": partner.pk,
            "tier": ServiceTier.COMPLETE,
            "seat_commitment": "5",
            "renewal_date": "2027-06-30",
            "price_per_user": "9.25",
            "currency": "CAD",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "This partner already has a license of this tier."
    ]
    assert VolumeLicense.objects.filter(partner=partner).count() == 1


# --- customers ------------------------------------------------------------------------------


def test_changing_a_customers_users_goes_through_the_service(
    staff_client, admin_objects, complete_license, cloud_license
):
    customer = admin_objects["customer"]
    url = admin_url(customer, "change")
    data = form_data(staff_client.get(url))
    assert (data["tier_users"], data["cloud_users"], data["sat_users"]) == ("100", "20", "60")
    data.update(tier_users="150", cloud_users="5")
    response = staff_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "MDR Complete Users 100 → 150; MDR Cloud Users 20 → 5" in messages_of(response)
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (150, 5)


def test_over_pool_in_admin_shows_only_n_available_on_the_field(
    staff_client, admin_objects, complete_license
):
    customer = admin_objects["customer"]
    url = admin_url(customer, "change")
    data = form_data(staff_client.get(url))
    data.update(legal_name="Renamed Too", tier_users="2000")
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "tier_users": [
            "Only 1,990 MDR Complete users are available to this customer "
            "(1,890 unallocated plus the 100 it holds)."
        ]
    }
    customer.refresh_from_db()
    assert customer.legal_name == "Maple Leaf Dental"
    complete_license.refresh_from_db()
    assert complete_license.allocated == 100


def test_admin_shows_service_messages_for_bad_counts_and_names(staff_client, admin_objects):
    make_customer(license=admin_objects["customer"].license, legal_name="Globex")
    url = admin_url(admin_objects["customer"], "change")
    data = form_data(staff_client.get(url))
    for change, errors in [
        ({"tier_users": "-3"}, {"tier_users": ["MDR Complete Users must be at least 1."]}),
        (
            {"sat_users": "101"},
            {"sat_users": ["Beauceron SAT users cannot be more than the 100 MDR Complete users."]},
        ),
        (
            {"legal_name": "GLOBEX"},
            {"legal_name": ["An active customer named “GLOBEX” already exists."]},
        ),
    ]:
        response = staff_client.post(url, {**data, **change})
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == errors


def test_a_refusal_only_the_save_meets_is_a_message_not_an_error_page(
    staff_client, admin_objects, monkeypatch
):
    """E.g. the same name onboarded elsewhere between the form check and the save."""
    customer = admin_objects["customer"]
    url = admin_url(customer, "change")
    data = {**form_data(staff_client.get(url)), "legal_name": "Maple Leaf Renamed"}
    real_update = services.customer_update
    calls = []

    def update_that_loses_the_race(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:  # the form's checks passed; the save is refused
            raise ValidationError(
                {"legal_name": "An active customer named “Maple Leaf Renamed” already exists."}
            )
        return real_update(**kwargs)

    monkeypatch.setattr(services, "customer_update", update_that_loses_the_race)
    response = staff_client.post(url, data)
    assert response.status_code == 302 and response.url == url
    response = staff_client.get(url)
    assert messages_of(response) == [
        "An active customer named “Maple Leaf Renamed” already exists."
    ]
    customer.refresh_from_db()
    assert customer.legal_name == "Maple Leaf Dental"


def test_offboarded_customer_is_read_only_history(staff_client, admin_objects, core_license):
    gone = admin_objects["offboarded"]
    url = admin_url(gone, "change")
    response = staff_client.get(url)
    assert set(response.context["adminform"].form.fields) == set()
    response = staff_client.post(url, form_data(response))
    assert response.status_code == 302  # nothing to change, and no hidden "required" errors
    gone.refresh_from_db()
    assert gone.status == CustomerStatus.OFFBOARDED
    core_license.refresh_from_db()
    assert core_license.allocated == 0


def test_offboard_action_releases_seats(
    staff_client, admin_objects, complete_license, cloud_license
):
    customer = admin_objects["customer"]
    response = staff_client.post(
        admin_url(CustomerAccount),
        {
            "action": "offboard_selected",
            "_selected_action": [customer.pk, admin_objects["offboarded"].pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "1 customer offboarded; 120 seats returned to their licenses." in messages_of(response)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.OFFBOARDED
    assert customer.allocations.filter(active=True).count() == 0
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (0, 0)


def test_customers_cannot_be_added_or_deleted_in_admin(staff_client, admin_objects):
    assert staff_client.get(admin_url(CustomerAccount, "add")).status_code == 403
    customer = admin_objects["customer"]
    assert staff_client.get(admin_url(customer, "delete")).status_code == 403
    assert CustomerAccount.objects.filter(pk=customer.pk).exists()


# --- who gets in ----------------------------------------------------------------------------


def test_partner_users_cannot_reach_admin(client, user, admin_objects, complete_license):
    client.force_login(user)
    login = reverse("admin:login")
    for url in (
        reverse("admin:index"),
        admin_url(VolumeLicense),
        admin_url(complete_license, "change"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login), url
    response = client.post(admin_url(complete_license, "change"), {"seat_commitment": "5000"})
    assert response.status_code == 302 and response.url.startswith(login)
    complete_license.refresh_from_db()
    assert complete_license.seat_commitment == 1990


# --- every admin page opens (issue 12, bug 3) -----------------------------------------------


def registered():
    from django.contrib import admin

    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(
    ("model", "model_admin"), registered(), ids=lambda x: getattr(x, "__name__", "")
)
def test_every_registered_models_add_and_change_pages_open(
    staff_client, staff_user, admin_objects, model, model_admin
):
    """The Add page of a model whose admin allows adding, and the Change page of one of its rows.

    A license's Add page was a 500: "Unallocated" subtracted from a commitment not yet typed.
    """
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = staff_user
    add = staff_client.get(admin_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403), model
    obj = model.objects.order_by("pk").first()
    if obj is not None:
        assert staff_client.get(admin_url(obj, "change")).status_code == 200, obj
