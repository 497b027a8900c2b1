"""Legal names are unique among the customers one partner manages, and the check leaks nothing.

Issue 13, "Visibility fixes": the wizard's duplicate-name check told a sub-partner that the
license owner (or another sub-partner) already had a customer of that name, on licenses not even
shared with it. The scope is now the customers a partner manages on one owner's licenses: the
owner's own (no sub-partner), or one sub-partner's. Each of those is a list its manager sees, so a
refusal never tells a partner about a customer it cannot see. The database constraint has the
same scope (licenses migration 0020).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount
from licenses.services import customer_create, customer_update
from tests.factories import (
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.factories_onboarding import Wizard

TAKEN = "An active customer named"


@pytest.fixture
def setting(partner, complete_license):
    """Northwind's Complete license shared with Charlie and Delta; Northwind's Core is not."""
    charlie = PartnerFactory(name="Sub Partner Charlie")
    delta = PartnerFactory(name="Sub Partner Delta")
    complete_license.sub_partners.add(charlie, delta)
    core = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=100)
    make_customer(license=complete_license, legal_name="Owner Shared Client")
    make_customer(license=core, legal_name="Owner Secret Core Client")
    make_customer(license=complete_license, partner=delta, legal_name="Delta Own Client")
    user = MembershipFactory(partner=charlie, user=UserFactory(username="charlie")).user
    return {"charlie": charlie, "delta": delta, "core": core, "user": user}


def _details(client, license, legal_name: str):
    wizard = Wizard(client, license)
    wizard.start()
    wizard.post("incident", {"incident": "no"})
    return wizard.post("details", {**Wizard.DETAILS, "legal_name": legal_name})


@pytest.mark.parametrize(
    "name", ["Owner Shared Client", "owner secret core client", "Delta Own Client"]
)
def test_the_wizard_does_not_tell_a_sub_partner_about_customers_it_cannot_see(
    setting, complete_license, name
):
    client = Client()
    client.force_login(setting["user"])
    page = _details(client, complete_license, name)
    assert TAKEN not in page.text
    assert page.posted.url.endswith("/deployment/")  # the step was accepted


def test_a_sub_partner_can_onboard_a_name_the_owner_already_has(setting, complete_license):
    customer = customer_create(
        partner=setting["charlie"],
        license=complete_license,
        legal_name="Owner Shared Client",
        admin_email="it@charlie-client.example",
        tier_users=5,
    )
    assert customer.sub_partner == setting["charlie"]
    assert CustomerAccount.objects.filter(legal_name="Owner Shared Client").count() == 2


def test_names_stay_unique_among_the_customers_one_partner_manages(
    setting, partner, complete_license
):
    charlie = setting["charlie"]
    make_customer(license=complete_license, partner=charlie, legal_name="Charlie Client")
    client = Client()
    client.force_login(setting["user"])
    page = _details(client, complete_license, "charlie CLIENT")
    assert f"{TAKEN} “charlie CLIENT” already exists." in page.text
    with pytest.raises(ValidationError, match=TAKEN):
        make_customer(license=complete_license, partner=charlie, legal_name="Charlie Client")
    with pytest.raises(ValidationError, match=TAKEN):
        make_customer(license=complete_license, legal_name="owner shared client")
    # The owner's rename is checked within its own customers too.
    own = make_customer(license=complete_license, legal_name="Owner Second Client")
    with pytest.raises(ValidationError, match=TAKEN):
        customer_update(customer=own, legal_name="Owner Shared Client", tier_users=10)
    # Renaming its own customer to a sub-partner's customer's name is no clash.
    customer_update(customer=own, legal_name="Delta Own Client", tier_users=10)


def test_the_database_constraint_has_the_same_scope(setting, partner, complete_license):
    charlie = setting["charlie"]

    def row(name: str, sub_partner=None) -> None:
        with transaction.atomic():
            CustomerAccount.objects.create(
                partner=partner,
                license=complete_license,
                legal_name=name,
                admin_email="x@example.com",
                sub_partner=sub_partner,
                status=CustomerStatus.ACTIVE,
            )

    row("Owner Shared Client", sub_partner=charlie)  # another manager: allowed
    with pytest.raises(IntegrityError):
        row("OWNER SHARED CLIENT")  # the owner's own list already has it
    with pytest.raises(IntegrityError):
        row("owner shared client", sub_partner=charlie)  # Charlie's list already has it
