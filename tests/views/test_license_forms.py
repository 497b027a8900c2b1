"""The edit form: which fields each tier shows, parsing, and service errors put next to fields."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from licenses.forms import CustomerAccountForm, Holdings
from licenses.services import customer_update
from tests.factories import make_customer

VALID = {"legal_name": "Acme", "tier_users": "10", "cloud_users": "", "sat_users": ""}


def test_complete_customer_with_cloud_license_has_every_field(complete_license, cloud_license):
    customer = make_customer(license=complete_license)
    form = CustomerAccountForm(customer=customer, cloud_license=cloud_license)
    assert list(form.fields) == [
        "legal_name",
        "website",
        "admin_email",
        "tier_users",
        "cloud_users",
        "sat_users",
    ]
    assert form.fields["tier_users"].label == "MDR Complete Users"
    assert form.fields["cloud_users"].label == "MDR Cloud Users"
    assert form.fields["sat_users"].label == "Beauceron SAT Users"


def test_core_customer_has_no_sat_field(core_license, cloud_license):
    customer = make_customer(license=core_license)
    form = CustomerAccountForm(customer=customer, cloud_license=cloud_license)
    assert list(form.fields) == [
        "legal_name",
        "website",
        "admin_email",
        "tier_users",
        "cloud_users",
    ]
    assert form.fields["tier_users"].label == "MDR Core Users"


def test_no_cloud_field_without_a_cloud_license(complete_license):
    customer = make_customer(license=complete_license)
    form = CustomerAccountForm(customer=customer, cloud_license=None)
    assert "cloud_users" not in form.fields


def test_blank_optional_counts_mean_zero(complete_license, cloud_license):
    customer = make_customer(license=complete_license)
    form = CustomerAccountForm(VALID, customer=customer, cloud_license=cloud_license)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "legal_name": "Acme",
        "tier_users": 10,
        "cloud_users": 0,
        "sat_users": 0,
    }


def test_not_a_number_is_refused_and_kept(complete_license, cloud_license):
    customer = make_customer(license=complete_license)
    form = CustomerAccountForm(
        {**VALID, "tier_users": "12 users"}, customer=customer, cloud_license=cloud_license
    )
    assert not form.is_valid()
    assert form.errors["tier_users"] == ["Enter a whole number."]
    assert 'value="12 users"' in str(form["tier_users"])


def test_the_form_refuses_more_than_the_pool_gives_this_customer(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)
    customer.license.refresh_from_db()
    form = CustomerAccountForm(
        {**VALID, "tier_users": "5000"},
        customer=customer,
        cloud_license=cloud_license,
        holdings=Holdings(tier_users=10),
    )
    assert not form.is_valid()
    assert form.errors == {
        "tier_users": [
            "Only 1,990 MDR Complete users are available to this customer "
            "(1,980 unallocated plus the 10 it holds)."
        ]
    }


def test_service_errors_land_on_their_fields(complete_license, cloud_license):
    customer = make_customer(license=complete_license, tier_users=10)
    customer.license.refresh_from_db()
    form = CustomerAccountForm(
        {**VALID, "tier_users": "1500"},
        customer=customer,
        cloud_license=cloud_license,
        holdings=Holdings(tier_users=10),
    )
    assert form.is_valid()  # the pool had room when the page was read...
    make_customer(license=complete_license, tier_users=1000)  # ...then someone took it
    try:
        customer_update(customer=customer, **form.cleaned_data)
    except ValidationError as error:
        form.add_service_error(error)
    assert form.errors == {
        "tier_users": [
            "Only 990 MDR Complete users are available to this customer "
            "(980 unallocated plus the 10 it holds)."
        ]
    }


def test_errors_for_fields_the_form_does_not_show_go_above_the_form(core_license):
    customer = make_customer(license=core_license)
    form = CustomerAccountForm(VALID, customer=customer, cloud_license=None)
    assert form.is_valid()
    form.add_service_error(ValidationError({"sat_users": "SAT is Complete only."}))
    form.add_service_error(ValidationError("An offboarded customer cannot be edited."))
    assert form.non_field_errors() == [
        "SAT is Complete only.",
        "An offboarded customer cannot be edited.",
    ]
