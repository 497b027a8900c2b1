"""Texts LMP stores in English (a purchase's history note, a webhook delivery's last error, the
team history's vocabularies) are shown in the reader's language, and only those: a login's name
stays as it is. A history link's dates mean one day whatever the reader's language."""

from __future__ import annotations

import html
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from licenses.choices import ServiceTier
from lmp.billing.services import seats_purchase
from lmp.partners.choices import TeamEventKind
from lmp.partners.models import TeamEvent
from lmp.webhooks import services as webhooks
from lmp.webhooks.choices import DeliveryStatus
from lmp.webhooks.models import WebhookDelivery
from tests.factories import VolumeLicenseFactory

NBSP = "\u00a0"


def french(client: Client) -> Client:
    client.cookies["lmp_language"] = "fr-ca"
    return client


def english(client: Client) -> Client:
    client.cookies["lmp_language"] = "en"
    return client


def text_of(client: Client, url: str, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return html.unescape(response.text)


# --- 1. a purchase's note in the license and customer history ------------------------------------


@pytest.fixture
def purchase(partner, admin_user):
    VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=100)
    return seats_purchase(
        actor=admin_user, partner=partner, tier=ServiceTier.COMPLETE, users=5, token="t-1"
    )


def test_purchase_note_is_stored_in_english_and_shown_in_the_readers_language(
    administrator_client, purchase
):
    from licenses.models import AllocationEvent

    event = AllocationEvent.objects.get(note__startswith="purchase ")
    assert event.note == f"purchase {purchase.reference}"  # the stored text does not change
    url = reverse("licenses:license_history", kwargs={"pk": event.license_id})

    french_page = text_of(french(administrator_client), url)
    assert f"(achat {purchase.reference})" in french_page
    assert f"purchase {purchase.reference}" not in french_page

    english_page = text_of(english(administrator_client), url)
    assert f"(purchase {purchase.reference})" in english_page


def test_note_display_translates_only_the_purchase_note(db):
    from django.utils import translation

    from licenses.models import AllocationEvent

    with translation.override("fr-ca"):
        assert AllocationEvent(note="purchase LMP-2026-000007").note_display == (
            "achat LMP-2026-000007"
        )
        # Anything else (an older or hand-written note) is shown as stored.
        assert AllocationEvent(note="purchase").note_display == "purchase"
        assert AllocationEvent(note="moved by support").note_display == "moved by support"
        event = AllocationEvent(note="purchase LMP-1", from_value=1, to_value=2)
        assert event.change_text == "1 → 2 (achat LMP-1)"  # the admin's "From → to"
    with translation.override("en"):
        assert AllocationEvent(note="purchase LMP-1").note_display == "purchase LMP-1"


# --- 2. a webhook delivery's last error ----------------------------------------------------------


@pytest.fixture
def endpoint(partner, admin_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    return webhooks.endpoint_create(
        actor=admin_user,
        partner=partner,
        url="https://psa.example.com/hooks",
        description="PSA",
        event_types=["customer.onboarded"],
        active=True,
    )


STORED_AND_FRENCH = [
    ("Not sent: the endpoint is disabled.", "Non envoyé : le point de terminaison est désactivé."),
    (
        "A worker stopped while sending it (no answer recorded).",
        "Un processus d'arrière-plan s'est arrêté pendant l'envoi (aucune réponse enregistrée).",
    ),
    ("HTTP 503", "HTTP 503"),
    (
        "No answer: [Errno 111] Connection refused",
        "Aucune réponse : [Errno 111] Connection refused",  # the network's words: as they are
    ),
    (
        "Refused: Enter an https:// URL: webhooks are sent over HTTPS only.",
        "Refusé : Entrez une URL https:// : les webhooks sont envoyés uniquement par HTTPS.",
    ),
    (
        "Refused: The host “psa.invalid” could not be found.",
        "Refusé : L'hôte « psa.invalid » est introuvable.",
    ),
    ("RuntimeError: boom", "RuntimeError: boom"),  # an unexpected error: as stored
]


def test_delivery_errors_are_shown_in_the_readers_language(administrator_client, endpoint):
    for stored, _french in STORED_AND_FRENCH:
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="ping",
            message_id=f"msg_{uuid.uuid4().hex}",
            payload={},
            status=DeliveryStatus.FAILED,
            last_error=stored,
        )
    url = reverse("webhooks:endpoint_detail", args=[endpoint.pk])
    french_page = text_of(french(administrator_client), url).replace(NBSP, " ")
    for stored, translated in STORED_AND_FRENCH:
        assert translated.replace(NBSP, " ") in french_page, stored
    for stored, _french in STORED_AND_FRENCH[:2] + STORED_AND_FRENCH[4:6]:
        assert stored not in french_page
    english_page = text_of(english(administrator_client), url)
    for stored, _french in STORED_AND_FRENCH:
        assert stored in english_page


# --- 3. the team history -------------------------------------------------------------------------


def test_team_history_translates_its_vocabularies_never_a_login_name(
    administrator_client, partner, admin_user
):
    TeamEvent.objects.create(
        partner=partner,
        actor=admin_user,
        kind=TeamEventKind.LOGIN_CHANGED,
        from_text="Active",  # logins may be named like a stored word
        to_text="Admin",
    )
    TeamEvent.objects.create(
        partner=partner,
        actor=admin_user,
        kind=TeamEventKind.ROLE_CHANGED,
        from_text="Allocator",
        to_text="Administrator",
    )
    TeamEvent.objects.create(
        partner=partner,
        actor=admin_user,
        kind=TeamEventKind.DEACTIVATED,
        from_text="Active",
        to_text="Deactivated",
    )
    events = {e.kind: e for e in TeamEvent.objects.filter(partner=partner)}
    from django.utils import translation

    with translation.override("fr-ca"):
        assert events[TeamEventKind.LOGIN_CHANGED].change_display() == "Active → Admin"
        assert events[TeamEventKind.ROLE_CHANGED].change_display() == (
            "Répartiteur → Administrateur"
        )
        assert events[TeamEventKind.DEACTIVATED].change_display() == "Actif → Désactivé"
    page = text_of(french(administrator_client), reverse("partners:team"))
    assert "Active → Admin" in page
    assert "Administration" not in page.split("Active → Admin")[0][-300:]
    assert "Répartiteur → Administrateur" in page


# --- 5. a history link's dates -------------------------------------------------------------------


@pytest.mark.parametrize("date_from", ["03/04/2026", "04/03/2026", "2026-3-4x"])
def test_history_dates_are_iso_only_in_every_language(
    administrator_client, complete_license, date_from
):
    url = reverse("licenses:license_history", kwargs={"pk": complete_license.pk})
    answers = {}
    for language, client in (("en", english), ("fr", french)):
        response = client(administrator_client).get(url, {"date_from": date_from})
        assert response.status_code == 200
        answers[language] = response.context["filter"]
        assert not answers[language].is_valid()
    errors = " ".join(str(m) for ms in answers["en"].form.errors.values() for m in ms)
    assert "Enter a valid date in the form YYYY-MM-DD." in errors
    english(administrator_client)
    french_text = text_of(french(administrator_client), url, {"date_from": date_from})
    assert "Entrez une date valide au format AAAA-MM-JJ." in french_text.replace(NBSP, " ")


def test_history_iso_date_means_the_same_day_in_every_language(
    administrator_client, complete_license
):
    url = reverse("licenses:license_history", kwargs={"pk": complete_license.pk})
    for client in (english, french):
        response = client(administrator_client).get(url, {"date_from": "2026-04-03"})
        form = response.context["filter"].form
        assert response.context["filter"].is_valid()
        assert form.cleaned_data["date"].start.date().isoformat() == "2026-04-03"
