"""E-mails a partner gets after its order (issue 14): the appliance shipped / delivered, marked
by vendor staff in the admin, and the customer administrator's welcome resent from the order page.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from lmp.outbox.models import OutboundEmail
from lmp.partners.choices import PartnerRole
from onboarding import services as onboarding_services
from tests.factories import AddressFactory, MembershipFactory, UserFactory
from tests.factories_onboarding import ApplianceFactory, sensor_orders, submit_order
from tests.helpers.auth import verified_login
from tests.helpers.mail import run_outbox
from tests.helpers.state import db_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(partner, user, admin_user, complete_license):
    """Alex (an Allocator) ordered a rack sensor; Sam is the partner's Administrator."""
    AddressFactory(partner=partner, is_default=True)
    rack = ApplianceFactory(name="NS-1000 Rack Sensor")
    request = submit_order(license=complete_license, actor=user, appliances=sensor_orders(rack))
    run_outbox()  # the order's own two e-mails
    mail.outbox.clear()
    return request.request


def mark(staff_client, action, shipment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return staff_client.post(
            reverse("admin:onboarding_shipment_changelist"),
            {"action": action, "_selected_action": [shipment.pk]},
            follow=True,
        )


def test_shipped_then_delivered_mail_the_administrators_and_the_submitter_once_each(
    staff_client, order, user, admin_user, partner, django_capture_on_commit_callbacks
):
    MembershipFactory(partner=partner, user=UserFactory(username="viewer"))  # not told
    shipment = order.shipments.get()
    onboarding_services.shipment_tracking_set(
        shipment=shipment, carrier="purolator", tracking_number="PUR 123 456"
    )
    run_outbox()
    assert mail.outbox == []  # the tracking number alone sends nothing

    response = mark(staff_client, "mark_shipped", shipment, django_capture_on_commit_callbacks)
    assert "1 shipment marked shipped." in response.text
    (shipped,) = mail.outbox
    assert shipped.to == ["alex@example.com", "sam@example.com"]
    assert shipped.subject == "Shipped: NS-1000 Rack Sensor for Acme Dental Inc."
    assert "Carrier: Purolator" in shipped.body
    assert "Tracking number: PUR 123 456" in shipped.body
    assert f"http://testserver/onboarding/requests/{order.pk}/" in shipped.body
    html, mimetype = shipped.alternatives[0]
    assert mimetype == "text/html" and "PUR 123 456" in html

    # Marking it shipped again is refused, and sends nothing.
    response = mark(staff_client, "mark_shipped", shipment, django_capture_on_commit_callbacks)
    assert "is already shipped" in response.text
    assert len(mail.outbox) == 1

    response = mark(staff_client, "mark_delivered", shipment, django_capture_on_commit_callbacks)
    assert "1 shipment marked delivered." in response.text
    delivered = mail.outbox[1]
    assert delivered.subject == "Delivered: NS-1000 Rack Sensor for Acme Dental Inc."
    assert delivered.to == ["alex@example.com", "sam@example.com"]
    assert "has been delivered" in delivered.body and "PUR 123 456" in delivered.body
    mark(staff_client, "mark_delivered", shipment, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    kinds = list(OutboundEmail.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["shipment shipped", "shipment delivered"]


def test_a_refused_transition_queues_no_mail(order):
    shipment = order.shipments.get()
    before = OutboundEmail.objects.count()
    with pytest.raises(Exception, match="needs a carrier and a tracking number"):
        onboarding_services.shipment_mark_shipped(shipment=shipment)
    assert OutboundEmail.objects.count() == before


# --- resend the welcome from the order page ------------------------------------------------------


def test_the_partner_resends_the_welcome_from_the_order_page(
    partner_client, order, django_capture_on_commit_callbacks
):
    detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    page = partner_client.get(detail)
    assert "Resend the welcome e-mail to it@acme-dental.example" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(
            reverse("onboarding:welcome_resend", kwargs={"pk": order.pk}), follow=True
        )
    assert response.redirect_chain[-1][0] == detail
    assert "The welcome e-mail is on its way to it@acme-dental.example again." in response.text
    (welcome,) = mail.outbox
    assert welcome.to == ["it@acme-dental.example"]
    assert welcome.subject.startswith("Welcome to MDR Complete: create your MDR Portal account")
    assert "invitations/accept?email=it%40acme-dental.example" in welcome.body


def test_view_only_gets_no_button_and_403(client, partner, order):
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="viewer"), role=PartnerRole.VIEW_ONLY
    ).user
    verified_login(client, viewer)
    page = client.get(reverse("onboarding:request_detail", kwargs={"pk": order.pk}))
    assert page.status_code == 200 and "Resend the welcome" not in page.text
    before = db_state()
    response = client.post(reverse("onboarding:welcome_resend", kwargs={"pk": order.pk}))
    assert response.status_code == 403
    assert db_state() == before


def test_another_partners_order_is_404(client, other_user, order):
    verified_login(client, other_user)
    before = db_state()
    response = client.post(reverse("onboarding:welcome_resend", kwargs={"pk": order.pk}))
    assert response.status_code == 404
    assert db_state() == before
