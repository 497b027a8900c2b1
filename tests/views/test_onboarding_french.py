"""The Customer Onboarding tab, its wizard and its order page read in Canadian French: every
page of the area renders in French with no English sentence left, the customer's language is
asked (the page's language by default) and kept, and the appliance catalogue shows its French
names (the English one while a French name is blank)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from onboarding.models import OnboardingRequest
from tests.factories_onboarding import OTTAWA, ApplianceFactory, Wizard, current_step
from tests.helpers.sentences import data_names, html_sentences, leftovers

FRENCH, ENGLISH = "fr-ca", "en"


def english_left(client, url: str) -> set[str]:
    """The sentences of ``url`` in French that are the same as in its English render, minus
    the language-neutral ones (tests/helpers/sentences.py): names people typed, addresses,
    numbers, product names, words spelled the same."""
    pages = {}
    for language in (ENGLISH, FRENCH):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}"' in response.text
        pages[language] = html_sentences(response.text)
    # What the wizard's helper types (kept in the draft until submitted) is data too.
    typed = [str(value) for value in Wizard.DETAILS.values()] + [str(v) for v in OTTAWA.values()]
    return set(leftovers(pages[FRENCH], pages[ENGLISH], data_names() + typed))


@pytest.fixture
def catalogue(db):
    """Two models with their French names and text, as staff type them in the admin."""
    rack = ApplianceFactory(
        name="NS-1000 Rack Sensor",
        description="1U sensor for a mid-size site.",
        throughput="Up to 1 Gbps",
    )
    rack.name_fr_ca = "NS-1000 Capteur en baie"
    rack.description_fr_ca = "Capteur 1U pour un site de taille moyenne."
    rack.throughput_fr_ca = "Jusqu'à 1 Gb/s"
    rack.save()
    desktop = ApplianceFactory(name="NS-100 Desktop Sensor", description="Fanless.")
    desktop.name_fr_ca = "NS-100 Capteur de bureau"
    desktop.description_fr_ca = "Sans ventilateur."
    desktop.throughput_fr_ca = "Jusqu'à 1 Gb/s"
    desktop.save()
    return rack, desktop


@pytest.fixture
def wizard(partner_client, complete_license, cloud_license):
    return Wizard(partner_client, complete_license)


def in_french(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = FRENCH


# --- every page of the area, in French -------------------------------------------------------


def test_every_onboarding_page_reads_in_french(wizard, partner_client, catalogue, default_address):
    rack, desktop = catalogue
    left: dict[str, set[str]] = {}
    left["start (empty)"] = english_left(partner_client, reverse("onboarding:start"))
    wizard.start()
    left["incident"] = english_left(partner_client, wizard.step_url("incident"))
    wizard.incident()
    wizard.details(legal_name="")  # the step with its errors
    left["details with errors"] = english_left(partner_client, wizard.step_url("details"))
    wizard.details()
    wizard.post("deployment", {"deployment": "network_sensors"})  # errors: no appliance
    left["deployment with errors"] = english_left(partner_client, wizard.step_url("deployment"))
    assert current_step(wizard.sensors(rack, {desktop: 2})) == "shipping"
    left["shipping"] = english_left(partner_client, wizard.step_url("shipping"))
    wizard.add_address("primary", OTTAWA)
    wizard.add_address(f"additional-{desktop.pk}-1", source="default")
    wizard.add_address(f"additional-{desktop.pk}-2", source="previous")
    left["shipping, list"] = english_left(partner_client, wizard.step_url("shipping"))
    wizard.post("shipping", {"ship_to": "per_appliance"})
    left["review"] = english_left(partner_client, wizard.step_url("review"))
    wizard.review()
    order = OnboardingRequest.objects.get()
    detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    left["request detail"] = english_left(partner_client, detail)
    left["start (with the order)"] = english_left(partner_client, reverse("onboarding:start"))
    stop = reverse("onboarding:incident_stop", kwargs={"license_pk": wizard.license.pk})
    left["incident stop"] = english_left(partner_client, stop)
    assert {page: texts for page, texts in left.items() if texts} == {}


# --- "Customer language" on the Customer details step ------------------------------------------


def test_the_customer_language_defaults_to_the_page_language(wizard, partner_client):
    wizard.start()
    wizard.incident()
    english = partner_client.get(wizard.step_url("details"))
    assert english.context["wizard"]["form"]["language"].value() == ENGLISH
    assert "Customer language" in english.text
    in_french(partner_client)
    french = partner_client.get(wizard.step_url("details"))
    assert french.context["wizard"]["form"]["language"].value() == FRENCH
    assert "Langue du client" in french.text
    assert '<option value="fr-ca" selected>Français</option>' in french.text


def test_the_customer_language_is_required(wizard, partner_client):
    wizard.start()
    wizard.incident()
    in_french(partner_client)
    response = wizard.post("details", {**Wizard.DETAILS, "language": ""})
    assert current_step(response) == "details"
    assert "Choisissez la langue du client." in response.text
    response = wizard.post("details", {**Wizard.DETAILS, "language": "de"})
    assert current_step(response) == "details"


def test_the_chosen_language_is_reviewed_kept_and_shown_on_the_order(wizard, partner_client):
    wizard.start()
    wizard.incident()
    wizard.details(language=FRENCH)
    review = wizard.virtual()
    assert current_step(review) == "review"
    assert "<dt>Customer language</dt><dd>Français</dd>" in review.text
    wizard.review()
    order = OnboardingRequest.objects.get()
    assert order.language == FRENCH
    url = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    assert "<dt>Customer language</dt><dd>Français</dd>" in partner_client.get(url).text
    in_french(partner_client)
    assert "<dt>Langue du client</dt><dd>Français</dd>" in partner_client.get(url).text


# --- the catalogue in the page's language -------------------------------------------------------


def test_the_deployment_step_shows_the_catalogue_in_the_page_language(
    wizard, partner_client, catalogue
):
    rack, desktop = catalogue
    desktop.name_fr_ca = None  # not translated yet: the English name shows
    desktop.save()
    wizard.start()
    wizard.incident()
    wizard.details()
    english = partner_client.get(wizard.step_url("deployment"))
    assert (
        "NS-1000 Rack Sensor" in english.text and "1U sensor for a mid-size site." in english.text
    )
    assert "Up to 1 Gbps" in english.text
    in_french(partner_client)
    french = partner_client.get(wizard.step_url("deployment"))
    assert "NS-1000 Capteur en baie" in french.text
    assert "Capteur 1U pour un site de taille moyenne." in french.text
    assert "Jusqu&#x27;à 1 Gb/s" in french.text
    assert "NS-1000 Rack Sensor" not in french.text
    assert "NS-100 Desktop Sensor" in french.text  # the English name while the French is blank
    assert "Sans ventilateur." in french.text
