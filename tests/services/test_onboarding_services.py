"""onboarding_submit: one transaction, all or nothing, once per wizard, e-mail after commit."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from licenses.models import CustomerAccount, SeatAllocation, VolumeLicense
from onboarding import services as onboarding_services
from onboarding.choices import FulfilmentStatus
from onboarding.models import OnboardingRequest, Shipment
from shipping.choices import ApplianceRole
from shipping.models import Address
from tests.factories import (
    PartnerFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.factories_onboarding import (
    BOSTON,
    OTTAWA,
    appliance_line,
    sensor_orders,
    submit_order,
)


def nothing_persisted() -> bool:
    return not (
        CustomerAccount.objects.exists()
        or SeatAllocation.objects.exists()
        or OnboardingRequest.objects.exists()
        or Shipment.objects.exists()
    )


def test_virtual_order_creates_request_customer_and_allocations(
    complete_license, cloud_license, user, django_capture_on_commit_callbacks
):
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submission = submit_order(
            license=complete_license,
            actor=user,
            token=token,
            tier_users=120,
            cloud_users=30,
            sat_users=100,
            website="https://acme.example",
            hosting_region="au",
        )
    assert submission.created
    order = submission.request
    assert order.token == token
    assert (order.tier_users, order.cloud_users, order.sat_users) == (120, 30, 100)
    assert (order.deployment, order.hosting_region, order.ship_to) == ("virtual", "au", "")
    assert order.fulfilment_status == FulfilmentStatus.COMPLETE
    customer = order.customer
    assert customer.legal_name == "Acme Dental Inc."
    assert customer.hosting_region == "au"
    seats = {a.license_id: (a.seats, a.sat_users) for a in customer.allocations.all()}
    assert seats == {complete_license.pk: (120, 100), cloud_license.pk: (30, 0)}
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (120, 30)
    # Both messages go once it commits: the order to the partner, the welcome to the customer.
    assert callbacks and len(mail.outbox) == 2


def test_sensor_order_ships_each_appliance_to_its_address(
    complete_license, rack, desktop, user, django_capture_on_commit_callbacks
):
    orders = [
        appliance_line(rack, ApplianceRole.PRIMARY, OTTAWA),
        appliance_line(desktop, ApplianceRole.ADDITIONAL, BOSTON, n=1),
        appliance_line(desktop, ApplianceRole.ADDITIONAL, dict(BOSTON), n=2),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        order = submit_order(
            license=complete_license, actor=user, appliances=orders, ship_to="per_appliance"
        ).request
    shipments = list(order.shipments.select_related("address", "appliance").order_by("id"))
    assert [(s.role, s.appliance.name, s.address.city) for s in shipments] == [
        ("primary", "NS-1000 Rack Sensor", "Ottawa"),
        ("additional", "NS-100 Desktop Sensor", "Boston"),
        ("additional", "NS-100 Desktop Sensor", "Boston"),
    ]
    assert all(s.status == "pending" for s in shipments)
    assert Address.objects.count() == 2  # the two identical Boston addresses are one row
    assert shipments[0].address.postal_code == "K1P 6L5"
    assert shipments[0].address.partner == complete_license.partner
    assert order.fulfilment_status == FulfilmentStatus.AWAITING_SHIPMENT
    assert order.customer.deployment == "network_sensors"
    assert order.hosting_region == ""
    body = mail.outbox[0].body  # the partner's order mail
    assert "NS-100 Desktop Sensor" in body and "Boston" in body


def test_default_address_is_used_when_asked(complete_license, rack, default_address):
    order = submit_order(license=complete_license, appliances=sensor_orders(rack)).request
    assert order.shipments.get().address == default_address
    assert Address.objects.count() == 1


def test_default_address_missing_is_refused_and_nothing_saved(complete_license, rack):
    with pytest.raises(ValidationError) as exc:
        submit_order(license=complete_license, appliances=sensor_orders(rack))
    assert exc.value.message_dict == {
        "ship_to": ["Your organisation has no default shipping address; enter an address instead."]
    }
    assert nothing_persisted()
    complete_license.refresh_from_db()
    assert complete_license.allocated == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"incident_answer": "yes"}, "incident"),
        ({"hosting_region": ""}, "hosting_region"),
        ({"deployment": "satellite"}, "deployment"),
        ({"tier_users": 1991}, "tier_users"),
        ({"tier_users": 0}, "tier_users"),
        ({"legal_name": " "}, "legal_name"),
        ({"sat_users": 30}, "sat_users"),
    ],
)
def test_refusals_keep_the_database_unchanged(complete_license, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        submit_order(license=complete_license, **kwargs)
    assert field in exc.value.message_dict
    assert nothing_persisted()


def test_virtual_with_appliances_or_sensors_without_primary_are_refused(complete_license, rack):
    with pytest.raises(ValidationError) as exc:
        submit_order(
            license=complete_license,
            deployment="virtual",
            hosting_region="ca",
            appliances=sensor_orders(rack),
        )
    assert "deployment" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        submit_order(
            license=complete_license,
            appliances=[appliance_line(rack, ApplianceRole.ADDITIONAL, OTTAWA)],
            ship_to="custom",
        )
    assert "primary_appliance" in exc.value.message_dict
    assert nothing_persisted()


def test_retired_appliance_is_refused(complete_license, rack, default_address):
    rack.active = False
    rack.save()
    with pytest.raises(ValidationError) as exc:
        submit_order(license=complete_license, appliances=sensor_orders(rack))
    assert "no longer offered" in exc.value.message_dict["primary_appliance"][0]
    assert nothing_persisted()


def test_bad_postal_code_is_refused_after_nothing_is_saved(complete_license, rack):
    with pytest.raises(ValidationError) as exc:
        submit_order(
            license=complete_license,
            ship_to="custom",
            appliances=sensor_orders(rack, address={**OTTAWA, "postal_code": "K1P"}),
        )
    assert exc.value.message_dict["postal_code"] == [
        "Enter a Canadian postal code such as K1A 0B1."
    ]
    assert nothing_persisted()


def test_pool_emptied_before_submit_is_refused_with_the_numbers(complete_license):
    make_customer(license=complete_license, tier_users=1985)
    with pytest.raises(ValidationError) as exc:
        submit_order(license=complete_license, tier_users=6)
    assert exc.value.message_dict["tier_users"][0].startswith("Only 5 MDR Complete user")
    assert OnboardingRequest.objects.count() == 0
    assert CustomerAccount.objects.count() == 1


def test_failure_after_the_customer_row_rolls_everything_back_and_sends_nothing(
    complete_license, cloud_license, rack, default_address, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch.object(
            onboarding_services, "shipments_create", side_effect=RuntimeError("disk full")
        ) as failing,
        pytest.raises(RuntimeError),
    ):
        submit_order(license=complete_license, cloud_users=10, appliances=sensor_orders(rack))
    assert failing.called  # the customer, allocations and request rows were written first
    assert nothing_persisted()
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert complete_license.allocated == cloud_license.allocated == 0
    assert callbacks == [] and mail.outbox == []


def test_same_token_twice_creates_one_customer(
    complete_license, django_capture_on_commit_callbacks
):
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = submit_order(license=complete_license, token=token)
        second = submit_order(license=complete_license, token=token, tier_users=99)
    assert first.created and not second.created
    assert second.request.pk == first.request.pk
    assert CustomerAccount.objects.count() == 1
    complete_license.refresh_from_db()
    assert complete_license.allocated == 25
    # Mailed once (no submitter here, so only the administrator's welcome).
    assert [m.to for m in mail.outbox] == [["it@acme-dental.example"]]


def test_another_partners_token_is_refused(complete_license, other_license):
    token = uuid.uuid4()
    submit_order(license=other_license, token=token)
    with pytest.raises(ValidationError):
        submit_order(license=complete_license, token=token)
    assert CustomerAccount.objects.filter(partner=complete_license.partner).count() == 0


# Who gets which e-mail, and what each says: tests/services/test_onboarding_emails.py.


def test_a_mail_server_failure_does_not_undo_the_order(
    complete_license, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        submission = submit_order(license=complete_license)
    assert OnboardingRequest.objects.filter(pk=submission.request.pk).exists()
    assert "Could not send the onboarding welcome e-mail" in caplog.text


def test_a_sub_partner_submits_on_a_shared_license(complete_license, partner):
    reseller = PartnerFactory(name="Bluewater Reseller")
    complete_license.sub_partners.add(reseller)
    order = submit_order(license=complete_license, partner=reseller).request
    assert order.partner == reseller
    assert order.customer.partner == partner
    assert order.customer.sub_partner == reseller
    stranger = PartnerFactory(name="Initech MSP")
    with pytest.raises(ValidationError):
        submit_order(license=complete_license, partner=stranger, legal_name="Other Co")


def test_query_count_is_the_same_for_one_and_ten_appliances(
    complete_license, rack, desktop, default_address, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, additional in enumerate((0, 9)):
        orders = sensor_orders(rack, *[desktop] * additional, address=None)
        orders = [
            replace(o, address={**BOSTON, "line1": f"{i} Federal Street"})
            for i, o in enumerate(orders)
        ]
        with CaptureQueriesContext(connection) as queries:
            submit_order(
                license=complete_license,
                appliances=orders,
                ship_to="per_appliance",
                legal_name=f"Customer {n}",
            )
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # 20 for the order, 8 for its two e-mails rendered and queued in its transaction (the order
    # read back with its shipments and allocations, two e-mail rows, two task rows), 1 for the
    # partner's webhook endpoints (none: no delivery).
    with django_assert_max_num_queries(29):
        submit_order(
            license=complete_license,
            legal_name="Customer pinned",
            ship_to="per_appliance",
            appliances=[
                replace(o, address={**OTTAWA, "line1": f"{i} Bank Street"})
                for i, o in enumerate(sensor_orders(rack, *[desktop] * 9))
            ],
        )


# --- PostgreSQL: real concurrency -----------------------------------------------------------


def _race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def run(i, args):
        try:
            barrier.wait(timeout=10)
            results[i] = target(*args)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_wizard_create_one_customer(require_postgres):
    owner = PartnerFactory(name="Race MSP")
    license = VolumeLicenseFactory(partner=owner, seat_commitment=100)
    token = uuid.uuid4()
    results = _race(
        lambda: submit_order(license=VolumeLicense.objects.get(pk=license.pk), token=token),
        [()] * 4,
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.request.pk for r in results}) == 1
    assert CustomerAccount.objects.count() == 1
    license.refresh_from_db()
    assert license.allocated == 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_wizards_cannot_oversell_the_last_seats(require_postgres):
    owner = PartnerFactory(name="Race MSP")
    license = VolumeLicenseFactory(partner=owner, seat_commitment=30)
    results = _race(
        lambda name: submit_order(
            license=VolumeLicense.objects.get(pk=license.pk), legal_name=name, tier_users=20
        ),
        [("First Co",), ("Second Co",)],
    )
    created = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].message_dict["tier_users"][0].startswith("Only 10 MDR Complete users")
    license.refresh_from_db()
    assert license.allocated == 20
    assert OnboardingRequest.objects.count() == 1
