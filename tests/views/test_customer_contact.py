"""The customer's web site and MDR Portal administrator e-mail after onboarding: changed on the
Edit page (and in Django admin) through ``customer_update``, recorded in the history, and the
welcome resent to the address the customer has now."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from licenses.choices import AllocationEventKind, AllocationEventSource
from licenses.models import AllocationEvent, CustomerAccount
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, make_customer
from tests.factories_onboarding import submit_order
from tests.helpers.admin_site import admin_url, form_data
from tests.helpers.auth import verified_login
from tests.helpers.edit import EditPage
from tests.helpers.mail import run_outbox
from tests.helpers.state import db_state, error_next_to

pytestmark = pytest.mark.django_db

WEBSITE, EMAIL = "Web Site", "MDR Portal Administrator Email"


@pytest.fixture
def acme(user, complete_license):
    """Acme, onboarded through the wizard's service (so it has an order and got its welcome)."""
    submission = submit_order(
        license=complete_license, actor=user, website="https://acme-dental.example"
    )
    run_outbox()
    mail.outbox.clear()
    return submission.request.customer


def edit_url(customer: CustomerAccount) -> str:
    return reverse(
        "licenses:customer_edit", kwargs={"license_pk": customer.license_id, "pk": customer.pk}
    )


def welcome_url(customer: CustomerAccount) -> str:
    return reverse(
        "onboarding:customer_welcome_resend",
        kwargs={"license_pk": customer.license_id, "pk": customer.pk},
    )


def edit_data(customer: CustomerAccount, **changes) -> dict:
    data = {
        "legal_name": customer.legal_name,
        "website": customer.website,
        "admin_email": customer.admin_email,
        "tier_users": "25",
        "cloud_users": "0",
        "sat_users": "0",
    }
    return {**data, **changes}


def contact_events() -> list[tuple]:
    return list(
        AllocationEvent.objects.filter(what__in=[WEBSITE, EMAIL])
        .order_by("id")
        .values_list("what", "from_text", "to_text", "kind", "source", "actor__username")
    )


def test_the_edit_page_changes_the_web_site_and_the_administrator_email(partner_client, acme):
    page = partner_client.get(edit_url(acme))
    assert 'name="website" value="https://acme-dental.example"' in page.text
    assert 'name="admin_email" value="it@acme-dental.example"' in page.text
    response = EditPage(partner_client, acme).post(
        # The onboarding form's rule: a web site typed without its scheme is https.
        edit_data(acme, website="acme.example", admin_email="  new-it@acme.example "),
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Acme Dental Inc. saved: Web Site “https://acme-dental.example” → “https://acme.example”; "
        "MDR Portal Administrator Email “it@acme-dental.example” → “new-it@acme.example”."
    ]
    acme.refresh_from_db()
    assert (acme.website, acme.admin_email) == ("https://acme.example", "new-it@acme.example")
    edited, portal = AllocationEventKind.EDITED, AllocationEventSource.PORTAL
    assert contact_events() == [
        (WEBSITE, "https://acme-dental.example", "https://acme.example", edited, portal, "alex"),
        (EMAIL, "it@acme-dental.example", "new-it@acme.example", edited, portal, "alex"),
    ]
    history = partner_client.get(
        reverse("licenses:customer_history", kwargs={"license_pk": acme.license_id, "pk": acme.pk})
    )
    assert "“it@acme-dental.example”" in history.text and "“new-it@acme.example”" in history.text
    # The Figure filter of both histories offers them.
    offered = [v for v, _ in history.context["filter"].form.fields["what"].choices]
    assert WEBSITE in offered and EMAIL in offered


def test_a_long_web_site_is_recorded_whole(partner_client, acme):
    long_site = "https://acme.example/" + "a" * 279  # 300 characters
    response = EditPage(partner_client, acme).post(edit_data(acme, website=long_site))
    assert response.status_code == 302
    assert contact_events()[0][2] == long_site


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("admin_email", "not an address", "Enter a valid email address."),
        ("admin_email", "", "This field is required."),
        ("website", "http://", "Enter a valid URL."),
    ],
)
def test_a_bad_address_is_refused_next_to_its_field_and_nothing_is_saved(
    partner_client, acme, field, typed, message
):
    before = db_state()
    response = EditPage(partner_client, acme).post(edit_data(acme, **{field: typed}))
    assert response.status_code == 200
    assert error_next_to(response.text, field, message)
    assert f'value="{typed}"' in response.text or not typed
    assert db_state() == before


def test_the_service_applies_the_same_rules(user, acme):
    from django.core.exceptions import ValidationError

    from licenses.services import customer_update

    with pytest.raises(ValidationError) as refused:
        customer_update(
            customer=acme,
            legal_name=acme.legal_name,
            tier_users=25,
            admin_email="nobody",
            actor=user,
        )
    assert "admin_email" in refused.value.message_dict
    # Left out (the API's PATCH, older callers): unchanged.
    customer_update(customer=acme, legal_name=acme.legal_name, tier_users=25, actor=user)
    acme.refresh_from_db()
    assert acme.admin_email == "it@acme-dental.example"
    assert contact_events() == []


def test_the_welcome_is_resent_to_the_new_address(
    partner_client, acme, django_capture_on_commit_callbacks
):
    EditPage(partner_client, acme).post(edit_data(acme, admin_email="new-it@acme.example"))
    page = partner_client.get(edit_url(acme))
    assert "Resend the welcome e-mail to new-it@acme.example" in page.text
    assert welcome_url(acme) in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(welcome_url(acme), follow=True)
    assert response.redirect_chain[-1][0] == edit_url(acme)
    assert "The welcome e-mail is on its way to new-it@acme.example." in response.text
    (welcome,) = mail.outbox
    assert welcome.to == ["new-it@acme.example"]
    assert welcome.subject.startswith("Welcome to MDR Complete: create your MDR Portal account")
    assert "invitations/accept?email=new-it%40acme.example" in welcome.body
    # The order page's resend goes to the current address too.
    mail.outbox.clear()
    order = acme.onboarding_request
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(
            reverse("onboarding:welcome_resend", kwargs={"pk": order.pk}), follow=True
        )
    assert "The welcome e-mail is on its way to new-it@acme.example again." in response.text
    assert mail.outbox[0].to == ["new-it@acme.example"]


def test_a_customer_onboarded_without_an_order_gets_a_welcome_too(
    partner_client, complete_license, django_capture_on_commit_callbacks
):
    customer = make_customer(
        license=complete_license, legal_name="Seeded Co", admin_email="it@seeded.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(welcome_url(customer))
    assert response.status_code == 302
    (welcome,) = mail.outbox
    assert welcome.to == ["it@seeded.example"] and "Seeded Co" in welcome.body


def test_view_only_gets_no_button_and_403_and_another_partner_404(
    client, partner, other_user, acme
):
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="viewer"), role=PartnerRole.VIEW_ONLY
    ).user
    verified_login(client, viewer)
    before = db_state()
    assert client.post(welcome_url(acme)).status_code == 403
    assert (
        EditPage(client, acme).post(edit_data(acme, admin_email="x@y.example")).status_code == 403
    )
    client.logout()
    verified_login(client, other_user)
    assert client.post(welcome_url(acme)).status_code == 404
    assert db_state() == before
    assert mail.outbox == []


def test_an_offboarded_customer_gets_no_welcome(partner_client, acme):
    from licenses.services import customer_offboard

    customer_offboard(customer=acme)
    response = partner_client.post(welcome_url(acme), follow=True)
    assert "is offboarded" in response.text
    assert mail.outbox == []


def test_the_order_pages_resend_refuses_an_offboarded_customer_and_hides_its_button(
    partner_client, acme, django_capture_on_commit_callbacks
):
    from licenses.services import customer_offboard

    customer_offboard(customer=acme)
    order_url = reverse("onboarding:request_detail", kwargs={"pk": acme.onboarding_request.pk})
    assert "Resend the welcome e-mail" not in partner_client.get(order_url).text
    before = db_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(
            reverse("onboarding:welcome_resend", kwargs={"pk": acme.onboarding_request.pk}),
            follow=True,
        )
    assert "is offboarded" in response.text
    assert "on its way" not in response.text
    assert db_state() == before
    run_outbox()
    assert mail.outbox == []


def test_django_admin_changes_them_through_the_service(client, staff_user, acme):
    administrator_client = verified_login(client, staff_user)
    url = admin_url(acme, "change")
    data = form_data(administrator_client.get(url))
    data.update(website="https://admin.example", admin_email="admin-set@acme.example")
    response = administrator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    acme.refresh_from_db()
    assert (acme.website, acme.admin_email) == ("https://admin.example", "admin-set@acme.example")
    admin, edited = AllocationEventSource.ADMIN, AllocationEventKind.EDITED
    assert contact_events() == [
        (
            WEBSITE,
            "https://acme-dental.example",
            "https://admin.example",
            edited,
            admin,
            "vendor-staff",
        ),
        (EMAIL, "it@acme-dental.example", "admin-set@acme.example", edited, admin, "vendor-staff"),
    ]
    # A bad address is refused on its field, nothing saved.
    data.update(admin_email="bad")
    response = administrator_client.post(url, data)
    assert response.status_code == 200
    assert "admin_email" in response.context["adminform"].form.errors
