"""Billing, Purchase, webhooks, the error pages and their admin in Canadian French: a French
reader gets every sentence of these pages in French (numbers and money as French writes them),
the purchase e-mail goes to each recipient in its language, and the demo has a French partner."""

from __future__ import annotations

import html
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from licenses import views as license_views
from licenses.choices import Currency, ServiceTier
from lmp.billing.models import TierPrice
from lmp.billing.services import seats_purchase
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership, Partner
from lmp.webhooks import services as webhooks
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory
from tests.helpers.auth import verified_login
from tests.helpers.outage import OUTAGE, database_down

NNBSP = "\u202f"  # the French thousands separator
NBSP = "\u00a0"


def french(client: Client) -> Client:
    client.cookies["lmp_language"] = "fr-ca"
    return client


@pytest.fixture
def license(partner):
    return VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.COMPLETE,
        seat_commitment=1990,
        price_per_user=Decimal("14.50"),
        currency=Currency.CAD,
    )


@pytest.fixture
def purchase(partner, license, admin_user):
    return seats_purchase(
        actor=admin_user, partner=partner, tier=ServiceTier.COMPLETE, users=50, token="t-1"
    )


@pytest.fixture
def endpoint(partner, admin_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    endpoint = webhooks.endpoint_create(
        actor=admin_user,
        partner=partner,
        url="https://psa.example.com/hooks",
        description="PSA",
        event_types=["customer.onboarded"],
        active=True,
    )
    webhooks.webhook_ping(actor=admin_user, endpoint=endpoint)
    return endpoint


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    assert response["Content-Language"] == "fr-ca"
    assert '<html lang="fr-ca">' in response.text
    return html.unescape(response.text)


def test_billing_and_purchase_pages_in_french(administrator_client, license, purchase):
    client = french(administrator_client)
    billing = page(client, reverse("billing:billing"))
    assert "Coordonnées de facturation" in billing and "Totaux mensuels" in billing
    assert f"2{NNBSP}040" in billing  # the commitment after the purchase
    assert f"29{NNBSP}580,00{NBSP}${NBSP}CAD" in billing  # 2,040 × $14.50 a month
    assert "Monthly total" not in billing and "Billing details" not in billing

    buy = page(client, reverse("billing:purchase"))
    assert "Acheter des utilisateurs supplémentaires" in buy
    assert f"MDR Complete — 2{NNBSP}040 utilisateurs actuellement" in buy
    assert "jsi18n" in buy  # the live totals' catalogue (static/js/purchase.js)
    assert "Price per user per month" not in buy and "Summary" not in buy

    detail = page(client, reverse("billing:purchase_detail", args=[purchase.reference]))
    assert f"Achat {purchase.reference}" in detail
    assert "50 utilisateurs MDR Complete ajoutés le" in detail
    assert f"725,00{NBSP}${NBSP}CAD" in detail
    assert "What you bought" not in detail and "users added on" not in detail


def test_purchase_form_refusals_in_french(administrator_client, license):
    client = french(administrator_client)
    response = client.post(
        reverse("billing:purchase"), {"tier": "complete", "users": "999999999", "token": "x"}
    )
    text = html.unescape(response.text)
    assert f"ne peut dépasser 100{NNBSP}000 par achat" in text
    assert "Cochez la case pour accepter les conditions d'achat." in text
    TierPrice.objects.all().delete()
    response = client.post(
        reverse("billing:purchase"), {"tier": "core", "users": "5", "terms": "on", "token": "y"}
    )
    assert "MDR Core ne peut pas encore être acheté ici" in response.text


def test_webhook_pages_in_french(administrator_client, endpoint):
    client = french(administrator_client)
    listing = page(client, reverse("webhooks:endpoint_list"))
    assert "Ajouter un point de terminaison" in listing and "Livraisons échouées" in listing
    form = page(client, reverse("webhooks:endpoint_edit", args=[endpoint.pk]))
    assert "Modifier le point de terminaison de webhook" in form and "Événements" in form
    detail = page(client, reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    assert "Envoyer un événement de test" in detail and "Relivrer" in detail
    assert "Tentatives" in detail and "Dernier code HTTP" in detail
    assert "En file d'attente" in detail  # the test event's status
    delete = page(client, reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert "Supprimer ce point de terminaison de webhook?" in delete
    response = client.post(reverse("webhooks:endpoint_test", args=[endpoint.pk]), follow=True)
    assert "Événement de test msg_" in response.text


def test_the_error_pages_in_french(administrator_client):
    client = french(administrator_client)
    assert "Nous n'avons pas trouvé cette page" in page(client, "/no-such-page/", 404)
    viewer = MembershipFactory(
        partner=Partner.objects.get(name="Northwind MSP"),
        user=UserFactory(username="vi"),
        role=PartnerRole.VIEW_ONLY,
    ).user
    other = french(verified_login(Client(), viewer))
    assert "Vous n'avez pas accès à cette page" in page(other, reverse("billing:billing"), 403)


def test_the_500_and_503_pages_in_french(user, complete_license, monkeypatch):
    client = french(Client(raise_request_exception=False))
    client.force_login(user)
    url = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    monkeypatch.setattr(license_views, "license_customers", mock.Mock(side_effect=ValueError("x")))
    response = client.get(url)
    assert response.status_code == 500
    assert "Une erreur s'est produite de notre côté" in response.text
    assert '<html lang="fr-ca">' in response.text and response["Content-Language"] == "fr-ca"
    monkeypatch.setattr(
        license_views, "license_customers", mock.Mock(side_effect=OperationalError(OUTAGE))
    )
    response = client.get(url)
    assert response.status_code == 503
    assert "Le LMP est momentanément indisponible" in response.text
    assert '<html lang="fr-ca">' in response.text
    # The database is down before the page's language is chosen: the browser's, with no query.
    anonymous = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="fr-CA")
    with database_down():
        response = anonymous.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 503
    assert "Le LMP est momentanément indisponible" in response.text


def test_the_purchase_email_goes_to_each_recipient_in_its_language(
    partner, license, admin_user, django_capture_on_commit_callbacks
):
    french_admin = MembershipFactory(
        partner=partner,
        user=UserFactory(username="fr-admin"),
        role=PartnerRole.ADMINISTRATOR,
        language="fr-ca",
    ).user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        purchase = seats_purchase(
            actor=admin_user, partner=partner, tier=ServiceTier.COMPLETE, users=50, token="t-2"
        )
    by_to = {tuple(message.to): message for message in mail.outbox}
    assert set(by_to) == {(admin_user.email,), (french_admin.email,)}
    english, fr = by_to[(admin_user.email,)], by_to[(french_admin.email,)]
    assert english.subject == f"Purchase {purchase.reference}: 50 MDR Complete users added"
    assert "Seat commitment: 1,990 → 2,040" in english.body
    assert fr.subject == f"Achat {purchase.reference}{NBSP}: 50 utilisateurs MDR Complete ajoutés"
    assert f"Engagement de sièges{NBSP}: 1{NNBSP}990 → 2{NNBSP}040" in fr.body
    assert f"Montant mensuel ajouté{NBSP}: 725,00{NBSP}${NBSP}CAD" in fr.body
    assert "Hello" not in fr.body and "Bonjour," in fr.body


def test_django_admin_of_billing_webhooks_and_outbox_in_french(staff_client, purchase, endpoint):
    client = french(staff_client)
    for url, words in [
        ("/admin/billing/tierprice/", "prix courants des niveaux de service"),
        ("/admin/billing/purchase/", "Engagement de sièges avant"),
        ("/admin/webhooks/webhookendpoint/", "points de terminaison de webhook"),
        ("/admin/webhooks/webhookdelivery/", "Renvoyer les livraisons sélectionnées"),
        ("/admin/outbox/outboundemail/", "Renvoyer les courriels sélectionnés"),
        ("/admin/", "Partenaires, licences et commandes"),
    ]:
        text = client.get(url).text
        assert words.lower() in text.lower(), url


def test_the_demo_has_a_french_partner(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert Partner.objects.get(name="Contoso Secure IT").language == "fr-ca"
    assert Partner.objects.get(name="Northwind MSP").language == ""
    assert Membership.objects.get(user__username="other").language == ""
    assert "In French: other" in out.getvalue()
    client = Client()
    client.post("/login/", {"username": "other", "password": "lmp-other-2026"})
    response = client.get("/", follow=True)  # its first sign-in: setting up two-factor sign-in
    assert response.status_code == 200 and response["Content-Language"] == "fr-ca"
