"""The API's words follow Accept-Language: a problem's title and detail (and its field messages,
DRF's own included) in Canadian French for ``fr-CA``, English without the header; the answer says
its language in Content-Language, and the schema documents both headers."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from lmp.partners.choices import PartnerRole
from tests.factories import AddressFactory, make_customer
from tests.factories_onboarding import ApplianceFactory, sensor_orders, submit_order
from tests.helpers.api import key_client, make_key, problem


@pytest.fixture(autouse=True)
def one_throttle_window(monkeypatch):
    fixed = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("lmp.api.throttles.window_start", lambda now, seconds: fixed)


@pytest.fixture
def api(partner):
    return key_client(make_key(partner, role=PartnerRole.ALLOCATOR)[1])


def customers_url(license) -> str:
    return reverse("api:customer_list", kwargs={"license_pk": license.pk})


def test_a_problem_is_in_french_for_fr_ca_and_in_english_without_the_header(api):
    url = reverse("api:license_detail", kwargs={"license_pk": 999999})
    french = api.get(url, HTTP_ACCEPT_LANGUAGE="fr-CA")
    body = problem(french)
    assert french.status_code == 404
    assert body["title"] == "Introuvable."
    assert body["detail"] == "Cet objet n'existe pas pour votre organisation."
    assert french["Content-Language"] == "fr-ca"

    english = api.get(url)
    body = problem(english)
    assert body["title"] == "Not found."
    assert body["detail"] == "No such object for your organisation."
    assert english["Content-Language"] == "en"


def test_an_invalid_key_is_refused_in_french(partner):
    response = key_client("abc.def").get(reverse("api:license_list"), HTTP_ACCEPT_LANGUAGE="fr-ca")
    body = problem(response)
    assert response.status_code == 401
    assert body["title"] == "Authentification requise."
    assert "Cette clé d'API n'est pas valide" in body["detail"]
    assert response["Content-Language"] == "fr-ca"


def test_field_messages_are_in_french_ours_and_drfs(api, complete_license):
    # Ours: the page size's message; the API's field names stay English.
    response = api.get(
        customers_url(complete_license), {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9"
    )
    body = problem(response)
    assert body["title"] == "Votre requête contient des champs non valides."
    assert body["errors"] == {
        "page_size": ["Une page compte de 1 à 500 résultats (un nombre entier)."]
    }
    # A malformed JSON body (DRF's words, which its catalogue lacks, are ours here).
    response = api.post(
        customers_url(complete_license),
        "{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr-CA",
    )
    body = problem(response)
    assert response.status_code == 400
    assert body["detail"].startswith("Le corps de la requête n'est pas du JSON valide (")
    assert response["Content-Language"] == "fr-ca"


def test_an_unknown_url_under_the_api_is_a_french_404_problem(api):
    response = api.get("/api/v1/licenses/abc/", HTTP_ACCEPT_LANGUAGE="fr-CA")
    body = problem(response)
    assert body["title"] == "Introuvable."
    assert body["detail"] == "Cette URL n'existe pas dans l'API\u00a0: consultez /api/v1/docs/."


def test_a_cookie_or_another_language_does_not_change_the_apis(api):
    api.cookies["lmp_language"] = "fr-ca"
    url = reverse("api:license_detail", kwargs={"license_pk": 999999})
    response = api.get(url, HTTP_ACCEPT_LANGUAGE="de-DE")
    assert problem(response)["title"] == "Not found."
    assert response["Content-Language"] == "en"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(out))
    return yaml.safe_load(out.read_text())


def test_the_schema_documents_accept_language_and_content_language(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            [accept] = [p for p in operation["parameters"] if p["name"] == "Accept-Language"]
            assert accept["in"] == "header" and not accept.get("required", False)
            assert accept["schema"] == {"type": "string"}, (path, method)  # any header is read
            assert {e["value"] for e in accept["examples"].values()} == {"en", "fr-ca"}
            for status, response in operation["responses"].items():
                assert "Content-Language" in response.get("headers", {}), (path, method, status)
    # The refusals' descriptions stay English, the schema's language.
    licenses = schema["paths"]["/api/v1/licenses/"]["get"]["responses"]
    assert licenses["401"]["description"] == "Authentication needed."


def test_drfs_own_messages_come_out_french(api, complete_license):
    # DRF's "fr" catalogue: a write with a field of the wrong type.
    response = api.post(
        customers_url(complete_license),
        {"legal_name": "Érable Inc.", "tier_users": "many"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr-CA",
    )
    body = problem(response)
    assert response.status_code == 400
    assert "Un nombre entier valide est requis." in body["errors"]["tier_users"]


def test_data_stays_english_in_french_the_appliance_of_a_shipment(api, partner, complete_license):
    # Regression: the catalogue's name followed Accept-Language (django-modeltranslation), so a
    # script matching on "NS-1000 Rack Sensor" broke for a French caller.
    AddressFactory(partner=partner, is_default=True)
    sensor = ApplianceFactory(name="NS-1000 Rack Sensor")
    sensor.name_fr_ca = "Capteur en baie NS-1000"
    sensor.save()
    order = submit_order(
        license=complete_license, legal_name="Ordered Sensor Ltd", appliances=sensor_orders(sensor)
    )
    url = reverse("api:order_detail", kwargs={"pk": order.request.pk})
    body = api.get(url, HTTP_ACCEPT_LANGUAGE="fr-CA").json()
    assert [s["appliance"] for s in body["shipments"]] == ["NS-1000 Rack Sensor"]


def test_data_stays_english_in_french_change_labels_actor_and_address(
    api, partner, complete_license
):
    # Regression: the PATCH answer's change labels, the history's "System" actor and a
    # shipment's country followed Accept-Language; a script reading them broke in French.
    customer = make_customer(license=complete_license, tier_users=10, legal_name="Acme Ltd")
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    french = {"HTTP_ACCEPT_LANGUAGE": "fr-CA"}
    body = api.patch(url, {"tier_users": 12}, content_type="application/json", **french).json()
    assert [c["label"] for c in body["changes"]] == ["MDR Complete Users"]

    history = reverse(
        "api:customer_history", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    actors = {event["actor"] for event in api.get(history, **french).json()["results"]}
    assert "Système" not in actors and "System" in actors  # make_customer: the system onboards

    AddressFactory(partner=partner, is_default=True, country="US", region="NY", postal_code="10001")
    order = submit_order(
        license=complete_license,
        legal_name="Ordered Sensor Ltd",
        appliances=sensor_orders(ApplianceFactory(name="NS-1000 Rack Sensor")),
    )
    detail = api.get(reverse("api:order_detail", kwargs={"pk": order.request.pk}), **french)
    assert detail.json()["shipments"][0]["address"].endswith(", United States")
