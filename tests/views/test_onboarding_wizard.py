"""The onboarding wizard through the test client: every step, every rule, tampering, tenancy."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from licenses import services as license_services
from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, SeatAllocation
from onboarding.models import OnboardingDraft, OnboardingRequest, Shipment
from shipping.models import Address
from tests.factories import (
    AddressFactory,
    MembershipFactory,
    PartnerFactory,
    UserFactory,
    VolumeLicenseFactory,
    make_customer,
)
from tests.factories_onboarding import (
    BOSTON,
    OTTAWA,
    ApplianceFactory,
    Wizard,
    current_step,
    last_request,
    sensor_orders,
    submit_order,
)
from tests.helpers.auth import verified_login
from tests.helpers.messages import messages_of


@pytest.fixture
def wizard(partner_client, complete_license, cloud_license):
    return Wizard(partner_client, complete_license)


def errors(response, field: str | None = None) -> list[str]:
    form = response.context["wizard"]["form"]
    if field is None:
        return list(form.non_field_errors())
    return list(form.errors.get(field, []))


def at_shipping(wizard, appliance, additional=None):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.sensors(appliance, additional)
    assert current_step(response) == "shipping"
    return response


# --- the Customer Onboarding tab -----------------------------------------------------------


def test_tab_lists_the_partners_licenses_with_users_available(
    partner_client, complete_license, core_license, cloud_license, other_license
):
    make_customer(license=complete_license, tier_users=200)
    response = partner_client.get(reverse("onboarding:start"))
    assert response.status_code == 200
    html = response.text
    assert html.count("Users Available") >= 3
    # Core, Complete, Cloud, in the order partners know them.
    assert html.index("MDR Core") < html.index("MDR Complete") < html.index("MDR Cloud")
    assert "1,790" in html  # 1,990 - 200
    assert reverse("onboarding:wizard", kwargs={"license_pk": complete_license.pk}) in html
    assert reverse("onboarding:wizard", kwargs={"license_pk": other_license.pk}) not in html
    assert "Contoso" not in html


def test_tab_lists_onboarding_requests_with_shipment_status_and_tracking(
    partner_client, complete_license, default_address, rack, other_license
):
    from onboarding import services as onboarding_services

    mine = submit_order(license=complete_license, appliances=sensor_orders(rack)).request
    shipment = mine.shipments.get()
    onboarding_services.shipment_tracking_set(
        shipment=shipment, carrier="purolator", tracking_number="PUR 3321 0098"
    )
    onboarding_services.shipment_mark_shipped(shipment=shipment)
    submit_order(license=other_license, legal_name="Globex Corporation")

    response = partner_client.get(reverse("onboarding:start"))
    html = response.text
    assert "Acme Dental Inc." in html
    assert "Shipped" in html and "PUR 3321 0098" in html and "Purolator" in html
    assert "In transit" in html
    assert "Globex" not in html


def test_staff_without_a_partner_is_sent_to_the_admin(client, staff_user, complete_license):
    verified_login(client, staff_user)
    response = client.get(reverse("onboarding:wizard", kwargs={"license_pk": complete_license.pk}))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


# --- tenancy -------------------------------------------------------------------------------


def test_another_partners_license_is_404_for_get_and_post(partner_client, other_license):
    url = reverse("onboarding:wizard", kwargs={"license_pk": other_license.pk})
    assert partner_client.get(url).status_code == 404
    assert partner_client.post(url, {"x-current_step": "incident"}).status_code == 404
    assert not OnboardingRequest.objects.exists()


def test_unknown_license_is_404(partner_client, db):
    url = reverse("onboarding:wizard", kwargs={"license_pk": 999_999})
    assert partner_client.get(url).status_code == 404


def test_another_partners_confirmation_page_is_404(other_client, complete_license):
    order = submit_order(license=complete_license).request
    url = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    assert other_client.get(url).status_code == 404


def test_sub_partner_onboards_on_a_shared_license_as_the_customers_sub_partner(
    client, partner, complete_license, cloud_license
):
    reseller = PartnerFactory(name="Bluewater Reseller")
    complete_license.sub_partners.add(reseller)
    user = MembershipFactory(partner=reseller, user=UserFactory(username="bw")).user
    client.force_login(user)
    wizard = Wizard(client, complete_license)
    wizard.start()
    wizard.incident()
    response = wizard.details()
    # The reseller is the sub-partner; it does not choose one.
    assert "sub_partner" not in response.context["form"].fields
    wizard.virtual()
    response = wizard.review()
    assert response.status_code == 302
    customer = CustomerAccount.objects.get(legal_name="Acme Dental Inc.")
    assert customer.partner == partner
    assert customer.sub_partner == reseller
    assert last_request().partner == reseller


# --- step 1: the incident gate -------------------------------------------------------------


def test_wizard_opens_on_the_incident_question_without_the_rest_of_the_form(wizard):
    response = wizard.start()
    assert response.status_code == 200
    assert current_step(response) == "incident"
    assert "Is this customer currently experiencing a breach or incident?" in response.text
    assert "Customer Legal Name" not in response.text
    assert 'src="/static/js/onboarding.js"' in response.text
    assert "<script>" not in response.text and "onclick" not in response.text


def test_incident_question_must_be_answered(wizard):
    wizard.start()
    response = wizard.post("incident", {})
    assert current_step(response) == "incident"
    assert errors(response, "incident") == ["Answer the incident question to continue."]


def test_yes_stops_onboarding_with_incident_response_contacts(wizard, settings):
    settings.INCIDENT_RESPONSE_PHONE = "1-800-555-0111"
    settings.INCIDENT_RESPONSE_EMAIL = "ir@vendor.example"
    wizard.start()
    response = wizard.incident("yes")
    assert response.status_code == 302
    response = wizard.client.get(response.url)
    assert response.status_code == 200
    assert "Onboarding stopped" in response.text
    assert "1-800-555-0111" in response.text and "ir@vendor.example" in response.text
    assert "Customer Legal Name" not in response.text
    # Nothing is kept: going on without starting again is refused.
    response = wizard.details()
    assert response.status_code == 302
    assert not CustomerAccount.objects.exists()
    assert not OnboardingRequest.objects.exists()


def test_no_through_htmx_reveals_the_details_in_place(wizard):
    wizard.start()
    response = wizard.post("incident", {"incident": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert current_step(response) == "details"
    assert "<html" not in response.text
    assert 'id="onboarding-wizard"' in response.text
    assert "Customer Legal Name" in response.text
    assert "No breach or incident reported" in response.text


# --- step 2: customer details --------------------------------------------------------------


def test_details_labels_follow_the_seed_for_mdr_complete(wizard):
    wizard.start()
    response = wizard.incident()
    assert current_step(response) == "details"
    for label in (
        "Customer Legal Name",
        "Web Site",
        "MDR Portal Administrator Email",
        "MDR Complete Users",
        "MDR Cloud Users",
        "Beauceron SAT Users",
    ):
        assert label in response.text
    assert "Users Available (1,990)" in response.text
    # No sub-partner shares this license, so there is nothing to choose.
    assert "Sub-Partner" not in response.text


def test_core_license_has_no_sat_users(partner_client, core_license, cloud_license):
    wizard = Wizard(partner_client, core_license)
    wizard.start()
    response = wizard.incident()
    fields = response.context["form"].fields
    assert fields["tier_users"].label == "MDR Core Users"
    assert "sat_users" not in fields and "cloud_users" in fields
    # A posted SAT figure is ignored, not allocated.
    wizard.details(sat_users="5")
    wizard.virtual()
    wizard.review()
    allocation = SeatAllocation.objects.get(license=core_license)
    assert allocation.seats == 25 and allocation.sat_users == 0


def test_cloud_license_asks_only_for_mdr_cloud_users(partner_client, cloud_license):
    wizard = Wizard(partner_client, cloud_license)
    wizard.start()
    fields = wizard.incident().context["form"].fields
    assert fields["tier_users"].label == "MDR Cloud Users"
    assert "cloud_users" not in fields and "sat_users" not in fields


def test_no_mdr_cloud_field_without_an_mdr_cloud_license(partner_client, complete_license):
    wizard = Wizard(partner_client, complete_license)
    wizard.start()
    fields = wizard.incident().context["form"].fields
    assert "cloud_users" not in fields
    assert "MDR Cloud Users" not in wizard.post("incident", {"incident": "no"}).text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"legal_name": "  "}, "legal_name", "This field is required."),
        ({"admin_email": ""}, "admin_email", "This field is required."),
        ({"admin_email": "not-an-email"}, "admin_email", "Enter a valid email address."),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"tier_users": ""}, "tier_users", "This field is required."),
        ({"tier_users": "0"}, "tier_users", "MDR Complete Users must be at least 1."),
        ({"tier_users": "-4"}, "tier_users", "MDR Complete Users must be at least 1."),
        ({"tier_users": "ten"}, "tier_users", "Enter a whole number."),
        ({"tier_users": "1991"}, "tier_users", "Only 1,990 MDR Complete users are available."),
        ({"cloud_users": "301"}, "cloud_users", "Only 300 MDR Cloud users are available."),
        ({"cloud_users": "-1"}, "cloud_users", "MDR Cloud Users cannot be negative."),
        (
            {"tier_users": "25", "sat_users": "26"},
            "sat_users",
            "Beauceron SAT users cannot be more than the 25 MDR Complete users.",
        ),
    ],
)
def test_details_rules(wizard, overrides, field, message):
    wizard.start()
    wizard.incident()
    response = wizard.details(**overrides)
    assert current_step(response) == "details"
    assert errors(response, field) == [message]
    # What was typed stays in the form.
    if overrides.get(field, "").strip():
        assert f'value="{overrides[field]}"' in response.text


def test_users_available_counts_other_customers(wizard, complete_license):
    make_customer(license=complete_license, tier_users=1980)
    wizard.start()
    wizard.incident()
    response = wizard.details(tier_users="11")
    assert errors(response, "tier_users") == ["Only 10 MDR Complete users are available."]
    assert current_step(wizard.details(tier_users="10")) == "deployment"


def test_duplicate_active_legal_name_is_refused_case_insensitively(wizard, complete_license):
    make_customer(license=complete_license, legal_name="Acme Dental Inc.")
    wizard.start()
    wizard.incident()
    response = wizard.details(legal_name="ACME   dental inc.")
    assert errors(response, "legal_name") == [
        "An active customer named “ACME dental inc.” already exists."
    ]


def test_an_offboarded_customers_name_can_be_onboarded_again(wizard, complete_license):
    old = make_customer(license=complete_license, legal_name="Acme Dental Inc.")
    license_services.customer_offboard(customer=old)
    wizard.start()
    wizard.incident()
    assert current_step(wizard.details()) == "deployment"


def test_sub_partner_is_a_choice_among_the_licenses_sub_partners(
    wizard, complete_license, other_partner
):
    sharing = PartnerFactory(name="Bluewater Reseller")
    complete_license.sub_partners.add(sharing)
    wizard.start()
    response = wizard.incident()
    assert "Sub-Partner" in response.text
    assert list(response.context["form"].fields["sub_partner"].queryset) == [sharing]
    # Another partner's id, not sharing this license: a field error, never a 500.
    response = wizard.details(sub_partner=str(other_partner.pk))
    assert current_step(response) == "details"
    assert errors(response, "sub_partner") == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    response = wizard.details(sub_partner="abc")
    assert errors(response, "sub_partner")
    wizard.details(sub_partner=str(sharing.pk))
    wizard.virtual()
    wizard.review()
    assert CustomerAccount.objects.get().sub_partner == sharing


# --- step 3: deployment --------------------------------------------------------------------


def test_virtual_needs_a_hosting_region(wizard):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.virtual(region="")
    assert errors(response, "hosting_region") == ["Choose the hosting region."]
    response = wizard.virtual(region="mars")
    assert errors(response, "hosting_region")
    assert current_step(wizard.virtual(region="eu")) == "review"


def test_deployment_must_be_chosen(wizard):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.post("deployment", {})
    assert errors(response, "deployment") == ["Choose a deployment solution."]


def test_virtual_is_recommended_under_ten_users(wizard, rack):
    wizard.start()
    wizard.incident()
    response = wizard.details(tier_users="9")
    assert "we recommend fully virtual" in response.text
    assert "fewer than 10 users" in response.text
    wizard.back("details", "deployment")
    response = wizard.details(tier_users="10")
    assert "we recommend fully virtual" not in response.text


def test_sensors_need_a_primary_appliance(wizard, rack):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.post("deployment", {"deployment": "network_sensors"})
    assert errors(response, "primary_appliance") == ["Choose the primary appliance."]


def test_unknown_or_retired_appliance_is_a_field_error(wizard, rack):
    retired = ApplianceFactory(name="NS-50 Retired", active=False)
    wizard.start()
    wizard.incident()
    wizard.details()
    for value in ("999999", str(retired.pk), "x"):
        response = wizard.post(
            "deployment", {"deployment": "network_sensors", "primary_appliance": value}
        )
        assert current_step(response) == "deployment"
        assert errors(response, "primary_appliance") == ["Choose an appliance from the catalogue."]
    assert "NS-50 Retired" not in response.text


def test_additional_sensor_counts_are_bounded(wizard, rack, desktop):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.sensors(rack, {desktop: -1})
    assert errors(response, f"additional_{desktop.pk}")
    response = wizard.sensors(rack, {desktop: 20, rack: 6})
    assert errors(response) == [
        "Order at most 25 additional network sensors here; contact us for larger deployments."
    ]


def test_virtual_skips_the_shipping_step(wizard, default_address):
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.virtual()
    assert current_step(response) == "review"
    progress = {row["name"]: row["state"] for row in response.context["progress"]}
    assert progress["shipping"] == "skipped"
    assert response.context["wizard"]["steps"].count == 4
    # Posting the skipped step anyway is answered, not crashed on.
    response = wizard.ship_default()
    assert response.status_code == 200
    assert current_step(response) == "review"
    assert "That step is not part of this onboarding; continue here." in messages_of(response)


# --- step 4: shipping ----------------------------------------------------------------------


def test_default_address_ships_every_appliance_there(wizard, default_address, rack, desktop):
    response = at_shipping(wizard, rack, {desktop: 1})
    assert "Our default partner address" in response.text
    assert "Toronto" in response.text
    assert current_step(wizard.ship_default()) == "review"
    wizard.review()
    shipments = Shipment.objects.all()
    assert shipments.count() == 2
    assert {s.address_id for s in shipments} == {default_address.pk}


def test_without_a_default_address_the_option_is_not_offered(wizard, rack):
    response = at_shipping(wizard, rack)
    choices = dict(response.context["form"].fields["ship_to"].choices)
    assert "default" not in choices
    response = wizard.ship_default()
    assert current_step(response) == "shipping"
    assert errors(response, "ship_to")


def test_custom_address_is_validated_and_tidied(wizard, rack):
    at_shipping(wizard, rack)
    response = wizard.ship_custom({**OTTAWA, "recipient": "", "postal_code": "12345"})
    assert current_step(response) == "shipping"
    assert errors(response, "recipient") == ["This field is required."]
    assert errors(response, "postal_code") == ["Enter a Canadian postal code such as K1A 0B1."]
    response = wizard.ship_custom({**OTTAWA, "country": "US", "postal_code": "K1P 6L5"})
    assert errors(response, "postal_code") == ["Enter a US ZIP code such as 12345 or 12345-6789."]
    assert current_step(wizard.ship_custom(OTTAWA)) == "review"
    wizard.review()
    address = Shipment.objects.get().address
    assert address.postal_code == "K1P 6L5"
    assert address.partner == wizard.license.partner


def test_one_appliance_cannot_choose_per_appliance_addresses(wizard, rack):
    response = at_shipping(wizard, rack)
    assert "per_appliance" not in dict(response.context["form"].fields["ship_to"].choices)


def test_per_appliance_addresses_each_appliance_exactly_once(wizard, rack, desktop):
    response = at_shipping(wizard, rack, {desktop: 2})
    first, second = f"additional-{desktop.pk}-1", f"additional-{desktop.pk}-2"
    units = dict(response.context["form"].fields["unit"].choices)
    assert units["primary"] == "Primary appliance — NS-1000 Rack Sensor"
    assert units[second] == "Additional sensor 2 — NS-100 Desktop Sensor"

    response = wizard.add_address("primary", OTTAWA)
    assert current_step(response) == "shipping"
    rows = response.context["form"].entry_rows
    assert [r["unit"].key for r in rows] == ["primary"]
    assert "For: Primary appliance" in response.text

    # The same appliance twice is refused; so is an appliance that is not in the order.
    response = wizard.add_address("primary", BOSTON)
    assert errors(response, "unit") == [
        "Choose one of this order's appliances that has no address yet."
    ]
    response = wizard.add_address(f"additional-{desktop.pk}-9", BOSTON)
    assert errors(response, "unit")
    response = wizard.add_address("", BOSTON)
    assert errors(response, "unit") == ["Choose the appliance this address is for."]
    # A bad postal code is refused next to the field; the list is unchanged.
    response = wizard.add_address(first, {**BOSTON, "postal_code": "0211"})
    assert errors(response, "postal_code") == ["Enter a US ZIP code such as 12345 or 12345-6789."]
    assert len(response.context["form"].entry_rows) == 1

    wizard.add_address(first, BOSTON)
    response = wizard.ship_per_appliance()
    assert current_step(response) == "shipping"
    assert errors(response) == [
        "Every appliance needs an address. Add one for: "
        "Additional sensor 2 — NS-100 Desktop Sensor."
    ]
    wizard.add_address(second, BOSTON)
    response = wizard.remove_address(first)
    assert [r["unit"].key for r in response.context["form"].entry_rows] == [
        "primary",
        second,
    ]
    wizard.add_address(first, OTTAWA)
    assert current_step(wizard.ship_per_appliance()) == "review"
    wizard.review()
    by_role = {(s.role, s.address.city) for s in Shipment.objects.select_related("address")}
    assert by_role == {("primary", "Ottawa"), ("additional", "Ottawa"), ("additional", "Boston")}
    # Identical addresses are saved once.
    assert Address.objects.filter(city__in=["Ottawa", "Boston"]).count() == 2


def source_choices(response) -> dict[str, str]:
    """The shipping step's "Address for this appliance" choices: value → label."""
    return dict(response.context["form"].fields["source"].choices)


def test_per_appliance_reuses_the_previous_address_and_the_default_without_retyping(
    wizard, rack, desktop, default_address
):
    response = at_shipping(wizard, rack, {desktop: 2})
    first, second = f"additional-{desktop.pk}-1", f"additional-{desktop.pk}-2"
    # Nothing added yet: no previous appliance to copy; the default and a new address are offered.
    assert list(source_choices(response)) == ["default", "new"]
    assert response.context["form"]["source"].value() == "new"

    wizard.add_address("primary", OTTAWA)
    response = wizard.add_address(first, source="previous")
    assert current_step(response) == "shipping"
    assert errors(response, "source") == []
    response = wizard.add_address(second, source="default")
    rows = {r["unit"].key: r["address"] for r in response.context["form"].entry_rows}
    assert rows["primary"].line1 == rows[first].line1 == "55 Metcalfe Street"
    assert rows[first].postal_code == "K1P 6L5"
    assert rows[second].city == "Toronto"
    assert "Toronto" in response.text  # the default shows in the address list

    # "previous" is the address last added, named in its label.
    choices = source_choices(wizard.remove_address(second))
    assert "55 Metcalfe Street" in choices["previous"]
    wizard.add_address(second, source="default")

    assert current_step(wizard.ship_per_appliance()) == "review"
    wizard.review()
    shipments = {
        s.role + ("" if s.role == "primary" else str(s.pk)): s
        for s in Shipment.objects.select_related("address")
    }
    assert len(shipments) == 3
    cities = sorted(s.address.city for s in shipments.values())
    assert cities == ["Ottawa", "Ottawa", "Toronto"]
    # The typed address is saved once; the default is the partner's own row, not a copy.
    assert Address.objects.filter(city="Ottawa").count() == 1
    assert Address.objects.filter(partner=wizard.license.partner, city="Toronto").count() == 1
    assert default_address.pk in {s.address_id for s in shipments.values()}


def test_per_appliance_offers_the_partners_saved_addresses_and_no_one_elses(
    wizard, rack, desktop, complete_license, other_license
):
    # Two earlier orders shipped to Boston (one row each), an address in the partner's book,
    # and another partner's address.
    for name in ("Earlier Clinic", "Second Clinic"):
        orders = sensor_orders(rack, address=BOSTON)
        submit_order(license=complete_license, legal_name=name, appliances=orders, ship_to="custom")
    book = AddressFactory(partner=complete_license.partner, label="Head office", city="Calgary")
    theirs = AddressFactory(partner=other_license.partner, label="Their office", city="Halifax")

    response = at_shipping(wizard, rack, {desktop: 1})
    choices = source_choices(response)
    saved = {value: label for value, label in choices.items() if value.startswith("saved-")}
    assert len(saved) == 2, choices  # Boston once, and the address book's
    assert any("1 Federal Street" in label for label in saved.values())
    assert f"saved-{book.pk}" in saved and "Head office" in saved[f"saved-{book.pk}"]
    assert f"saved-{theirs.pk}" not in choices
    assert "Halifax" not in response.text

    boston = next(value for value, label in saved.items() if "1 Federal Street" in label)
    wizard.add_address("primary", source=boston)
    # Another partner's address, named by its id, is refused next to the choice.
    response = wizard.add_address(f"additional-{desktop.pk}-1", source=f"saved-{theirs.pk}")
    assert errors(response, "source")
    assert len(response.context["form"].entry_rows) == 1
    wizard.add_address(f"additional-{desktop.pk}-1", source=f"saved-{book.pk}")
    assert current_step(wizard.ship_per_appliance()) == "review"
    wizard.review()
    order = last_request()
    assert sorted(s.address.city for s in order.shipments.select_related("address")) == [
        "Boston",
        "Calgary",
    ]


def test_a_typed_address_with_another_choice_is_refused_not_dropped(
    wizard, rack, desktop, default_address
):
    at_shipping(wizard, rack, {desktop: 1})
    wizard.add_address("primary", OTTAWA)
    response = wizard.add_address(f"additional-{desktop.pk}-1", BOSTON, source="previous")
    assert errors(response, "source") == [
        "You typed an address: choose “A new address” to use it, or clear it."
    ]
    form = response.context["form"]
    assert len(form.entry_rows) == 1
    assert form["line1"].value() == "1 Federal Street"  # what was typed is kept


def test_previous_address_belongs_to_its_own_run(partner_client, complete_license, rack, desktop):
    one, two = Wizard(partner_client, complete_license), Wizard(partner_client, complete_license)
    at_shipping(one, rack, {desktop: 1})
    at_shipping(two, rack, {desktop: 1})
    one.add_address("primary", OTTAWA)
    response = partner_client.get(two.step_url("shipping"))
    assert "previous" not in source_choices(response)
    response = two.add_address("primary", source="previous")
    assert errors(response, "source")
    assert "previous" in source_choices(partner_client.get(one.step_url("shipping")))


def test_shipping_list_forgets_appliances_dropped_on_the_deployment_step(wizard, rack, desktop):
    at_shipping(wizard, rack, {desktop: 2})
    second = f"additional-{desktop.pk}-2"
    wizard.add_address("primary", OTTAWA)
    wizard.add_address(second, BOSTON)
    wizard.back("deployment", "shipping")
    response = wizard.sensors(rack, {desktop: 1})
    assert [r["unit"].key for r in response.context["form"].entry_rows] == ["primary"]


# --- step 5: review ------------------------------------------------------------------------


def test_review_shows_everything_and_needs_the_confirmation(wizard, rack, desktop):
    at_shipping(wizard, rack, {desktop: 1})
    wizard.add_address("primary", OTTAWA)
    wizard.add_address(f"additional-{desktop.pk}-1", BOSTON)
    response = wizard.ship_per_appliance()
    assert current_step(response) == "review"
    for text in (
        "Acme Dental Inc.",
        "it@acme-dental.example",
        "MDR Complete Users",
        "Network sensor(s)",
        "Primary appliance",
        "NS-1000 Rack Sensor",
        "Additional sensor 1",
        "Boston MA 02110-1234",
        "I confirm that the information above is accurate.",
    ):
        assert text in response.text
    response = wizard.review(confirm=False)
    assert current_step(response) == "review"
    assert errors(response, "confirm") == [
        "Tick the box to confirm that the information is accurate."
    ]
    assert not CustomerAccount.objects.exists()


# --- Back keeps data, and tampering ----------------------------------------------------------


def test_back_keeps_what_was_entered(wizard, rack):
    wizard.start()
    wizard.incident()
    wizard.details(legal_name="Lakeshore Physiotherapy", tier_users="12")
    response = wizard.back("details", "deployment", {"deployment": "virtual"})
    assert current_step(response) == "details"
    assert 'value="Lakeshore Physiotherapy"' in response.text
    assert 'value="12"' in response.text
    # Forward again: the deployment step is still filled in.
    response = wizard.details(legal_name="Lakeshore Physiotherapy", tier_users="12")
    assert current_step(response) == "deployment"
    assert response.context["form"]["deployment"].value() == "virtual"


def test_review_edit_goes_back_and_returns_with_the_change(wizard):
    wizard.run_virtual()
    response = wizard.back("details", "review")
    assert current_step(response) == "details"
    wizard.details(tier_users="40")
    response = wizard.virtual()
    assert response.context["summary"]["details"]["tier_users"] == 40
    wizard.review()
    assert SeatAllocation.objects.get().seats == 40


def test_jumping_to_review_without_details_is_refused(wizard):
    wizard.start()
    wizard.incident()
    response = wizard.review()
    assert response.status_code == 200
    assert current_step(response) == "details"
    assert "Complete “Customer details” first." in messages_of(response)
    assert not CustomerAccount.objects.exists()


def test_posting_a_later_step_first_is_refused(wizard, rack, default_address):
    wizard.start()
    for post in (wizard.details, wizard.virtual, wizard.ship_default, wizard.review):
        response = post()
        assert response.status_code == 200
        assert current_step(response) == "incident"
        assert "Complete “Incident check” first." in messages_of(response)
    assert not CustomerAccount.objects.exists()


def test_going_forward_with_goto_is_refused(wizard):
    wizard.start()
    wizard.incident()
    response = wizard.post("details", {}, extra={"wizard_goto_step": "review"})
    assert current_step(response) == "details"


def test_unknown_step_or_missing_management_form_is_answered_not_crashed(wizard):
    wizard.start()
    wizard.incident()
    # The URL names the step; a step that does not exist is answered with the run's step.
    response = wizard.post("no-such-step", {"confirm": "on"})
    assert response.posted.status_code == 302
    assert current_step(response) == "details"
    assert "That step is not part of this onboarding; continue here." in messages_of(response)
    # Without formtools' management form the step is still the one in the URL.
    response = wizard.follow(wizard.client.post(wizard.step_url("details"), {}))
    assert current_step(response) == "details"
    assert errors(response, "legal_name") == ["This field is required."]


def test_a_run_not_in_this_session_starts_again(partner_client, complete_license):
    import uuid

    wizard = Wizard(partner_client, complete_license)
    wizard.run = str(uuid.uuid4())  # expired, or typed in by hand
    response = wizard.details()
    assert response.status_code == 302
    assert response.url == wizard.url
    response = partner_client.get(response.url, follow=True)
    assert current_step(response) == "incident"
    assert "This onboarding form had expired or was not found, so it starts again." in (
        messages_of(response)
    )
    assert not CustomerAccount.objects.exists()


def test_reload_resumes_the_run_and_new_customer_starts_another(wizard):
    wizard.start()
    wizard.incident()
    wizard.details()
    run_url = reverse(
        "onboarding:wizard_run",
        kwargs={"license_pk": wizard.license.pk, "run": wizard.run},
    )
    response = wizard.client.get(run_url)
    assert response.status_code == 302
    assert response.url == wizard.step_url("deployment")
    assert current_step(wizard.client.get(response.url)) == "deployment"
    first_run = wizard.run
    response = wizard.start()
    assert current_step(response) == "incident"
    assert wizard.run != first_run
    # The first run is untouched: its tab carries on where it was.
    assert "Customer Legal Name" not in response.text


def test_two_licenses_keep_separate_wizards(partner_client, complete_license, core_license):
    complete = Wizard(partner_client, complete_license)
    core = Wizard(partner_client, core_license)
    complete.start()
    complete.incident()
    core.start()
    assert current_step(complete.details()) == "deployment"
    assert complete.token != core.token


# --- submit --------------------------------------------------------------------------------


def test_submit_creates_the_customer_allocations_and_order_then_mails(
    wizard, complete_license, cloud_license, user, django_capture_on_commit_callbacks
):
    wizard.start()
    wizard.incident()
    wizard.details(tier_users="25", cloud_users="5", sat_users="20")
    wizard.virtual(region="us")
    token = wizard.token
    with django_capture_on_commit_callbacks(execute=True):
        response = wizard.review()
    order = last_request()
    assert response.status_code == 302
    assert response.url == reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    assert str(order.token) == token
    customer = order.customer
    assert (customer.legal_name, customer.deployment, customer.hosting_region) == (
        "Acme Dental Inc.",
        "virtual",
        "us",
    )
    allocations = {a.license_id: a for a in customer.allocations.all()}
    assert allocations[complete_license.pk].seats == 25
    assert allocations[complete_license.pk].sat_users == 20
    assert allocations[cloud_license.pk].seats == 5
    complete_license.refresh_from_db()
    assert complete_license.unallocated == 1990 - 25
    assert order.submitted_by == user and order.incident_answer == "no"
    assert not order.shipments.exists()
    # The order to the partner user, a welcome of its own to the customer's administrator.
    assert [(m.to, m.cc) for m in mail.outbox] == [
        ([user.email], []),
        (["it@acme-dental.example"], []),
    ]

    page = wizard.client.get(response.url)
    assert "Acme Dental Inc. is onboarded" in page.text
    assert "An email will be sent to you" in page.text
    assert "Acme Dental Inc. has been onboarded." in messages_of(page)
    # Submitting the run again finds this order (the service knows its token).
    again = wizard.review()
    assert again.url == response.url
    assert CustomerAccount.objects.count() == 1


def test_confirmation_links_back_to_the_license_page(wizard, complete_license):
    wizard.run_virtual()
    page = wizard.client.get(wizard.review().url)
    try:
        url = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    except Exception:  # the license page belongs to another app and may not exist yet
        url = reverse("licenses:license_list")
    assert f'href="{url}"' in page.text


def test_pool_emptied_meanwhile_sends_back_to_details_with_the_numbers(
    wizard, complete_license, django_capture_on_commit_callbacks
):
    wizard.run_virtual()
    make_customer(license=complete_license, tier_users=1980)  # someone else took the seats
    with django_capture_on_commit_callbacks(execute=True):
        response = wizard.review()
    assert response.status_code == 200
    assert current_step(response) == "details"
    assert errors(response, "tier_users") == ["Only 10 MDR Complete users are available."]
    assert (
        "Nothing was submitted: Only 10 MDR Complete users are available. "
        "Check “Customer details” and continue." in messages_of(response)
    )
    assert not OnboardingRequest.objects.exists()
    assert CustomerAccount.objects.count() == 1
    assert mail.outbox == []
    # What was typed is still there: lower the number and submit.
    wizard.details(tier_users="10")
    wizard.virtual()
    with django_capture_on_commit_callbacks(execute=True):
        assert wizard.review().status_code == 302
    assert last_request().tier_users == 10
    assert len(mail.outbox) == 2  # one order: the partner's mail and the welcome


def test_pool_taken_between_the_checks_and_the_lock_is_shown_on_details(
    wizard, monkeypatch, complete_license
):
    """The service re-checks under the lock; its refusal lands next to the field too."""
    from django.core.exceptions import ValidationError

    from onboarding import views

    def refuse(**kwargs):
        raise ValidationError({"tier_users": "Only 3 MDR Complete users are available."})

    wizard.run_virtual()
    monkeypatch.setattr(views, "onboarding_submit", refuse)
    response = wizard.review()
    assert current_step(response) == "details"
    assert errors(response, "tier_users") == ["Only 3 MDR Complete users are available."]
    assert any(
        m.startswith("Nothing was submitted: Only 3 MDR Complete users are available.")
        for m in messages_of(response)
    )
    # The wizard's data survived the refusal.
    assert wizard.storage["step_data"]["details"]
    monkeypatch.undo()
    wizard.details()
    wizard.virtual()
    assert wizard.review().status_code == 302


def test_name_taken_meanwhile_sends_back_to_details(wizard, complete_license):
    wizard.run_virtual()
    make_customer(license=complete_license, legal_name="acme dental inc.")
    response = wizard.review()
    assert current_step(response) == "details"
    assert errors(response, "legal_name") == [
        "An active customer named “Acme Dental Inc.” already exists."
    ]


def test_back_and_resubmit_finds_the_first_order(wizard, django_capture_on_commit_callbacks):
    wizard.run_virtual()
    with django_capture_on_commit_callbacks(execute=True):
        first = wizard.review()
        # The browser's Back shows the review page again; Submit posts the same form.
        second = wizard.review()
    assert second.status_code == 302
    assert second.url == first.url
    assert CustomerAccount.objects.count() == 1
    assert OnboardingRequest.objects.count() == 1
    assert len(mail.outbox) == 2  # one order: the partner's mail and the welcome
    page = wizard.client.get(second.url)
    assert "This onboarding request was already submitted." in messages_of(page)


def test_double_click_submits_once(wizard, complete_license, django_capture_on_commit_callbacks):
    """Two requests that both read the wizard before the first one finished."""
    wizard.run_virtual()
    snapshot = wizard.storage
    with django_capture_on_commit_callbacks(execute=True):
        first = wizard.review()
        # The second click read the run before the first one stored anything.
        OnboardingDraft.objects.filter(pk=wizard.run).update(data=json.dumps(snapshot))
        # Without the posted token, only the wizard's own token can recognise the order.
        second = wizard.post("review", {"confirm": "on"})
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert CustomerAccount.objects.count() == 1
    assert SeatAllocation.objects.get().seats == 25
    complete_license.refresh_from_db()
    assert complete_license.allocated == 25
    assert len(mail.outbox) == 2  # one order: the partner's mail and the welcome
    # The wizard the second request restored is dropped: New Customer starts afresh.
    response = wizard.start()
    assert current_step(response) == "incident"
    assert "carry on where you left off" not in response.text


def test_another_partners_token_is_not_honoured(wizard, other_license, other_partner):
    order = submit_order(license=other_license)
    wizard.start()
    wizard.run = str(order.request.token)  # another partner's run id (= its order's token)
    response = wizard.review()
    # Not this session's run: it starts again, and the foreign order is not revealed.
    assert response.status_code == 302
    assert response.url == wizard.url
    assert OnboardingRequest.objects.filter(partner=other_partner).count() == 1
    assert not OnboardingRequest.objects.filter(partner=wizard.license.partner).exists()


def _submit_with_sensors(client, license, rack, additional: int, name: str) -> Wizard:
    wizard = Wizard(client, license)
    wizard.start()
    wizard.incident()
    wizard.details(legal_name=name)
    wizard.sensors(rack, {rack: additional} if additional else None)
    if not additional:
        response = wizard.ship_custom(OTTAWA)
    else:
        wizard.add_address("primary", OTTAWA)
        for n in range(1, additional + 1):
            unit = f"additional-{rack.pk}-{n}"
            wizard.add_address(unit, {**BOSTON, "line1": f"{n} Federal Street"})
        response = wizard.ship_per_appliance()
    assert current_step(response) == "review", response.context["form"].errors
    return wizard


def test_submit_query_count_does_not_grow_with_the_appliances(
    partner_client, complete_license, cloud_license, rack, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for additional in (0, 9):  # 1 appliance, then 10 appliances at 10 different addresses
        wizard = _submit_with_sensors(
            partner_client, complete_license, rack, additional, f"Customer {additional}"
        )
        with CaptureQueriesContext(connection) as queries:
            assert wizard.review().status_code == 302
        counts.append(len(queries))
    assert Shipment.objects.count() == 11
    assert counts[0] == counts[1], counts
    wizard = _submit_with_sensors(partner_client, complete_license, rack, 9, "Customer pinned")
    with django_assert_max_num_queries(60):
        assert wizard.review().status_code == 302
    print("submit queries:", counts)


def test_offboarded_customer_status_is_shown_on_the_confirmation(wizard):
    wizard.run_virtual()
    url = wizard.review().url
    customer = CustomerAccount.objects.get()
    license_services.customer_offboard(customer=customer)
    page = wizard.client.get(url)
    assert page.status_code == 200
    assert str(CustomerStatus.OFFBOARDED.label) in page.text


def test_core_and_cloud_tiers_onboard_too(partner_client, core_license, cloud_license):
    for license in (core_license, cloud_license):
        wizard = Wizard(partner_client, license)
        wizard.run_virtual(legal_name=f"Customer on {license.tier}")
        assert wizard.review().status_code == 302
    assert {c.license.tier for c in CustomerAccount.objects.all()} == {
        ServiceTier.CORE,
        ServiceTier.CLOUD,
    }


def test_license_shared_with_nobody_rejects_a_license_from_another_owner(partner_client, partner):
    foreign = VolumeLicenseFactory(partner=PartnerFactory(name="Initech MSP"))
    url = reverse("onboarding:wizard", kwargs={"license_pk": foreign.pk})
    assert partner_client.get(url).status_code == 404


def test_tab_and_confirmation_queries_do_not_grow_with_orders(
    partner_client,
    complete_license,
    default_address,
    rack,
    desktop,
    django_assert_max_num_queries,
):
    for n in range(5):
        submit_order(
            license=complete_license,
            legal_name=f"Customer {n}",
            appliances=sensor_orders(rack, desktop, desktop),
        )
    with django_assert_max_num_queries(12):
        response = partner_client.get(reverse("onboarding:start"))
    assert response.text.count("NS-100 Desktop Sensor") == 10
    order = OnboardingRequest.objects.first()
    with django_assert_max_num_queries(12):
        response = partner_client.get(reverse("onboarding:request_detail", kwargs={"pk": order.pk}))
    assert response.text.count("Pending") == 3


# --- regressions of issue 12 ("a wizard you can trust") -------------------------------------


def unit_key(response, appliance, ordinal: int = 1, role: str = "additional") -> str:
    """The id the shipping step gives the ``ordinal``-th ``role`` unit of ``appliance``."""
    units = [
        u
        for u in response.context["form"].units
        if u.appliance.pk == appliance.pk and u.role == role
    ]
    return units[ordinal - 1].key


def test_two_tabs_on_one_license_are_independent_runs(
    partner_client, complete_license, cloud_license, django_capture_on_commit_callbacks
):
    """Bug 1: tab B's Start over must not take over tab A's run (Gamma was lost)."""
    tab_a = Wizard(partner_client, complete_license)
    tab_a.start()
    tab_a.incident()
    assert current_step(tab_a.details(legal_name="Gamma")) == "deployment"

    tab_b = Wizard(partner_client, complete_license)
    tab_b.start()
    tab_b.incident()
    tab_b.details(legal_name="Delta")
    assert current_step(tab_b.virtual(region="eu")) == "review"

    review_a = tab_a.virtual(region="au")
    assert current_step(review_a) == "review"
    assert review_a.context["summary"]["details"]["legal_name"] == "Gamma"
    assert review_a.context["summary"]["hosting_region_label"] == "Australia"

    with django_capture_on_commit_callbacks(execute=True):
        assert tab_b.review().status_code == 302
        assert tab_a.review().status_code == 302
    regions = dict(CustomerAccount.objects.values_list("legal_name", "hosting_region"))
    assert regions == {"Delta": "eu", "Gamma": "au"}


def test_per_appliance_addresses_follow_their_appliance_when_the_deployment_changes(
    wizard, rack, desktop
):
    """Bug 2: dropping one NS-100 must not hand its address to the NS-4000."""
    big = ApplianceFactory(name="NS-4000 Data Centre Sensor")
    response = at_shipping(wizard, rack, {desktop: 2, big: 1})
    keys = {
        "primary": unit_key(response, rack, role="primary"),
        "desktop1": unit_key(response, desktop, 1),
        "desktop2": unit_key(response, desktop, 2),
        "big": unit_key(response, big, 1),
    }
    lines = {
        "primary": "1 Primary Road",
        "desktop1": "11 First Desktop Lane",
        "desktop2": "22 Second Desktop Lane",
        "big": "4000 Big Sensor Avenue",
    }
    for name, key in keys.items():
        wizard.add_address(key, {**OTTAWA, "line1": lines[name]})
    assert current_step(wizard.ship_per_appliance()) == "review"

    # From the review, edit the deployment down to one NS-100.
    wizard.back("deployment", "review")
    response = wizard.sensors(rack, {desktop: 1, big: 1})
    assert current_step(response) == "shipping"
    assert unit_key(response, big, 1) == keys["big"]
    rows = {
        r["unit"].appliance.name: r["address"].line1 for r in response.context["form"].entry_rows
    }
    assert rows == {
        "NS-1000 Rack Sensor": "1 Primary Road",
        "NS-100 Desktop Sensor": "11 First Desktop Lane",
        "NS-4000 Data Centre Sensor": "4000 Big Sensor Avenue",
    }
    response = wizard.ship_per_appliance()
    assert current_step(response) == "review"
    shown = {
        r["unit"].appliance.name: r["address"].line1
        for r in response.context["summary"]["shipments"]
    }
    assert shown["NS-4000 Data Centre Sensor"] == "4000 Big Sensor Avenue"
    assert "22 Second Desktop Lane" not in response.text
    # Ordering the second NS-100 again asks for its address afresh.
    wizard.back("deployment", "review")
    response = wizard.sensors(rack, {desktop: 2, big: 1})
    assert [u.key for u in response.context["form"].missing_units] == [keys["desktop2"]]
    wizard.back("deployment", "shipping")
    response = wizard.sensors(rack, {desktop: 1, big: 1})
    response = wizard.ship_per_appliance()
    assert current_step(response) == "review"
    assert wizard.review().status_code == 302
    by_model = {
        s.appliance.name: s.address.line1
        for s in Shipment.objects.select_related("address", "appliance")
    }
    assert by_model["NS-4000 Data Centre Sensor"] == "4000 Big Sensor Avenue"
    assert Shipment.objects.count() == 3


def test_new_customer_on_a_full_pool_does_not_start_the_wizard(
    partner_client, complete_license, cloud_license
):
    """Bug 6: 0 unallocated: no wizard, a clear message, back to the license page."""
    make_customer(license=complete_license, tier_users=1990)
    url = reverse("onboarding:wizard", kwargs={"license_pk": complete_license.pk})
    response = partner_client.get(url)
    license_url = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    assert response.status_code == 302
    assert response.url == license_url
    page = partner_client.get(license_url)
    assert any("No MDR Complete users are available" in m for m in messages_of(page))
    # The license page's New Customer button is disabled, with the reason beside it.
    assert "data-new-customer disabled" in page.text
    assert f'href="{url}"' not in page.text


def test_step_numbers_agree_on_a_virtual_deployment(wizard):
    """Bug 7: "Step 4 of 4" above a progress bar whose current circle is 4, not 5."""
    wizard.start()
    wizard.incident()
    wizard.details()
    response = wizard.virtual()
    assert current_step(response) == "review"
    assert "Step 4 of 4" in response.text
    current = [row for row in response.context["progress"] if row["state"] == "current"]
    assert [row["number"] for row in current] == [4]
    numbers = [row["number"] for row in response.context["progress"] if row["state"] != "skipped"]
    assert numbers == [1, 2, 3, 4]


def test_every_wizard_post_is_answered_with_a_redirect(wizard):
    """Bug 8: reloading a step must never re-send a POST, nor restart the wizard."""
    wizard.start()
    answered = wizard.incident()
    assert answered.posted.status_code == 302
    # A reload of the details step is a GET of its own address: still details, nothing lost.
    reloaded = wizard.client.get(answered.posted.url)
    assert current_step(reloaded) == "details"
    assert "restart" not in answered.posted.url
    # A step with errors is stored and redirected too; the errors show with what was typed.
    refused = wizard.details(tier_users="ten", legal_name="Typed Name Ltd")
    assert refused.posted.status_code == 302
    assert current_step(refused) == "details"
    assert errors(refused, "tier_users") == ["Enter a whole number."]
    assert 'value="Typed Name Ltd"' in refused.text
    again = wizard.client.get(refused.posted.url)
    assert errors(again, "tier_users") == ["Enter a whole number."]


def test_every_step_has_its_own_title(wizard, rack):
    """Bug 14: the <title> names the step (and says so when the page shows errors)."""
    titles = [wizard.start(), wizard.incident(), wizard.details(), wizard.sensors(rack)]
    texts = [r.text.split("<title>")[1].split("</title>")[0] for r in titles]
    assert len(set(texts)) == 4, texts
    assert texts[1].startswith("Customer details")
    refused = wizard.ship_custom({**OTTAWA, "recipient": ""})
    title = refused.text.split("<title>")[1].split("</title>")[0]
    assert title.startswith("Error: Shipping")


def test_required_address_fields_are_marked_and_say_this_field_is_required(wizard, rack):
    """Bug 14: the address fields a shipment needs carry the required marker and message."""
    response = at_shipping(wizard, rack)
    form = response.context["form"]
    for name in ("recipient", "line1", "city", "postal_code"):
        assert form.fields[name].required, name
    assert not form.fields["line2"].required
    response = wizard.ship_custom({**OTTAWA, "recipient": "", "city": ""})
    assert errors(response, "recipient") == ["This field is required."]
    assert errors(response, "city") == ["This field is required."]


# --- the run: its id, its appliances ---------------------------------------------------------


def test_unit_ids_survive_a_change_of_another_models_count(rack, desktop):
    from onboarding.wizard import appliance_units

    big = ApplianceFactory(name="NS-4000 Data Centre Sensor")
    catalogue = {a.pk: a for a in (rack, desktop, big)}
    before = appliance_units(
        primary_id=rack.pk, counts={str(desktop.pk): 2, str(big.pk): 1}, appliances=catalogue
    )
    after = appliance_units(
        primary_id=rack.pk, counts={str(desktop.pk): 1, str(big.pk): 1}, appliances=catalogue
    )
    assert {u.key for u in before} == {
        "primary",
        f"additional-{desktop.pk}-1",
        f"additional-{desktop.pk}-2",
        f"additional-{big.pk}-1",
    }
    kept = {u.key: u.appliance for u in after}
    assert kept.items() <= {u.key: u.appliance for u in before}.items()
    assert f"additional-{desktop.pk}-2" not in kept


def test_a_run_belongs_to_its_license(partner_client, complete_license, core_license):
    wizard = Wizard(partner_client, complete_license)
    wizard.start()
    elsewhere = Wizard(partner_client, core_license)
    elsewhere.run = wizard.run  # the same run id under another license's URL
    response = elsewhere.incident()
    assert response.status_code == 302
    assert response.url == elsewhere.url


def test_runs_untouched_for_a_week_are_forgotten(partner_client, complete_license):
    from datetime import timedelta

    from django.utils import timezone

    from onboarding.wizard import DRAFT_LIFETIME

    abandoned, recent = (Wizard(partner_client, complete_license) for _ in range(2))
    abandoned.start()
    recent.start()
    long_ago = timezone.now() - DRAFT_LIFETIME - timedelta(minutes=1)
    OnboardingDraft.objects.filter(pk=abandoned.run).update(updated_at=long_ago)
    Wizard(partner_client, complete_license).start()
    assert set(OnboardingDraft.objects.values_list("pk", flat=True)) > {uuid.UUID(recent.run)}
    assert not OnboardingDraft.objects.filter(pk=abandoned.run).exists()
    assert abandoned.incident().url == abandoned.url  # an abandoned run starts again


def test_another_users_run_is_neither_read_nor_written(
    partner_client, complete_license, other_user
):
    mine = Wizard(partner_client, complete_license)
    mine.run = str(uuid.uuid4())
    run = OnboardingDraft.objects.create(id=uuid.UUID(mine.run), user=other_user, data='{"x": 1}')
    response = mine.details()
    assert response.status_code == 302 and response.url == mine.url  # starts again
    run.refresh_from_db()
    assert run.data == '{"x": 1}'


def test_two_tabs_whose_requests_overlap_keep_both_runs(
    partner_client, user, complete_license, cloud_license
):
    """Each run keeps what its own request stored, however two tabs' requests interleave.

    Both requests read the session before either finishes; a session is one value that the last
    request to save replaces as a whole, so a run kept inside it loses the other tab's step.
    """
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from formtools.wizard.storage import get_storage

    from onboarding.views import OnboardingWizardView

    tabs = {
        "Gamma": Wizard(partner_client, complete_license),
        "Delta": Wizard(partner_client, complete_license),
    }
    for tab in tabs.values():
        tab.start()
    session_key = partner_client.session.session_key

    def storage_of(tab):
        request = RequestFactory().post(tab.step_url("details"))
        request.user, request.session = user, SessionStore(session_key=session_key)
        return request, get_storage(OnboardingWizardView.storage_name, tab.prefix, request)

    in_flight = {name: storage_of(tab) for name, tab in tabs.items()}  # both read first
    for name, (_request, storage) in in_flight.items():
        storage.extra_data["legal_name_typed"] = name
    for request, storage in in_flight.values():  # then each finishes, as a response does
        if hasattr(storage, "save"):
            storage.save()
        request.session.save()

    for name, tab in tabs.items():
        _request, storage = storage_of(tab)
        assert storage.extra_data.get("legal_name_typed") == name


def test_a_refused_step_says_why_even_if_the_pool_frees_up_before_the_page_loads(
    wizard, complete_license
):
    """Every POST is answered with a redirect: the step's page must still show why it came back.

    Seats freed between the refused POST and the GET that follows (another tab offboarding a
    customer) used to leave the partner back on the step with no message at all.
    """
    holder = make_customer(license=complete_license, legal_name="Holder Ltd", tier_users=1980)
    wizard.start()
    wizard.incident()
    data = {f"details-{k}": v for k, v in {**Wizard.DETAILS, "tier_users": "20"}.items()}
    data[wizard.management_key] = "details"
    posted = wizard.client.post(wizard.step_url("details"), data)
    assert posted.status_code == 302 and posted.url == wizard.step_url("details")
    license_services.customer_offboard(customer=holder)  # between the POST and its redirect
    page = wizard.client.get(posted.url)
    assert errors(page, "tier_users") == ["Only 10 MDR Complete users are available."]
    assert 'value="20"' in page.text  # what was typed is kept
    # Shown once: the next visit of the step checks again against the pool as it is now.
    assert errors(wizard.client.get(wizard.step_url("details")), "tier_users") == []


def test_a_step_typed_with_a_null_character_is_refused_not_a_500(wizard):
    """PostgreSQL's JSON cannot hold U+0000: a run's stored answers must still take any typing."""
    wizard.start()
    wizard.incident()
    page = wizard.details(legal_name="Null\x00Byte Ltd")
    assert page.status_code == 200
    assert current_step(page) == "details"
    assert errors(page, "legal_name") == ["Null characters are not allowed."]
