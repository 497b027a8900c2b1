"""The onboarding e-mails in their readers' languages: the customer administrator's welcome in the
language chosen in the wizard (its Resend too), the partner's order and shipment news in each
partner login's own language."""

from __future__ import annotations

import pytest
from django.core import mail

from licenses.choices import CustomerStatus
from onboarding import services as onboarding_services
from onboarding.emails import customer_welcome_enqueue
from onboarding.models import OnboardingRequest, Shipment
from shipping.choices import ApplianceRole, Carrier
from tests.factories import MembershipFactory, UserFactory, make_customer
from tests.factories_onboarding import ApplianceFactory, appliance_line, submit_order

NBSP = "\u00a0"
FRENCH_WELCOME = (
    f"Bienvenue dans MDR Complete{NBSP}: créez votre compte MDR Portal pour Acme Dental Inc."
)
ENGLISH_WELCOME = "Welcome to MDR Complete: create your MDR Portal account for Acme Dental Inc."


def welcomes() -> list:
    return [m for m in mail.outbox if m.to == ["it@acme-dental.example"]]


def submit(license, django_capture_on_commit_callbacks, **extra):
    user = extra.pop("actor", None) or UserFactory(email="alex@northwind.example")
    with django_capture_on_commit_callbacks(execute=True):
        submit_order(license=license, actor=user, **extra)
    return OnboardingRequest.objects.get()


def test_the_welcome_is_in_french_when_francais_was_chosen(
    complete_license, django_capture_on_commit_callbacks
):
    order = submit(complete_license, django_capture_on_commit_callbacks, language="fr-ca")
    assert order.language == "fr-ca"
    [welcome] = welcomes()
    assert welcome.subject == FRENCH_WELCOME
    assert welcome.body.startswith("Bonjour,\n")
    assert "a intégré Acme Dental Inc. à MDR Complete" in welcome.body
    assert f"Créez votre compte MDR Portal ici{NBSP}:" in welcome.body
    assert "Welcome" not in welcome.body and "Hello" not in welcome.body
    html = welcome.alternatives[0][0]
    assert '<html lang="fr-ca">' in html
    assert "Bienvenue dans MDR Complete" in html and "Créez votre compte MDR Portal" in html


def test_the_welcome_is_in_english_otherwise(complete_license, django_capture_on_commit_callbacks):
    order = submit(complete_license, django_capture_on_commit_callbacks)
    assert order.language == "en"
    [welcome] = welcomes()
    assert welcome.subject == ENGLISH_WELCOME
    assert welcome.body.startswith("Hello,\n")
    assert "Create your MDR Portal account here:" in welcome.body
    assert '<html lang="en">' in welcome.alternatives[0][0]


def test_the_partners_order_mail_follows_its_login_not_the_customer(
    partner, complete_license, django_capture_on_commit_callbacks
):
    """The customer reads French; the partner login who submitted chose English, and the other
    way round."""
    french_login = MembershipFactory(
        partner=partner, user=UserFactory(email="lea@northwind.example"), language="fr-ca"
    ).user
    submit(complete_license, django_capture_on_commit_callbacks, actor=french_login, language="en")
    order_mail = next(m for m in mail.outbox if m.to == ["lea@northwind.example"])
    assert order_mail.subject == f"Intégration soumise{NBSP}: Acme Dental Inc. (MDR Complete)"
    processed = "Votre demande d'intégration du client Acme Dental Inc. a été traitée."
    assert processed in order_mail.body
    assert f"Langue du client{NBSP}: English" in order_mail.body
    [welcome] = welcomes()
    assert welcome.subject == ENGLISH_WELCOME


def test_resend_uses_the_stored_language(
    user, complete_license, django_capture_on_commit_callbacks
):
    order = submit(complete_license, django_capture_on_commit_callbacks, language="fr-ca")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        onboarding_services.customer_welcome_resend(actor=user, customer=order.customer)
    [welcome] = welcomes()
    assert welcome.subject == FRENCH_WELCOME


def test_a_customer_with_no_order_is_welcomed_in_its_partners_language(
    partner, complete_license, django_capture_on_commit_callbacks
):
    partner.language = "fr-ca"
    partner.save()
    customer = make_customer(license=complete_license, tier_users=10)
    assert customer.status == CustomerStatus.ACTIVE
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        customer_welcome_enqueue(customer_id=customer.pk)
    [welcome] = [m for m in mail.outbox if m.to == [customer.admin_email]]
    assert welcome.subject.startswith(f"Bienvenue dans MDR Complete{NBSP}:")


@pytest.fixture
def shipped_order(partner, complete_license, default_address, django_capture_on_commit_callbacks):
    """An order of one rack sensor (French name in the catalogue), submitted by an English login;
    the partner's Administrator reads French."""
    MembershipFactory(
        partner=partner,
        user=UserFactory(email="admin@northwind.example"),
        role="administrator",
        language="fr-ca",
    )
    rack = ApplianceFactory(name="NS-1000 Rack Sensor")
    rack.name_fr_ca = "NS-1000 Capteur en baie"
    rack.save()
    submitter = MembershipFactory(
        partner=partner, user=UserFactory(email="alex@northwind.example"), language="en"
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        submit_order(
            license=complete_license,
            actor=submitter,
            appliances=[appliance_line(rack, ApplianceRole.PRIMARY)],
        )
    mail.outbox.clear()
    return Shipment.objects.get()


def test_shipment_news_goes_to_each_recipient_in_its_language(
    shipped_order, django_capture_on_commit_callbacks
):
    onboarding_services.shipment_tracking_set(
        shipment=shipped_order, carrier=Carrier.CANADA_POST, tracking_number="PUR 123"
    )
    with django_capture_on_commit_callbacks(execute=True):
        onboarding_services.shipment_mark_shipped(shipment=shipped_order)
    by_to = {tuple(m.to): m for m in mail.outbox}
    assert set(by_to) == {("alex@northwind.example",), ("admin@northwind.example",)}
    english, french = by_to[("alex@northwind.example",)], by_to[("admin@northwind.example",)]
    assert english.subject == "Shipped: NS-1000 Rack Sensor for Acme Dental Inc."
    assert "The primary appliance of Acme Dental Inc. has shipped." in english.body
    assert "Carrier: Canada Post" in english.body
    assert french.subject == f"Expédié{NBSP}: NS-1000 Capteur en baie pour Acme Dental Inc."
    assert "L'appareil principal du client Acme Dental Inc. a été expédié." in french.body
    assert f"Transporteur{NBSP}: Postes Canada" in french.body
    assert '<html lang="fr-ca">' in french.alternatives[0][0]
