"""Moving Partner and Membership to lmp.partners, and Shipment to onboarding, keeps every row.

The test migrates the database back to the nodes before the move, writes rows through the models
as they were then (Partner.default_address included), migrates forward again and reads the same
rows through today's models. It runs on SQLite and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from licenses.models import CustomerAccount, VolumeLicense
from lmp.partners.models import Membership, Partner
from onboarding.models import OnboardingRequest, Shipment
from shipping.models import Address
from shipping.selectors import partner_default_address

# The last nodes before the move (partners did not exist yet).
BEFORE_MOVE = [
    ("partners", None),
    ("licenses", "0007_license_holder_count"),
    ("shipping", "0002_appliance_shipment"),
    ("onboarding", "0001_initial"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader  # a fresh graph for what comes next


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _old_rows(old):
    """Rows written through the models as they were before the move; their primary keys."""
    User = old.get_model(settings.AUTH_USER_MODEL)
    Partner = old.get_model("licenses", "Partner")
    Membership = old.get_model("licenses", "Membership")
    Address = old.get_model("shipping", "Address")
    VolumeLicense = old.get_model("licenses", "VolumeLicense")
    CustomerAccount = old.get_model("licenses", "CustomerAccount")
    Appliance = old.get_model("shipping", "Appliance")
    Shipment = old.get_model("shipping", "Shipment")
    OnboardingRequest = old.get_model("onboarding", "OnboardingRequest")

    northwind = Partner.objects.create(name="Northwind MSP")
    echo = Partner.objects.create(name="Echo Sub-Partner")
    bare = Partner.objects.create(name="No Address Ltd")

    def address(partner, city):
        return Address.objects.create(
            partner=partner, recipient="Sam", line1="1 Main St", city=city, postal_code="K1P 1J9"
        )

    ottawa, toronto, montreal = (
        address(northwind, "Ottawa"),
        address(northwind, "Toronto"),
        (address(echo, "Montreal")),
    )
    northwind.default_address = toronto
    northwind.save()
    # A default naming another partner's address was never honoured (the selector checked the
    # owner): it is not carried over.
    echo.default_address = ottawa
    echo.save()

    user = User.objects.create(username="alex")
    membership = Membership.objects.create(user=user, partner=northwind, role="administrator")
    license = VolumeLicense.objects.create(
        partner=northwind,
        tier="complete",
        seat_commitment=100,
        renewal_date=dt.date(2027, 1, 31),
        price_per_user=Decimal("14.50"),
    )
    license.sub_partners.add(echo)
    customer = CustomerAccount.objects.create(
        partner=northwind,
        license=license,
        legal_name="Acme Dental",
        admin_email="it@acme.example",
        sub_partner=echo,
    )
    order = OnboardingRequest.objects.create(
        token=uuid.uuid4(),
        partner=northwind,
        license=license,
        customer=customer,
        submitted_by=user,
        incident_answer="no",
        legal_name="Acme Dental",
        admin_email="it@acme.example",
        tier_users=10,
        deployment="network_sensors",
        ship_to="default",
        sub_partner=echo,
    )
    sensor = Appliance.objects.create(name="NS-100", form_factor="desktop", site_size="small")
    shipment = Shipment.objects.create(
        onboarding_request=order, appliance=sensor, role="primary", address=toronto
    )
    return {
        "northwind": northwind.pk,
        "echo": echo.pk,
        "bare": bare.pk,
        "ottawa": ottawa.pk,
        "toronto": toronto.pk,
        "montreal": montreal.pk,
        "user": user.pk,
        "membership": membership.pk,
        "license": license.pk,
        "customer": customer.pk,
        "order": order.pk,
        "shipment": shipment.pk,
    }


def test_moving_partners_and_shipments_keeps_every_row():
    permission = Permission.objects.get(
        content_type__app_label="partners", codename="change_partner"
    )
    shipment_permission = Permission.objects.get(
        content_type__app_label="onboarding", codename="change_shipment"
    )
    try:
        loader = _migrate(BEFORE_MOVE)
        # Before the move the permissions belonged to the old apps.
        assert Permission.objects.get(pk=permission.pk).content_type.app_label == "licenses"
        assert Permission.objects.get(pk=shipment_permission.pk).content_type.app_label == (
            "shipping"
        )
        nodes = [node for node in BEFORE_MOVE if node[1] is not None]
        pks = _old_rows(loader.project_state(nodes, at_end=True).apps)
    finally:
        _migrate(_leaves())

    northwind = Partner.objects.get(pk=pks["northwind"])
    echo = Partner.objects.get(pk=pks["echo"])
    assert northwind.name == "Northwind MSP"
    assert sorted(Partner.objects.values_list("name", flat=True)) == [
        "Echo Sub-Partner",
        "No Address Ltd",
        "Northwind MSP",
    ]
    membership = Membership.objects.select_related("user", "partner").get(pk=pks["membership"])
    assert (membership.user.pk, membership.partner, membership.role) == (
        pks["user"],
        northwind,
        "administrator",
    )

    # The default address was carried over; only one per partner, and only its own.
    assert partner_default_address(partner=northwind).pk == pks["toronto"]
    assert partner_default_address(partner=echo) is None
    assert partner_default_address(partner=Partner.objects.get(pk=pks["bare"])) is None
    assert set(Address.objects.filter(is_default=True).values_list("pk", flat=True)) == {
        pks["toronto"]
    }
    assert Address.objects.get(pk=pks["montreal"]).partner == echo

    license = VolumeLicense.objects.get(pk=pks["license"])
    assert license.partner == northwind
    assert list(license.sub_partners.all()) == [echo]
    customer = CustomerAccount.objects.get(pk=pks["customer"])
    assert (customer.partner, customer.sub_partner) == (northwind, echo)

    order = OnboardingRequest.objects.get(pk=pks["order"])
    assert (order.partner, order.sub_partner, order.customer) == (northwind, echo, customer)
    shipment = Shipment.objects.get(pk=pks["shipment"])
    assert (shipment.onboarding_request, shipment.address.pk, shipment.appliance.name) == (
        order,
        pks["toronto"],
        "NS-100",
    )
    assert list(order.shipments.all()) == [shipment]

    # Permissions (and so the staff holding them) followed the models to their new apps.
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "partners"
    assert Permission.objects.get(pk=shipment_permission.pk).content_type.app_label == (
        "onboarding"
    )
    assert not ContentType.objects.filter(app_label="licenses", model="partner").exists()
