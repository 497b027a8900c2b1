"""Addresses, the appliance catalogue, shipments and the vendor staff's fulfilment actions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from lmp.demo.catalogue import catalogue_seed
from onboarding import services as onboarding_services
from onboarding.choices import FulfilmentStatus
from onboarding.models import Shipment
from shipping import selectors, services
from shipping.choices import ShipmentStatus
from shipping.models import Address, Appliance
from shipping.validators import postal_code_clean
from tests.factories import AddressFactory, PartnerFactory
from tests.factories_onboarding import ApplianceFactory, sensor_orders, submit_order


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("CA", "k1a0b1", "K1A 0B1"),
        ("CA", "A1A 1A1", "A1A 1A1"),
        ("CA", "m5h-3t4", "M5H 3T4"),
        ("US", "12345", "12345"),
        ("US", "12345-6789", "12345-6789"),
        ("US", "12345 6789", "12345-6789"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("AU", "2000", "2000"),
        ("NL", "1012ab", "1012 AB"),
    ],
)
def test_postal_codes_are_accepted_and_tidied(country, typed, stored):
    assert postal_code_clean(country=country, postal_code=typed) == stored


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        ("CA", "12345", "Enter a Canadian postal code such as K1A 0B1."),
        ("CA", "D1A 1A1", "Enter a Canadian postal code such as K1A 0B1."),  # no D in Canada
        ("CA", "K1A 0B", "Enter a Canadian postal code such as K1A 0B1."),
        ("US", "1234", "Enter a US ZIP code such as 12345 or 12345-6789."),
        ("US", "K1A 0B1", "Enter a US ZIP code such as 12345 or 12345-6789."),
        ("US", "12345-678", "Enter a US ZIP code such as 12345 or 12345-6789."),
        ("AU", "20000", "Enter a 4-digit Australian postcode such as 2000."),
        ("CA", "", "Enter the postal code."),
    ],
)
def test_postal_codes_that_cannot_be_delivered_are_refused(country, typed, message):
    with pytest.raises(ValidationError) as exc:
        postal_code_clean(country=country, postal_code=typed)
    assert exc.value.message_dict == {"postal_code": [message]}


def test_address_full_clean_checks_the_postal_code_against_the_country(partner):
    address = AddressFactory.build(partner=partner, country="US", postal_code="K1P 1J9")
    with pytest.raises(ValidationError) as exc:
        services.address_save(address=address)
    assert list(exc.value.message_dict) == ["postal_code"]
    address.country = "CA"
    services.address_save(address=address)
    assert Address.objects.get().postal_code == "K1P 1J9"


def test_a_partner_has_at_most_one_default_address(partner, other_partner):
    AddressFactory(partner=partner, is_default=True)
    AddressFactory(partner=other_partner, is_default=True)  # another partner's is its own
    AddressFactory(partner=partner)  # any number of others
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(
            partner=partner, recipient="Sam", line1="2 King St", city="Ottawa", is_default=True
        )
    second = AddressFactory.build(partner=partner, is_default=True)
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert exc.value.messages == ["This partner already has a default address."]


def test_setting_a_default_address_takes_it_from_the_previous_one(partner, other_partner):
    first = AddressFactory(partner=partner, is_default=True)
    theirs = AddressFactory(partner=other_partner, is_default=True)
    second = AddressFactory(partner=partner)
    services.address_default_set(address=second)
    assert selectors.partner_default_address(partner=partner) == second
    assert set(Address.objects.filter(is_default=True)) == {second, theirs}
    # Saving an address as the default (the admin form's checkbox) does the same.
    first.is_default = True
    services.address_save(address=first)
    assert selectors.partner_default_address(partner=partner) == first
    assert set(Address.objects.filter(is_default=True)) == {first, theirs}
    assert selectors.partner_default_address(partner=PartnerFactory(name="Bare MSP")) is None


def test_admin_action_makes_an_address_the_default(staff_client, partner):
    first = AddressFactory(partner=partner, is_default=True)
    second = AddressFactory(partner=partner)
    url = reverse("admin:shipping_address_changelist")
    response = staff_client.post(
        url, {"action": "make_default", "_selected_action": [second.pk]}, follow=True
    )
    assert "is now the default address of Northwind MSP" in response.text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    response = staff_client.post(
        url, {"action": "make_default", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "Choose exactly one address." in response.text
    assert Address.objects.get(is_default=True) == second


def test_admin_form_hands_the_default_to_a_new_address(staff_client, partner):
    first = AddressFactory(partner=partner, is_default=True)
    url = reverse("admin:shipping_address_add")
    assert staff_client.get(url).status_code == 200
    data = {
        "partner": partner.pk,
        "label": "Warehouse",
        "recipient": "Sam Taylor",
        "line1": "9 Dock Road",
        "city": "Halifax",
        "region": "NS",
        "postal_code": "b3h 1a1",
        "country": "CA",
        "default": "on",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302
    warehouse = Address.objects.get(label="Warehouse")
    assert (warehouse.postal_code, warehouse.is_default) == ("B3H 1A1", True)
    first.refresh_from_db()
    assert not first.is_default
    # Unticking it leaves the partner without a default.
    change = reverse("admin:shipping_address_change", args=[warehouse.pk])
    assert staff_client.get(change).context["adminform"].form["default"].value() is True
    data.pop("default")
    assert staff_client.post(change, data).status_code == 302
    assert not Address.objects.filter(is_default=True).exists()


def test_catalogue_seed_is_idempotent_and_keeps_admin_edits(db):
    assert catalogue_seed() == 4
    names = list(Appliance.objects.values_list("name", flat=True))
    assert len(names) == 4 and not any("virtual" in n.lower() for n in names)
    assert {a.form_factor for a in Appliance.objects.all()} == {"desktop", "rack_1u", "rack_2u"}
    edited = Appliance.objects.get(name="NS-1000 Rack Sensor")
    edited.active = False
    edited.save()
    assert catalogue_seed() == 0
    assert Appliance.objects.count() == 4
    assert not Appliance.objects.get(name="NS-1000 Rack Sensor").active


def test_catalogue_seed_reads_french_and_fills_a_catalogue_made_before_it(db):
    assert catalogue_seed() == 4
    with translation.override("fr-ca"):
        rack = Appliance.objects.get(name_en="NS-1000 Rack Sensor")
        assert (rack.name, rack.throughput) == ("Capteur en baie NS-1000", "Jusqu'à 1 Gbit/s")
    # A catalogue seeded before the French columns (the migration copied English only) gets its
    # French text; a French name staff typed is kept.
    Appliance.objects.update(name_fr_ca=None, description_fr_ca="", throughput_fr_ca="")
    Appliance.objects.filter(name_en="NS-100 Desktop Sensor").update(name_fr_ca="Mon capteur")
    assert catalogue_seed() == 0
    with translation.override("fr-ca"):
        names = set(Appliance.objects.values_list("name_fr_ca", flat=True))
    assert "Mon capteur" in names and "Capteur en baie NS-1000" in names


def test_demo_seeder_loads_the_catalogue(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Appliance.objects.filter(active=True).count() == 4


@pytest.fixture
def order(partner, complete_license):
    AddressFactory(partner=partner, is_default=True)
    rack = ApplianceFactory(name="NS-1000 Rack Sensor")
    desktop = ApplianceFactory(name="NS-100 Desktop Sensor")
    return submit_order(license=complete_license, appliances=sensor_orders(rack, desktop)).request


def test_shipment_moves_pending_shipped_delivered(order):
    shipment = order.shipments.get(role="primary")
    with pytest.raises(ValidationError) as exc:
        onboarding_services.shipment_mark_shipped(shipment=shipment)
    assert "needs a carrier and a tracking number" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        onboarding_services.shipment_mark_delivered(shipment=shipment)

    onboarding_services.shipment_tracking_set(
        shipment=shipment, carrier="ups", tracking_number=" 1Z999  AA1 "
    )
    shipped = onboarding_services.shipment_mark_shipped(shipment=shipment)
    assert shipped.status == ShipmentStatus.SHIPPED and shipped.shipped_at is not None
    assert shipped.tracking_number == "1Z999 AA1"
    assert order.fulfilment_status == FulfilmentStatus.AWAITING_SHIPMENT  # the other one waits
    with pytest.raises(ValidationError) as exc:
        onboarding_services.shipment_mark_shipped(shipment=shipment)
    assert "already shipped" in exc.value.messages[0]

    other = order.shipments.get(role="additional")
    onboarding_services.shipment_tracking_set(
        shipment=other, carrier="fedex", tracking_number="7712"
    )
    onboarding_services.shipment_mark_shipped(shipment=other)
    assert order.fulfilment_status == FulfilmentStatus.IN_TRANSIT
    onboarding_services.shipment_mark_delivered(shipment=shipment)
    onboarding_services.shipment_mark_delivered(shipment=other)
    assert order.fulfilment_status == FulfilmentStatus.COMPLETE
    with pytest.raises(ValidationError) as exc:
        onboarding_services.shipment_mark_delivered(shipment=other)
    assert "already delivered" in exc.value.messages[0]


def test_tracking_cannot_be_removed_from_a_shipped_shipment(order):
    shipment = order.shipments.get(role="primary")
    onboarding_services.shipment_tracking_set(
        shipment=shipment, carrier="ups", tracking_number="1Z1"
    )
    onboarding_services.shipment_mark_shipped(shipment=shipment)
    with pytest.raises(ValidationError):
        onboarding_services.shipment_tracking_set(
            shipment=shipment, carrier="ups", tracking_number=""
        )
    shipment.refresh_from_db()
    assert shipment.tracking_number == "1Z1"


def test_database_refuses_a_shipped_shipment_without_tracking(order):
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.filter(role="primary").update(
            status=ShipmentStatus.SHIPPED, shipped_at=timezone.now()
        )


def test_database_refuses_two_primary_appliances_on_one_order(order):
    primary = order.shipments.get(role="primary")
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.create(
            onboarding_request=order,
            appliance=primary.appliance,
            role="primary",
            address=primary.address,
        )


# --- admin ---------------------------------------------------------------------------------


def test_admin_marks_shipments_shipped_and_delivered_through_the_services(staff_client, order):
    primary = order.shipments.get(role="primary")
    additional = order.shipments.get(role="additional")
    onboarding_services.shipment_tracking_set(
        shipment=primary, carrier="purolator", tracking_number="P1"
    )
    url = reverse("admin:onboarding_shipment_changelist")
    response = staff_client.post(
        url,
        {"action": "mark_shipped", "_selected_action": [primary.pk, additional.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.text
    assert "1 shipment marked shipped." in text
    assert "needs a carrier and a tracking number" in text
    primary.refresh_from_db()
    additional.refresh_from_db()
    assert primary.status == ShipmentStatus.SHIPPED
    assert additional.status == ShipmentStatus.PENDING

    response = staff_client.post(
        url, {"action": "mark_delivered", "_selected_action": [primary.pk]}, follow=True
    )
    assert "1 shipment marked delivered." in response.text
    primary.refresh_from_db()
    assert primary.status == ShipmentStatus.DELIVERED


def test_admin_edits_tracking_through_the_service(staff_client, order):
    shipment = order.shipments.get(role="primary")
    url = reverse("admin:onboarding_shipment_change", args=[shipment.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"carrier": "dhl", "tracking_number": "  JD0146  "})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.carrier, shipment.tracking_number) == ("dhl", "JD0146")


def test_admin_pages_for_orders_catalogue_and_shipments_render(staff_client, order):
    for url in (
        reverse("admin:onboarding_onboardingrequest_changelist"),
        reverse("admin:onboarding_onboardingrequest_changelist") + "?fulfilment=awaiting",
        reverse("admin:onboarding_onboardingrequest_change", args=[order.pk]),
        reverse("admin:shipping_appliance_changelist"),
        reverse("admin:shipping_appliance_add"),
        reverse("admin:onboarding_shipment_changelist"),
        reverse("admin:shipping_address_changelist"),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
    detail = staff_client.get(reverse("admin:onboarding_onboardingrequest_change", args=[order.pk]))
    assert "NS-1000 Rack Sensor" in detail.text  # the shipments inline
    # Orders come from partners only.
    assert staff_client.get(reverse("admin:onboarding_onboardingrequest_add")).status_code == 403


def test_admin_appliance_form_saves_through_the_service(staff_client, db):
    # Staff type the catalogue's text in English and in French (shipping/translation.py).
    response = staff_client.post(
        reverse("admin:shipping_appliance_add"),
        {
            "name_en": "NS-200 Branch Sensor",
            "name_fr_ca": "Capteur de succursale NS-200",
            "form_factor": "desktop",
            "site_size": "small",
            "throughput_en": "Up to 500 Mbps",
            "throughput_fr_ca": "Jusqu'à 500 Mb/s",
            "description_en": "",
            "description_fr_ca": "",
            "active": "on",
            "sort_order": "15",
        },
    )
    assert response.status_code == 302
    appliance = Appliance.objects.get(name_en="NS-200 Branch Sensor")
    assert appliance.site_size == "small"
    with translation.override("fr-ca"):
        assert appliance.name == "Capteur de succursale NS-200"
        assert appliance.throughput == "Jusqu'à 500 Mb/s"
    with translation.override("en"):
        assert appliance.name == "NS-200 Branch Sensor"


def test_admin_appliance_needs_its_english_name_and_its_french_one_may_wait(staff_client, db):
    """A blank French name is allowed (the English one shows); a blank English one is not."""
    form = {
        "form_factor": "desktop",
        "site_size": "small",
        "active": "on",
        "sort_order": "15",
    }
    url = reverse("admin:shipping_appliance_add")
    refused = staff_client.post(url, {**form, "name_en": "", "name_fr_ca": "Capteur NS-300"})
    assert refused.status_code == 200
    assert "This field is required." in refused.text
    for name in ("NS-300 Sensor", "NS-301 Sensor"):  # two blank French names: no clash
        assert staff_client.post(url, {**form, "name_en": name}).status_code == 302
    appliance = Appliance.objects.get(name_en="NS-300 Sensor")
    assert appliance.name_fr_ca is None
    with translation.override("fr-ca"):
        assert appliance.name == "NS-300 Sensor"


def test_partners_cannot_reach_the_admin(partner_client, order):
    response = partner_client.get(reverse("admin:onboarding_shipment_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
