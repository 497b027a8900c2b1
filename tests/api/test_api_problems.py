"""What a client of the API reads when it is refused: problem details (JSON) on every path under
/api/, the status the schema documents, and nothing done that it did not ask for."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from licenses.services import customer_offboard
from lmp.partners.choices import PartnerRole
from tests.factories import make_customer
from tests.helpers.api import key_client, make_key, problem
from tests.helpers.outage import database_down


@pytest.fixture(autouse=True)
def one_throttle_window(monkeypatch):
    """Every request of a test in the same throttle window (a minute turning would reset it)."""
    fixed = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("lmp.api.throttles.window_start", lambda now, seconds: fixed)


@pytest.fixture
def api(partner):
    return key_client(make_key(partner, role=PartnerRole.ALLOCATOR)[1])


def customers_url(license) -> str:
    return reverse("api:customer_list", kwargs={"license_pk": license.pk})


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(out))
    return yaml.safe_load(out.read_text())


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "cursor"),
    [
        ("users", "cD14"),  # "p=x": a position that is not a number...
        ("onboarded_at", "cD14"),  # ...nor a date
        ("legal_name", "cD0lMDA="),  # "p=%00": a NUL, which PostgreSQL refuses in a text
        ("users", "cj14"),  # "r=x": a direction that is not 0 or 1
        ("-users", "bz0tMQ=="),  # "o=-1": a negative offset
    ],
)
def test_a_crafted_cursor_is_a_400_problem_on_the_cursor(api, complete_license, ordering, cursor):
    make_customer(license=complete_license, tier_users=3)
    response = api.get(customers_url(complete_license), {"ordering": ordering, "cursor": cursor})
    body = problem(response)
    assert response.status_code == 400
    assert list(body["errors"]) == ["cursor"]


@pytest.mark.parametrize("page_size", ["0", "501", "-3", "abc", "null", "2.5", ""])
def test_a_page_size_outside_1_to_500_is_a_400_not_ignored(api, complete_license, page_size):
    body = problem(api.get(customers_url(complete_license), {"page_size": page_size}))
    assert body["status"] == 400
    assert body["errors"] == {"page_size": ["A page has 1 to 500 results (a whole number)."]}


def test_page_sizes_within_the_limits_are_served(api, complete_license):
    for n in range(3):
        make_customer(license=complete_license, tier_users=1 + n)
    assert len(api.get(customers_url(complete_license), {"page_size": 2}).json()["results"]) == 2
    assert len(api.get(customers_url(complete_license), {"page_size": 500}).json()["results"]) == 3


def test_the_schema_documents_page_size_limits(schema):
    operation = schema["paths"]["/api/v1/licenses/{license_pk}/customers/"]["get"]
    [page_size] = [p for p in operation["parameters"] if p["name"] == "page_size"]
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 500)


# --- never HTML under /api/ --------------------------------------------------------------------


def test_an_unknown_url_under_the_api_is_a_404_problem(api):
    response = api.get("/api/v1/licenses/abc/")
    assert problem(response)["status"] == 404
    # The portal keeps its HTML page.
    assert "text/html" in Client().get("/licenses/abc/")["Content-Type"]


def test_a_body_over_the_upload_limit_is_a_400_problem(api, complete_license, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api.raise_request_exception = False
    body = '{"legal_name": "' + "x" * 5000 + '"}'
    response = api.post(customers_url(complete_license), body, content_type="application/json")
    assert problem(response)["status"] == 400


def test_a_database_outage_is_a_503_problem_with_retry_after(api, complete_license):
    api.raise_request_exception = False
    with database_down():
        response = api.get(reverse("api:license_list"))
    body = problem(response)
    assert body["status"] == 503
    assert response["Retry-After"] == "30"


def test_a_client_accepting_only_problem_details_gets_them(partner, complete_license):
    client = key_client("abc.def")
    response = client.get(reverse("api:license_list"), HTTP_ACCEPT="application/problem+json")
    assert problem(response)["status"] == 401  # not a 406: the problem renderer is registered


# --- writes -----------------------------------------------------------------------------------


def test_an_unknown_field_is_refused_by_name_and_changes_nothing(api, complete_license):
    customer = make_customer(license=complete_license, tier_users=10, admin_email="it@a.example")
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    response = api.patch(
        url, {"hosting_region": "canada", "tier_users": 12}, content_type="application/json"
    )
    body = problem(response)
    assert body["status"] == 400
    assert list(body["errors"]) == ["hosting_region"]
    assert "hosting_region" in body["detail"]
    after = api.get(url).json()
    assert after["tier_users"] == 10


def test_patch_changes_the_web_site_and_administrator_email_with_history(api, complete_license):
    """As on the Edit page: both can change after onboarding, each recorded in the history;
    a web site of null clears it."""
    customer = make_customer(license=complete_license, tier_users=10, admin_email="it@a.example")
    url = reverse(
        "api:customer_detail", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
    )
    response = api.patch(
        url,
        {"admin_email": "new@a.example", "website": "https://a.example"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    after = api.get(url).json()
    assert (after["admin_email"], after["website"]) == ("new@a.example", "https://a.example")
    history = api.get(
        reverse(
            "api:customer_history", kwargs={"license_pk": complete_license.pk, "pk": customer.pk}
        )
    ).json()
    changed = {(e["what"], e["to_value"]) for e in history["results"]}
    assert ("MDR Portal Administrator Email", "new@a.example") in changed
    response = api.patch(url, {"website": None}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert api.get(url).json()["website"] is None
    bad = problem(
        api.patch(url, {"admin_email": "not-an-address"}, content_type="application/json")
    )
    assert (bad["status"], list(bad["errors"])) == (400, ["admin_email"])
    assert api.get(url).json()["admin_email"] == "new@a.example"


def test_a_customer_without_a_web_site_is_onboarded_and_read_as_null(api, complete_license):
    data = {
        "legal_name": "No Site Ltd",
        "admin_email": "it@nosite.example",
        "hosting_region": "ca",
        "tier_users": 5,
    }
    response = api.post(customers_url(complete_license), data, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["website"] is None


def test_offboarding_an_offboarded_customer_is_a_409(api, complete_license):
    customer = make_customer(license=complete_license, tier_users=3)
    customer_offboard(customer=customer)
    kwargs = {"license_pk": complete_license.pk, "pk": customer.pk}
    body = problem(api.post(reverse("api:customer_offboard", kwargs=kwargs)))
    assert body["status"] == 409
    assert body["detail"] == "This customer is already offboarded."
    body = problem(
        api.patch(
            reverse("api:customer_detail", kwargs=kwargs),
            {"tier_users": 4},
            content_type="application/json",
        )
    )
    assert body["status"] == 409


def test_the_schema_documents_the_counts_limits_and_refuses_unknown_fields(schema):
    create = schema["components"]["schemas"]["CustomerCreateRequest"]
    assert create["properties"]["tier_users"]["minimum"] == 1
    assert create["properties"]["cloud_users"]["minimum"] == 0
    assert "default" not in create["properties"]["website"]
    assert create["additionalProperties"] is False
    assert (
        schema["components"]["schemas"]["PatchedCustomerUpdateRequest"]["additionalProperties"]
        is False
    )
    customer = schema["components"]["schemas"]["Customer"]["properties"]["website"]
    assert customer["nullable"] is True


def test_every_operation_documents_its_refusals_as_problem_details(schema):
    expected = {
        ("get", "/api/v1/licenses/"): {"401", "406", "429", "503"},
        ("get", "/api/v1/licenses/{license_pk}/customers/"): {
            "400",
            "401",
            "404",
            "406",
            "429",
            "503",
        },
        ("post", "/api/v1/licenses/{license_pk}/customers/"): {
            "400",
            "401",
            "403",
            "404",
            "406",
            "409",
            "415",
            "422",
            "429",
            "503",
        },
    }
    for (method, path), statuses in expected.items():
        responses = schema["paths"][path][method]["responses"]
        refusals = {code for code in responses if code >= "400"}
        assert refusals == statuses, (method, path, refusals)
        for code in refusals:
            content = responses[code]["content"]
            assert list(content) == ["application/problem+json"]
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert "Retry-After" in responses["429"]["headers"]
    problem_schema = schema["components"]["schemas"]["Problem"]
    assert set(problem_schema["required"]) == {"type", "title", "status", "detail"}
    idempotency = [
        p
        for p in schema["paths"]["/api/v1/licenses/{license_pk}/customers/"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    ][0]
    assert (idempotency["schema"]["minLength"], idempotency["schema"]["maxLength"]) == (1, 200)


# --- failed authentication --------------------------------------------------------------------


def test_wrong_keys_from_one_address_are_throttled_and_others_are_not(
    partner, complete_license, settings
):
    settings.API_AUTH_FAILURE_RATE = "5/min"
    _, good = make_key(partner, role=PartnerRole.VIEW_ONLY)
    url = reverse("api:license_list")
    attacker = key_client("abcdefgh.wrong-secret")
    statuses = [attacker.get(url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(5)]
    assert statuses == [401] * 5
    response = attacker.get(url, REMOTE_ADDR="203.0.113.9")
    assert problem(response)["status"] == 429
    assert 0 < int(response["Retry-After"]) <= 60
    # A key whose prefix exists but whose secret is wrong is counted the same way.
    prefix = good.split(".")[0]
    assert key_client(f"{prefix}.nope").get(url, REMOTE_ADDR="203.0.113.9").status_code == 429
    # The throttled address cannot tell a good key by its answer either...
    assert key_client(good).get(url, REMOTE_ADDR="203.0.113.9").status_code == 429
    # ...while a good key from another address works.
    assert key_client(good).get(url, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_good_key_is_not_throttled_by_other_keys_counts_when_the_address_is_unknown(
    partner, complete_license, settings, monkeypatch
):
    """No client address (nothing to count against) must not read the keys' own rows."""
    settings.API_AUTH_FAILURE_RATE = "2/min"
    monkeypatch.setattr("lmp.api.authentication.client_ip", lambda request: None)
    _, key = make_key(partner, role=PartnerRole.VIEW_ONLY)
    api = key_client(key)
    statuses = [api.get(reverse("api:license_list")).status_code for _ in range(4)]
    assert statuses == [200] * 4
