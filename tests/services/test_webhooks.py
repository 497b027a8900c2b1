"""Webhooks (issue 15): each event fires from its real service, signed as Standard Webhooks,
queued in the change's transaction, posted by the real database worker to a local receiver,
retried with backoff, failed after the last attempt, redelivered from the page with the same id.

The module is marked ``outbox_worker``: nothing is sent on commit; the tests run the worker
(``manage.py worker``'s loop, in-process) themselves with ``run_outbox()``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from licenses import services as license_services
from licenses.alerts import alerts_run
from lmp.partners.choices import PartnerRole
from lmp.webhooks import delivery as http
from lmp.webhooks import services
from lmp.webhooks.choices import DeliveryStatus, EventType
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint
from onboarding import services as onboarding_services
from tests.factories import (
    AddressFactory,
    MembershipFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.factories_onboarding import ApplianceFactory, sensor_orders, submit_order
from tests.helpers.auth import verified_login
from tests.helpers.clock import time_passes as outbox_time_passes
from tests.helpers.mail import run_outbox
from tests.helpers.state import db_state
from tests.helpers.webhook_receiver import ReceiverServer

pytestmark = [pytest.mark.django_db, pytest.mark.outbox_worker]

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def receiver():
    with ReceiverServer() as receiver:
        yield receiver


def endpoint_for(partner, url: str, events=None, **extra) -> WebhookEndpoint:
    return services.endpoint_create(
        actor=None, partner=partner, url=url, event_types=events or EventType.values, **extra
    )


@pytest.fixture
def endpoint(partner, receiver) -> WebhookEndpoint:
    return endpoint_for(partner, receiver.url)


def verified(endpoint: WebhookEndpoint, received) -> dict:
    """The payload, once its Standard Webhooks signature verified with the endpoint's secret."""
    endpoint.refresh_from_db()
    return Webhook(endpoint.secret).verify(received.body, received.headers)


def events(endpoint, receiver) -> list[dict]:
    return [verified(endpoint, r) for r in receiver.requests]


def time_passes(seconds: int) -> None:
    """Move every scheduled time (retries, leases, delayed tasks) ``seconds`` into the past: the
    outbox's tasks and e-mails (``tests.helpers.clock``), then the deliveries."""
    outbox_time_passes(seconds)
    delta = dt.timedelta(seconds=seconds)
    WebhookDelivery.objects.update(next_attempt_at=F("next_attempt_at") - delta)
    WebhookDelivery.objects.exclude(lease_until=None).update(lease_until=F("lease_until") - delta)


# --- each event from its real service ------------------------------------------------------------


def test_customer_onboarded_edited_and_offboarded_reach_the_endpoint_signed(
    partner, complete_license, cloud_license, endpoint, receiver
):
    customer = license_services.customer_create(
        partner=partner,
        license=complete_license,
        legal_name="Maple Leaf Dental",
        admin_email="it@mapleleaf.example",
        tier_users=100,
        cloud_users=20,
        sat_users=60,
    )
    license_services.customer_update(
        customer=customer, legal_name="Maple Leaf Dental", tier_users=150, cloud_users=0
    )
    license_services.customer_update(  # a rename alone changes no allocation: no event
        customer=customer, legal_name="Maple Leaf Dental Group", tier_users=150, cloud_users=0
    )
    license_services.customer_offboard(customer=customer)
    run_outbox()
    onboarded, changed, offboarded = events(endpoint, receiver)
    customer_data = {
        "id": customer.pk,
        "legal_name": "Maple Leaf Dental",
        "status": "active",
        "admin_email": "it@mapleleaf.example",
        "sub_partner_id": None,
    }
    license_data = {"id": complete_license.pk, "tier": "complete"}
    assert onboarded["type"] == "customer.onboarded"
    assert dt.datetime.fromisoformat(onboarded["timestamp"])
    assert onboarded["data"] == {
        "customer": customer_data,
        "license": license_data,
        "users": {"tier_users": 100, "cloud_users": 20, "sat_users": 60},
    }
    assert changed["type"] == "allocation.changed"
    assert changed["data"] == {
        "customer": customer_data,
        "license": license_data,
        "before": {"tier_users": 100, "cloud_users": 20, "sat_users": 60},
        "after": {"tier_users": 150, "cloud_users": 0, "sat_users": 0},
    }
    assert offboarded["type"] == "customer.offboarded"
    assert offboarded["data"] == {
        "customer": customer_data
        | {"legal_name": "Maple Leaf Dental Group", "status": "offboarded"},
        "license": license_data,
        "released": [{"license_id": complete_license.pk, "tier": "complete", "users": 150}],
    }
    first = receiver.requests[0]
    assert first.path == "/hooks/lmp"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-id"].startswith("msg_")
    assert first.headers["webhook-signature"].startswith("v1,")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_the_onboarding_wizards_order_fires_customer_onboarded_then_its_shipments(
    partner, complete_license, endpoint, receiver
):
    AddressFactory(partner=partner, is_default=True)
    rack = ApplianceFactory(name="NS-1000 Rack Sensor")
    order = submit_order(
        license=complete_license, legal_name="Acme Dental Inc.", appliances=sensor_orders(rack)
    ).request
    shipment = order.shipments.get()
    onboarding_services.shipment_tracking_set(
        shipment=shipment, carrier="ups", tracking_number="1Z999AA1"
    )
    onboarding_services.shipment_mark_shipped(shipment=shipment)
    onboarding_services.shipment_mark_delivered(shipment=shipment)
    run_outbox()
    onboarded, shipped, delivered = events(endpoint, receiver)
    assert onboarded["type"] == "customer.onboarded"
    assert onboarded["data"]["customer"]["legal_name"] == "Acme Dental Inc."
    assert onboarded["data"]["users"] == {"tier_users": 25, "cloud_users": 0, "sat_users": 0}
    assert [shipped["type"], delivered["type"]] == ["shipment.shipped", "shipment.delivered"]
    shipment.refresh_from_db()
    assert shipped["data"]["shipment"] == {
        "id": shipment.pk,
        "status": "shipped",
        "appliance": "NS-1000 Rack Sensor",
        "carrier": "ups",
        "tracking_number": "1Z999AA1",
        "at": shipment.shipped_at.isoformat(),
    }
    assert delivered["data"]["shipment"]["status"] == "delivered"
    assert delivered["data"]["order"] == {
        "id": order.pk,
        "legal_name": "Acme Dental Inc.",
        "customer_id": order.customer_id,
        "license_id": complete_license.pk,
    }


def test_alerts_run_fires_low_seats_and_renewal_upcoming_once(
    partner, admin_user, endpoint, receiver
):
    license = VolumeLicenseFactory(
        partner=partner, seat_commitment=1000, renewal_date=TODAY + dt.timedelta(days=30)
    )
    license_services.license_threshold_set(
        actor=admin_user, partner=partner, license=license, threshold=100, unit="users"
    )
    make_customer(license=license, tier_users=950)
    receiver.requests.clear()
    run_outbox()
    receiver.requests.clear()  # the customer's onboarding
    assert alerts_run(today=TODAY).sent == 2
    assert alerts_run(today=TODAY).sent == 0  # already sent: no second event either
    run_outbox()
    by_type = {e["type"]: e["data"] for e in events(endpoint, receiver)}
    state = {
        "id": license.pk,
        "tier": license.tier,
        "seat_commitment": 1000,
        "allocated": 950,
        "unallocated": 50,
        "renewal_date": "2026-12-31",
    }
    assert by_type == {
        "license.renewal_upcoming": {"license": state, "days_left": 30},
        "license.low_seats": {"license": state, "threshold": 100},
    }


def test_the_sub_partner_that_manages_a_customer_gets_its_events(
    partner, other_partner, complete_license, receiver
):
    complete_license.sub_partners.add(other_partner)
    owners = endpoint_for(partner, receiver.url + "/owner")
    managers = endpoint_for(other_partner, receiver.url + "/manager")
    customer = make_customer(license=complete_license, partner=other_partner, tier_users=5)
    run_outbox()
    assert [r.path for r in receiver.requests] == ["/hooks/lmp/manager"]
    assert verified(managers, receiver.requests[0])["data"]["customer"]["sub_partner_id"] == (
        other_partner.pk
    )
    assert customer.sub_partner_id == other_partner.pk
    assert not owners.deliveries.exists()


# --- what is not sent ----------------------------------------------------------------------------


def test_a_rolled_back_change_queues_no_delivery(partner, complete_license, endpoint, receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_customer(license=complete_license, tier_users=10)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the change fails after the event was queued")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()
    run_outbox()
    assert receiver.requests == []


def test_unsubscribed_disabled_or_another_partners_endpoints_get_nothing(
    partner, other_partner, complete_license, other_license, receiver
):
    endpoint_for(partner, receiver.url, events=[EventType.CUSTOMER_OFFBOARDED])
    endpoint_for(partner, receiver.url, active=False)
    endpoint_for(other_partner, receiver.url)
    make_customer(license=complete_license, tier_users=10)
    run_outbox()
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_an_event_for_a_partner_without_endpoints_costs_one_query(
    partner, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert (
            services.webhook_event_emit(
                partner=partner, event_type=EventType.CUSTOMER_ONBOARDED, data={}
            )
            == []
        )


# --- retries, failure, redelivery ----------------------------------------------------------------


def test_a_receiver_failing_twice_gets_retries_at_the_backoff_then_succeeds_with_the_same_id(
    settings, partner, complete_license, endpoint, receiver
):
    receiver.fail = 2
    make_customer(license=complete_license, tier_users=10)
    delivery = WebhookDelivery.objects.get()
    waits = []
    for attempt in (1, 2):
        before = dt.datetime.now(dt.UTC)
        run_outbox()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, attempt)
        assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")
        assert delivery.last_response == "receiver is down for maintenance"
        waits.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
        run_outbox()  # not due yet: nothing is posted
        assert len(receiver.requests) == attempt
        time_passes(settings.WEBHOOKS_RETRY_DELAYS[attempt - 1])
    run_outbox()
    assert waits == [1, 2]  # minutes
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 3)
    assert (delivery.last_status_code, delivery.last_error) == (200, "")
    assert delivery.succeeded_at is not None
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.message_id} and len(receiver.requests) == 3
    for received in receiver.requests:  # each attempt signed anew, each verifies
        assert verified(endpoint, received)["type"] == "customer.onboarded"


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-post (not an error the task could handle)."""


def test_a_worker_killed_mid_post_leaves_the_delivery_to_the_next_worker(
    settings, monkeypatch, endpoint, receiver
):
    services.webhook_ping(actor=None, endpoint=endpoint)

    def killed(**kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr("lmp.webhooks.delivery.post", killed)
        run_outbox("doomed-worker")  # the task dies with the worker; the row keeps its claim
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENDING and receiver.requests == []
    run_outbox("second-worker")  # the lease still holds: the delivery is left to its worker
    assert receiver.requests == []
    time_passes(settings.WEBHOOKS_LEASE_SECONDS)
    run_outbox("second-worker")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id]


def test_a_silent_receiver_times_out_and_is_retried(settings, endpoint, receiver):
    settings.WEBHOOKS_TIMEOUT = 0.3
    receiver.delay = 1
    services.webhook_ping(actor=None, endpoint=endpoint)
    run_outbox()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert delivery.last_error == "No answer: timed out" and delivery.last_status_code is None


def test_a_receiver_answering_a_nul_byte_is_succeeded_with_a_cleaned_excerpt(
    endpoint, receiver, require_postgres
):
    """PostgreSQL's text cannot hold NUL (psycopg2 refuses the UPDATE): the excerpt drops it."""
    receiver.answer = b"ok\x00done\x01"
    services.webhook_ping(actor=None, endpoint=endpoint)
    run_outbox()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 200)
    assert delivery.last_response == "ok\ufffddone\x01"


def test_always_failing_is_failed_after_the_last_attempt_then_redelivered_from_the_page(
    settings, administrator_client, endpoint, receiver
):
    receiver.fail = -1
    services.webhook_ping(actor=None, endpoint=endpoint)
    delivery = WebhookDelivery.objects.get()
    for _ in range(5):
        run_outbox()
        time_passes(max(settings.WEBHOOKS_RETRY_DELAYS))
    run_outbox()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 5)
    assert len(receiver.requests) == 5

    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    page = administrator_client.get(detail)
    assert f'data-delivery="{delivery.pk}" data-status="failed"' in page.text
    assert ">Failed</span>" in page.text and "HTTP 500" in page.text
    assert page.context["deliveries"][0].last_status_code == 500

    receiver.fail = 0
    redeliver = reverse("webhooks:delivery_redeliver", kwargs={"pk": delivery.pk})
    response = administrator_client.post(redeliver, follow=True)
    assert f"Delivery {delivery.message_id} queued to be sent again." in response.text
    run_outbox()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    assert receiver.requests[-1].headers["webhook-id"] == delivery.message_id
    response = administrator_client.post(
        redeliver, follow=True
    )  # a succeeded one may be sent again
    assert "queued to be sent again" in response.text
    response = administrator_client.post(redeliver, follow=True)  # but not while it is queued
    assert "is already queued or sending" in response.text


def test_the_deliveries_section_is_asked_for_again_only_while_a_delivery_is_pending(
    administrator_client, endpoint, receiver
):
    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    assert "data-hx-trigger" not in administrator_client.get(detail).text  # nothing to wait for

    services.webhook_ping(actor=None, endpoint=endpoint)
    page = administrator_client.get(detail)
    assert 'data-hx-trigger="every 2s"' in page.text and ">Queued</span>" in page.text
    assert " hx-" not in page.text  # htmx's data-hx-* spelling only (the HTML checker's)
    section = administrator_client.get(detail, headers={"HX-Request": "true"})
    assert section.text.lstrip().startswith("<section") and "<html" not in section.text
    assert "HX-Request" in section["Vary"]

    run_outbox()
    section = administrator_client.get(detail, headers={"HX-Request": "true"})
    assert ">Succeeded</span>" in section.text
    assert "data-hx-trigger" not in section.text  # the page stops asking


def test_redeliver_is_offered_for_a_stranded_delivery_not_for_a_queued_one(
    administrator_client, endpoint, receiver
):
    stranded, queued = (services.webhook_ping(actor=None, endpoint=endpoint) for _ in range(2))
    # The task library's claim committed, then the worker died: no task will send it.
    DBTaskResult.objects.get(args_kwargs__kwargs__delivery_id=stranded.pk).claim("killed")
    time_passes(3600)  # both queued and overdue; only the second one's task still waits to run
    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    page = administrator_client.get(detail).text

    def redeliver_button(delivery) -> str:
        row = page.split(f'data-delivery="{delivery.pk}"')[1].split("</tr>")[0]
        return row.split("<button")[1].split(">")[0]

    assert "disabled" not in redeliver_button(stranded)
    assert "disabled" in redeliver_button(queued)
    redeliver = reverse("webhooks:delivery_redeliver", kwargs={"pk": stranded.pk})
    response = administrator_client.post(redeliver, follow=True)
    assert f"Delivery {stranded.message_id} queued to be sent again." in response.text


def test_the_polled_section_of_a_signed_out_session_redirects_the_page_to_login(
    administrator_client, endpoint
):
    services.webhook_ping(actor=None, endpoint=endpoint)
    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    administrator_client.logout()  # the session ended while the page was open
    section = administrator_client.get(
        detail, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{detail}"}
    )
    assert section.status_code == 200 and "<form" not in section.text  # no login page swapped in
    assert section["HX-Redirect"] == f"{reverse('login')}?next={detail.replace('/', '%2F')}"
    assert administrator_client.get(detail).status_code == 302  # a plain request: as before


def test_a_delivery_queued_before_its_endpoint_was_disabled_is_not_posted(
    administrator_client, endpoint, receiver
):
    """Switching an endpoint off stops what is already queued for it too, not only new events;
    switched on again, Redeliver posts it."""
    services.webhook_ping(actor=None, endpoint=endpoint)
    delivery = WebhookDelivery.objects.get()
    services.endpoint_active_set(actor=None, endpoint=endpoint, active=False)
    run_outbox()
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "Not sent: the endpoint is disabled."

    services.endpoint_active_set(actor=None, endpoint=endpoint, active=True)
    administrator_client.post(reverse("webhooks:delivery_redeliver", kwargs={"pk": delivery.pk}))
    run_outbox()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id]


# --- SSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://psa.example.com/hooks", "Enter an https:// URL"),
        ("https://127.0.0.1/hooks", "“127.0.0.1” is a private, loopback or link-local address"),
        ("https://localhost:8443/hooks", "“localhost” is a private, loopback or link-local"),
        ("https://10.1.2.3/hooks", "“10.1.2.3” is a private"),
        ("https://169.254.169.254/latest", "“169.254.169.254” is a private"),
        ("https://[::1]/hooks", "“::1” is a private"),
        # IPv6 forms that carry an IPv4 address Python's ipaddress calls global themselves:
        # NAT64 (RFC 6052 well-known prefix and the RFC 8215 local-use one), 6to4, IPv4-compatible
        ("https://[64:ff9b::7f00:1]/", "“64:ff9b::7f00:1” is a private"),
        ("https://[64:ff9b::a01:203]/", "“64:ff9b::a01:203” is a private"),
        ("https://[64:ff9b:1::808:808]/", "“64:ff9b:1::808:808” is a private"),
        ("https://[2002:7f00:1::]/", "“2002:7f00:1::” is a private"),
        ("https://[2002:a9fe:a9fe::1]/", "“2002:a9fe:a9fe::1” is a private"),
        ("https://[::7f00:1]/", "“::7f00:1” is a private"),
        # Teredo: its server (bits 32-63) or its client (the last 32 bits, inverted) is loopback
        ("https://[2001:0:7f00:1::f7f7:f7f7]/", "“2001:0:7f00:1::f7f7:f7f7” is a private"),
        ("https://[2001:0:808:808::80ff:fffe]/", "“2001:0:808:808::80ff:fffe” is a private"),
        # User-info: the host the reader sees (127.0.0.1) is not the one called (8.8.8.8)
        ("https://127.0.0.1:443@8.8.8.8/", "Enter the URL without a user name or password"),
        ("https://user:secret@psa.example.com/hooks", "Enter the URL without a user name"),
    ],
)
def test_production_refuses_private_and_plain_http_urls_next_to_the_field(
    settings, administrator_client, url, message
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    before = db_state()
    response = administrator_client.post(
        reverse("webhooks:endpoint_create"),
        {"url": url, "description": "PSA", "event_types": ["customer.onboarded"], "active": "on"},
    )
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["url"])
    assert f'value="{url}"' in response.text  # what was typed stays
    assert db_state() == before and not WebhookEndpoint.objects.exists()


def test_a_url_refused_at_delivery_time_is_not_called(settings, endpoint, receiver):
    services.webhook_ping(actor=None, endpoint=endpoint)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False  # production settings from now on
    run_outbox()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.last_error.startswith("Refused: Enter an https:// URL")


# --- pages --------------------------------------------------------------------------------------


def test_user_info_is_refused_even_where_private_urls_are_allowed(settings, administrator_client):
    assert settings.WEBHOOKS_ALLOW_PRIVATE_URLS  # as under DEBUG and in tests
    url = "https://127.0.0.1:443@8.8.8.8/"
    response = administrator_client.post(
        reverse("webhooks:endpoint_create"),
        {"url": url, "event_types": ["customer.onboarded"], "active": "on"},
    )
    assert "Enter the URL without a user name or password" in str(
        response.context["form"].errors["url"]
    )
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("private_allowed", [True, False])
def test_a_url_with_user_info_saved_before_the_check_is_not_called(
    settings, endpoint, receiver, private_allowed
):
    # A row saved before user-info was refused: "user:pw@" before the receiver's host.
    WebhookEndpoint.objects.update(url=receiver.url.replace("://", "://user:pw@"))
    services.webhook_ping(actor=None, endpoint=endpoint)
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = private_allowed
    run_outbox()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.last_error.startswith("Refused: Enter the URL without a user name or password")


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/hooks",
        "https://[2606:4700::1111]/hooks",
        "https://[64:ff9b::808:808]/hooks",  # NAT64 of a public address (IPv6-only networks)
        "https://[2002:808:808::1]/hooks",  # 6to4 of a public address
    ],
)
def test_public_addresses_in_those_forms_are_accepted(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    http.url_check(url)  # no ValidationError


def test_an_administrator_adds_an_endpoint_sends_a_test_event_and_sees_it(
    partner, administrator_client, admin_user, receiver
):
    team = administrator_client.get(reverse("partners:team"))
    assert reverse("webhooks:endpoint_list") in team.text
    assert (
        "No webhook endpoints yet."
        in administrator_client.get(reverse("webhooks:endpoint_list")).text
    )
    form = administrator_client.get(reverse("webhooks:endpoint_create"))
    assert form.status_code == 200 and "Customer onboarded" in form.text
    response = administrator_client.post(
        reverse("webhooks:endpoint_create"),
        {
            "url": receiver.url,
            "description": "Our PSA",
            "event_types": ["customer.onboarded"],
            "active": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.partner, endpoint.created_by, endpoint.active) == (partner, admin_user, True)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.text
    assert "Endpoint added." in response.text

    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    administrator_client.post(reverse("webhooks:endpoint_test", kwargs={"pk": endpoint.pk}))
    run_outbox()
    [received] = receiver.requests
    ping = verified(endpoint, received)
    assert ping["type"] == "ping" and ping["data"]["endpoint_id"] == endpoint.pk
    page = administrator_client.get(detail)
    assert "ping" in page.text and 'data-status="succeeded"' in page.text

    old = endpoint.secret
    response = administrator_client.post(
        reverse("webhooks:secret_rotate", kwargs={"pk": endpoint.pk}), follow=True
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.text
    assert old not in response.text

    edit = reverse("webhooks:endpoint_edit", kwargs={"pk": endpoint.pk})
    assert administrator_client.get(edit).status_code == 200
    response = administrator_client.post(
        edit, {"url": receiver.url, "event_types": [], "description": "x", "active": "on"}
    )
    assert "Choose at least one event." in response.text
    administrator_client.post(
        edit,
        {"url": receiver.url, "event_types": ["customer.onboarded", "license.low_seats"]},
    )
    endpoint.refresh_from_db()
    assert endpoint.event_types == ["customer.onboarded", "license.low_seats"]
    assert endpoint.active is False  # unticked: disabled
    listing = administrator_client.get(reverse("webhooks:endpoint_list"))
    assert receiver.url in listing.text and "Disabled" in listing.text

    delete = reverse("webhooks:endpoint_delete", kwargs={"pk": endpoint.pk})
    assert "Delete this webhook endpoint?" in administrator_client.get(delete).text
    administrator_client.post(delete)
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_deliveries_are_listed_newest_first_25_a_page(administrator_client, endpoint):
    for _ in range(27):
        services.webhook_ping(actor=None, endpoint=endpoint)
    newest = WebhookDelivery.objects.order_by("-created_at", "-pk").first()
    detail = reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk})
    first = administrator_client.get(detail)
    assert first.context["deliveries"][0] == newest and len(first.context["deliveries"]) == 25
    assert len(administrator_client.get(detail, {"page": 2}).context["deliveries"]) == 2


@pytest.mark.parametrize("role", [PartnerRole.VIEW_ONLY, PartnerRole.ALLOCATOR])
def test_view_only_and_allocators_get_403_and_change_nothing(client, partner, endpoint, role):
    member = MembershipFactory(partner=partner, user=UserFactory(username="someone"), role=role)
    verified_login(client, member.user)
    delivery = services.webhook_ping(actor=None, endpoint=endpoint)
    before = db_state(), WebhookEndpoint.objects.get().secret
    urls = [
        reverse("webhooks:endpoint_list"),
        reverse("webhooks:endpoint_detail", kwargs={"pk": endpoint.pk}),
        reverse("webhooks:endpoint_edit", kwargs={"pk": endpoint.pk}),
        reverse("webhooks:endpoint_delete", kwargs={"pk": endpoint.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    posts = urls[2:] + [
        reverse("webhooks:secret_rotate", kwargs={"pk": endpoint.pk}),
        reverse("webhooks:endpoint_test", kwargs={"pk": endpoint.pk}),
        reverse("webhooks:delivery_redeliver", kwargs={"pk": delivery.pk}),
    ]
    for url in posts:
        assert client.post(url, {"url": "https://evil.example/"}).status_code == 403, url
    assert (db_state(), WebhookEndpoint.objects.get().secret) == before
    assert WebhookDelivery.objects.count() == 1


def test_another_partners_endpoint_or_delivery_is_404(
    client, administrator_client, other_partner, receiver
):
    theirs = endpoint_for(other_partner, receiver.url)
    delivery = services.webhook_ping(actor=None, endpoint=theirs)
    secret = theirs.secret
    before = db_state()
    by_endpoint = ["endpoint_detail", "endpoint_edit", "endpoint_delete"]
    for name in by_endpoint:
        assert (
            administrator_client.get(
                reverse(f"webhooks:{name}", kwargs={"pk": theirs.pk})
            ).status_code
            == 404
        ), name
    for name in [*by_endpoint[1:], "secret_rotate", "endpoint_test"]:
        url = reverse(f"webhooks:{name}", kwargs={"pk": theirs.pk})
        post = {"url": "https://evil.example/", "event_types": ["customer.onboarded"]}
        assert administrator_client.post(url, post).status_code == 404, name
    redeliver = reverse("webhooks:delivery_redeliver", kwargs={"pk": delivery.pk})
    assert administrator_client.post(redeliver).status_code == 404
    assert db_state() == before
    theirs.refresh_from_db()
    assert (theirs.secret, theirs.url, WebhookDelivery.objects.count()) == (secret, receiver.url, 1)


# --- admin --------------------------------------------------------------------------------------


def test_staff_open_the_admin_pages_and_resend_a_failed_delivery(
    client, staff_user, endpoint, receiver
):
    receiver.fail = -1
    delivery = services.webhook_ping(actor=None, endpoint=endpoint)
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED, attempts=5, last_error="HTTP 500")
    verified_login(client, staff_user)
    for model, obj in ((WebhookEndpoint, endpoint), (WebhookDelivery, delivery)):
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        assert client.get(add).status_code == 403  # they come from the partners' pages
    page = client.get(
        reverse("admin:webhooks_webhookdelivery_changelist"), {"status__exact": "failed"}
    )
    assert [d.pk for d in page.context["cl"].result_list] == [delivery.pk]

    change = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    response = client.post(change, {"active": ""}, follow=True)
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.active is False  # staff switch an endpoint off (and on again)
    client.post(change, {"active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.active is True

    receiver.fail = 0
    changelist = reverse("admin:webhooks_webhookdelivery_changelist")
    response = client.post(
        changelist, {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "1 delivery queued to be sent again." in response.text
    run_outbox()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert json.loads(receiver.requests[-1].body)["type"] == "ping"


def test_a_delivery_stranded_by_a_killed_worker_is_swept_or_resent_from_admin(
    settings, client, staff_user, endpoint, receiver
):
    first, second = (services.webhook_ping(actor=None, endpoint=endpoint) for _ in range(2))
    for delivery in (first, second):  # the task library's claim committed, the worker died
        DBTaskResult.objects.get(args_kwargs__kwargs__delivery_id=delivery.pk).claim("killed")
    time_passes(3600)
    verified_login(client, staff_user)
    response = client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "resend", "_selected_action": [first.pk]},
        follow=True,
    )
    assert "1 delivery queued to be sent again." in response.text
    run_outbox()  # the resent one from its new task, the other from the worker's sweep
    statuses = WebhookDelivery.objects.values_list("status", "attempts")
    assert list(statuses) == [(DeliveryStatus.SUCCEEDED, 1)] * 2
    ids = sorted(r.headers["webhook-id"] for r in receiver.requests)
    assert ids == sorted([first.message_id, second.message_id])
