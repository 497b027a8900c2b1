"""Bad input on the Edit page and every onboarding step: a message next to the field, nothing saved.

Every case posts one bad value (the rest of the form valid) and checks what a partner notices:
the page comes back (200) with the message right after the field it is about, what was typed is
kept and shown escaped, nothing in the database changed, and it is never a 500. Ids of other
partners' objects give 404, a missing CSRF token 403. Valid but unusual names (HTML, SQL-looking,
right-to-left, emoji) are accepted and rendered escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from licenses.models import CustomerAccount
from tests.factories import AddressFactory, PartnerFactory, make_customer
from tests.factories_onboarding import OTTAWA, ApplianceFactory, Wizard, current_step
from tests.helpers.edit import EditPage
from tests.helpers.state import db_state, error_next_to

BIG = str(2**63)
LONG = "A" * 10_000
SCRIPT = "<script>alert('owned')</script>"
SQL = "1; DROP TABLE licenses_customeraccount; --"
MAX = "2,147,483,647"


@dataclass(frozen=True)
class Case:
    """One bad value: the field it goes in, and the message that must appear next to it."""

    field: str
    value: object
    message: str | None  # None: the field must have an error, whatever its words
    kept: bool = True  # what was typed comes back in the field


def case_id(case: Case) -> str:
    value = str(case.value)
    shown = value if len(value) <= 12 else f"{value[:8]}…{len(value)}"
    return f"{case.field}={shown!r}"


# --- the Edit page ------------------------------------------------------------------------------

EDIT_CASES = [
    Case("tier_users", "-1", "MDR Complete Users must be at least 1."),
    Case("tier_users", "0", "MDR Complete Users must be at least 1."),
    Case("tier_users", "1.5", "Enter a whole number."),
    Case("tier_users", BIG, f"MDR Complete Users must be at most {MAX}."),
    Case("tier_users", "abc", "Enter a whole number."),
    Case("tier_users", "", "This field is required."),
    Case("tier_users", "1e3", "Enter a whole number."),
    Case("tier_users", "0x10", "Enter a whole number."),
    Case("tier_users", "NaN", "Enter a whole number."),
    Case("tier_users", "9" * 10_000, "Enter a whole number."),
    Case(
        "tier_users",
        "1990",
        "Only 1,989 MDR Complete users are available to this customer "
        "(1,889 unallocated plus the 100 it holds).",
    ),
    Case("tier_users", SCRIPT, "Enter a whole number."),
    Case("tier_users", SQL, "Enter a whole number."),
    Case("cloud_users", "-1", "MDR Cloud Users cannot be negative."),
    Case(
        "cloud_users",
        "301",
        "Only 300 MDR Cloud users are available to this customer "
        "(280 unallocated plus the 20 it holds).",
    ),
    Case("cloud_users", "2.5", "Enter a whole number."),
    Case("cloud_users", BIG, f"MDR Cloud Users must be at most {MAX}."),
    Case("cloud_users", "twenty", "Enter a whole number."),
    Case("sat_users", "101", "Beauceron SAT users cannot be more than the 100 MDR Complete users."),
    Case("sat_users", "-3", "Beauceron SAT Users cannot be negative."),
    Case("sat_users", "x", "Enter a whole number."),
    Case("legal_name", "", "This field is required."),
    Case("legal_name", "   ", "This field is required.", kept=False),
    Case("legal_name", LONG, "Ensure this value has at most 200 characters (it has 10000)."),
    Case("legal_name", "N" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    Case("legal_name", "Null\x00Byte Ltd", "Null characters are not allowed.", kept=False),
    Case(
        "legal_name",
        "  taken   NAME ltd ",
        "An active customer named “taken NAME ltd” already exists.",
        kept=False,
    ),
    Case("legal_name", SCRIPT * 40, None),
]


@pytest.fixture
def edit_setup(partner, complete_license, cloud_license):
    customer = make_customer(
        license=complete_license,
        tier_users=100,
        cloud_users=20,
        sat_users=10,
        legal_name="Maple Dental",
    )
    make_customer(license=complete_license, tier_users=1, legal_name="Taken Name Ltd")
    url = reverse(
        "licenses:customer_edit",
        kwargs={"license_pk": complete_license.pk, "pk": customer.pk},
    )
    form = {
        "legal_name": "Maple Dental",
        "tier_users": "100",
        "cloud_users": "20",
        "sat_users": "10",
    }
    return customer, url, form


def assert_refused(response, before: dict, html_name: str, case: Case) -> None:
    assert response.status_code == 200
    text = response.text
    if case.message is None:
        assert re.search(rf'id="error_1_id_{re.escape(html_name)}"', text), html_name
    else:
        assert error_next_to(text, html_name, case.message), (html_name, case.message)
    value = str(case.value)
    if case.kept and value.strip():
        assert f'value="{escape(value)}"' in text
    if any(c in value for c in "<>\"'&"):
        assert value not in text  # never the raw markup
    assert db_state() == before


@pytest.mark.parametrize("case", EDIT_CASES, ids=case_id)
def test_edit_page_refuses_bad_input_next_to_the_field(partner_client, edit_setup, case):
    customer, url, form = edit_setup
    before = db_state()
    response = EditPage(partner_client, customer).post({**form, case.field: case.value})
    assert_refused(response, before, case.field, case)
    customer.refresh_from_db()
    assert customer.legal_name == "Maple Dental"


VALID_NAMES = [
    "<img src=x onerror=alert(1)> Clinic",
    "Robert'); DROP TABLE licenses_customeraccount;-- Inc",
    "שלום טכנולוגיות בע״מ",
    "شركة الأمان للحلول",
    "🚀 Rocket Dental 🦷",
    "\u202eevil.exe Holdings",
    'Café Zoë & Søn "Quoted" Ltd',
    "株式会社テスト",
]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_edit_accepts_unusual_valid_names_and_renders_them_escaped(
    partner_client, edit_setup, complete_license, name
):
    customer, url, form = edit_setup
    response = EditPage(partner_client, customer).post({**form, "legal_name": name})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.legal_name == name
    for page in (
        partner_client.get(response["Location"]),  # with the success message naming it
        partner_client.get(url),
    ):
        assert escape(name) in page.text
        if any(c in name for c in "<>\"'&"):
            assert name not in page.text


@pytest.mark.parametrize(
    "kind", ["other partner's customer", "unknown customer", "other partner's license"]
)
def test_edit_and_offboard_of_foreign_ids_are_404_and_change_nothing(
    partner_client, edit_setup, complete_license, other_license, kind
):
    customer, _, form = edit_setup
    foreign = make_customer(license=other_license, legal_name="Foreign Ltd")
    license_pk, pk = {
        "other partner's customer": (complete_license.pk, foreign.pk),
        "unknown customer": (complete_license.pk, 999_999),
        "other partner's license": (other_license.pk, foreign.pk),
    }[kind]
    before = db_state()
    for name in ("licenses:customer_edit", "licenses:customer_offboard"):
        url = reverse(name, kwargs={"license_pk": license_pk, "pk": pk})
        assert partner_client.post(url, form).status_code == 404
    assert db_state() == before


# --- the onboarding wizard ---------------------------------------------------------------------

INCIDENT_CASES = [
    Case("incident", "", "Answer the incident question to continue.", kept=False),
    Case(
        "incident",
        "maybe",
        "Select a valid choice. maybe is not one of the available choices.",
        kept=False,
    ),
    Case(
        "incident",
        SCRIPT,
        f"Select a valid choice. {SCRIPT} is not one of the available choices.",
        kept=False,
    ),
]

DETAILS_CASES = [
    Case("legal_name", "", "This field is required."),
    Case("legal_name", "   ", "This field is required.", kept=False),
    Case("legal_name", LONG, "Ensure this value has at most 200 characters (it has 10000)."),
    Case("legal_name", "Null\x00Byte Ltd", "Null characters are not allowed.", kept=False),
    Case(
        "legal_name", "taken name LTD", "An active customer named “taken name LTD” already exists."
    ),
    Case("website", "not a url", "Enter a valid URL.", kept=False),
    Case("website", "javascript:alert(1)", "Enter a valid URL.", kept=False),
    Case("website", "http://", "Enter a valid URL."),
    Case("website", "https://" + "a" * 10_000 + ".example", None),
    Case("website", "javascript://x.example/%0aalert(1)", "Enter a valid URL.", kept=False),
    Case("website", "https://exa mple.com", "Enter a valid URL.", kept=False),
    Case("admin_email", "", "This field is required."),
    Case("admin_email", "not-an-email", "Enter a valid email address."),
    Case("admin_email", "it@localhost.", "Enter a valid email address."),
    Case("admin_email", "a@b", "Enter a valid email address."),
    Case("admin_email", "<script>@example.com", "Enter a valid email address."),
    Case("admin_email", "it@exa mple.com", "Enter a valid email address."),
    Case("admin_email", "x@" + "a" * 300 + ".example", None),
    Case("tier_users", "0", "MDR Complete Users must be at least 1."),
    Case("tier_users", "-5", "MDR Complete Users must be at least 1."),
    Case("tier_users", "1.5", "Enter a whole number."),
    Case("tier_users", BIG, f"MDR Complete Users must be at most {MAX}."),
    Case("tier_users", "abc", "Enter a whole number."),
    Case("tier_users", "", "This field is required."),
    Case("tier_users", "9" * 10_000, "Enter a whole number."),
    Case("tier_users", "1990", "Only 1,989 MDR Complete users are available."),
    Case("tier_users", SQL, "Enter a whole number."),
    Case("cloud_users", "-1", "MDR Cloud Users cannot be negative."),
    Case("cloud_users", "301", "Only 300 MDR Cloud users are available."),
    Case("cloud_users", "1e2", "Enter a whole number."),
    Case("cloud_users", BIG, f"MDR Cloud Users must be at most {MAX}."),
    Case("sat_users", "26", "Beauceron SAT users cannot be more than the 25 MDR Complete users."),
    Case("sat_users", "-1", "Beauceron SAT Users cannot be negative."),
    Case(
        "sub_partner",
        "OTHER",
        "Select a valid choice. That choice is not one of the available choices.",
        kept=False,
    ),
    Case(
        "sub_partner",
        "abc",
        "Select a valid choice. That choice is not one of the available choices.",
        kept=False,
    ),
]

DEPLOYMENT_CASES = [
    Case("deployment", "", "Choose a deployment solution.", kept=False),
    Case(
        "deployment",
        "teleport",
        "Select a valid choice. teleport is not one of the available choices.",
        kept=False,
    ),
    Case("hosting_region", "", "Choose the hosting region.", kept=False),
    Case(
        "hosting_region",
        "mars",
        "Select a valid choice. mars is not one of the available choices.",
        kept=False,
    ),
    Case("primary_appliance", "", "Choose the primary appliance.", kept=False),
    Case("primary_appliance", "999999", "Choose an appliance from the catalogue.", kept=False),
    Case("primary_appliance", "RETIRED", "Choose an appliance from the catalogue.", kept=False),
    Case("primary_appliance", "abc", "Choose an appliance from the catalogue.", kept=False),
    Case("additional", "-1", "Ensure this value is greater than or equal to 0."),
    Case("additional", "26", "Ensure this value is less than or equal to 25."),
    Case("additional", BIG, "Ensure this value is less than or equal to 25."),
    Case("additional", "two", "Enter a whole number."),
]

SHIPPING_CASES = [
    Case("ship_to", "", "Choose where to ship the appliances.", kept=False),
    Case(
        "ship_to",
        "moon",
        "Select a valid choice. moon is not one of the available choices.",
        kept=False,
    ),
    Case("line1", "", "This field is required."),
    Case("line1", LONG, "Ensure this value has at most 200 characters (it has 10000)."),
    Case("postal_code", "12345", "Enter a Canadian postal code such as K1A 0B1."),
    Case("postal_code", SCRIPT, None),
    Case("city", "", "This field is required."),
    Case(
        "country",
        "ZZ",
        "Select a valid choice. ZZ is not one of the available choices.",
        kept=False,
    ),
]


@pytest.fixture
def wizard_setup(partner, complete_license, cloud_license, other_partner):
    """A Complete license (1 seat used) shared with a sub-partner, and a small catalogue."""
    complete_license.sub_partners.add(PartnerFactory(name="Echo Sub-Partner"))
    if not CustomerAccount.objects.filter(legal_name="Taken Name Ltd").exists():
        make_customer(license=complete_license, tier_users=1, legal_name="Taken Name Ltd")
    AddressFactory(partner=partner, is_default=True)
    primary = ApplianceFactory(name="NS-200 Rack Sensor")
    extra = ApplianceFactory(name="NS-50 Branch Sensor")
    retired = ApplianceFactory(name="NS-10 Retired", active=False)
    return {"primary": primary, "extra": extra, "retired": retired, "other": other_partner}


def _resolve(value: object, setup: dict) -> object:
    return (
        {
            "OTHER": str(setup["other"].pk),
            "RETIRED": str(setup["retired"].pk),
        }.get(value, value)
        if isinstance(value, str)
        else value
    )


def _wizard_at(client, license, step: str, setup: dict) -> Wizard:
    wizard = Wizard(client, license)
    wizard.start()
    if step == "incident":
        return wizard
    wizard.incident()
    if step == "details":
        return wizard
    wizard.details(sat_users="5")
    if step == "deployment":
        return wizard
    wizard.sensors(setup["primary"], {setup["extra"]: 1})
    assert step == "shipping"
    return wizard


def _step_data(step: str, case: Case, setup: dict) -> tuple[dict, str]:
    """The step's valid form with the case's bad value in it; and that field's HTML name."""
    value = _resolve(case.value, setup)
    field = case.field
    if step == "incident":
        data = {"incident": "no"}
    elif step == "details":
        data = {**Wizard.DETAILS, "sat_users": "5"}
    elif step == "deployment":
        sensors = field in {"primary_appliance", "additional"}
        data = (
            {"deployment": "network_sensors", "primary_appliance": str(setup["primary"].pk)}
            if sensors
            else {"deployment": "virtual", "hosting_region": "ca"}
        )
        if field == "additional":
            field = f"additional_{setup['extra'].pk}"
    else:
        data = {"ship_to": "custom", **OTTAWA}
    data[field] = value
    return data, f"{step}-{field}"


WIZARD_CASES = [
    *(("incident", c) for c in INCIDENT_CASES),
    *(("details", c) for c in DETAILS_CASES),
    *(("deployment", c) for c in DEPLOYMENT_CASES),
    *(("shipping", c) for c in SHIPPING_CASES),
]


@pytest.mark.parametrize(
    ("step", "case"), WIZARD_CASES, ids=[f"{s}-{case_id(c)}" for s, c in WIZARD_CASES]
)
def test_wizard_step_refuses_bad_input_next_to_the_field(
    partner_client, complete_license, wizard_setup, step, case
):
    before = db_state()
    wizard = _wizard_at(partner_client, complete_license, step, wizard_setup)
    data, html_name = _step_data(step, case, wizard_setup)
    response = wizard.post(step, data)
    assert current_step(response) == step  # the partner stays on the step to correct it
    assert_refused(
        response,
        before,
        html_name,
        Case(case.field, data[html_name.split("-", 1)[1]], case.message, case.kept),
    )
    assert mail.outbox == []


def test_wizard_refuses_an_unknown_step_and_skipping_ahead(
    partner_client, complete_license, wizard_setup
):
    before = db_state()
    wizard = Wizard(partner_client, complete_license)
    wizard.start()
    unknown = wizard.post("nonexistent", {"confirm": "on"})
    assert unknown.status_code == 200
    assert "That step is not part of this onboarding; continue here." in unknown.text
    skipped = wizard.post("review", {"confirm": "on"})
    assert skipped.status_code == 200
    assert "Complete “Incident check” first." in skipped.text
    assert current_step(skipped) == "incident"
    assert db_state() == before


def test_review_without_the_confirmation_box_submits_nothing(
    partner_client, complete_license, wizard_setup
):
    before = db_state()
    wizard = Wizard(partner_client, complete_license)
    wizard.run_virtual()
    response = wizard.review(confirm=False)
    assert response.status_code == 200
    assert error_next_to(
        response.text,
        "review-confirm",
        "Tick the box to confirm that the information is accurate.",
    )
    assert db_state() == before
    assert mail.outbox == []


def test_per_appliance_shipping_needs_an_address_for_every_appliance(
    partner_client, complete_license, wizard_setup
):
    before = db_state()
    wizard = _wizard_at(partner_client, complete_license, "shipping", wizard_setup)
    foreign_unit = wizard.add_address("additional-99", OTTAWA)
    assert error_next_to(
        foreign_unit.text,
        "shipping-unit",
        "Choose one of this order's appliances that has no address yet.",
    )
    missing = wizard.ship_per_appliance()
    assert current_step(missing) == "shipping"
    assert "Every appliance needs an address. Add one for:" in missing.text
    assert db_state() == before


# Valid, if unusual: accepted, and never rendered as markup (on the review step, the order's
# page, where the web site is also a link, and in the e-mail).
UNUSUAL_ORDERS = [
    (VALID_NAMES[0], f"https://x.example/{SCRIPT}"),
    (VALID_NAMES[1], "https://example.com/?q=1'--"),
    (VALID_NAMES[2], ""),
    (VALID_NAMES[4], 'https://example.com/"onmouseover="alert(1)'),
    (VALID_NAMES[6], "https://xn--caf-dma.example/"),
]


@pytest.mark.parametrize(("name", "website"), UNUSUAL_ORDERS)
def test_onboarding_accepts_unusual_names_and_shows_them_escaped(
    partner_client,
    complete_license,
    wizard_setup,
    name,
    website,
    django_capture_on_commit_callbacks,
):
    wizard = Wizard(partner_client, complete_license)
    review = wizard.run_virtual(legal_name=name, website=website)
    assert current_step(review) == "review"
    with django_capture_on_commit_callbacks(execute=True):
        done = wizard.review()
    assert done.status_code == 302
    customer = CustomerAccount.objects.get(legal_name=name)
    assert customer.website == website
    page = partner_client.get(done["Location"])
    sent, welcome = mail.outbox  # the partner's order, the administrator's welcome
    shown = [review.text, page.text, sent.alternatives[0][0]]
    checks = [(text, (name, website)) for text in shown] + [(welcome.alternatives[0][0], (name,))]
    for text, typed_values in checks:
        for typed in typed_values:
            assert escape(typed) in text
            if any(c in typed for c in "<>\"'&"):
                assert typed not in text


@pytest.mark.parametrize("kind", ["other partner's license", "unknown license"])
def test_wizard_on_a_foreign_license_is_404(partner_client, other_license, kind):
    pk = other_license.pk if kind == "other partner's license" else 999_999
    url = reverse("onboarding:wizard", kwargs={"license_pk": pk})
    step = reverse(
        "onboarding:wizard_step",
        kwargs={
            "license_pk": pk,
            "run": "6f1c2d4e-8a9b-4c3d-9e8f-7a6b5c4d3e2f",
            "step": "incident",
        },
    )
    before = db_state()
    assert partner_client.get(url).status_code == 404
    assert partner_client.get(step).status_code == 404
    assert partner_client.post(step, {"incident-incident": "no"}).status_code == 404
    assert db_state() == before


# --- missing CSRF token -----------------------------------------------------------------------


@pytest.fixture
def csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_form_post_without_a_csrf_token_is_refused(
    csrf_client, edit_setup, complete_license, wizard_setup
):
    customer, edit_url, form = edit_setup
    offboard_url = reverse(
        "licenses:customer_offboard",
        kwargs={"license_pk": complete_license.pk, "pk": customer.pk},
    )
    wizard = Wizard(csrf_client, complete_license)
    wizard.start()
    before = db_state()
    posts = [
        (edit_url, {**form, "tier_users": "5"}),
        (offboard_url, {}),
        (wizard.step_url("incident"), {"incident-incident": "no"}),
        (reverse("logout"), {}),
    ]
    for url, data in posts:
        response = csrf_client.post(url, data)
        assert response.status_code == 403, url
        assert "This form has expired" in response.text
        # A forged token is no better than none.
        forged = csrf_client.post(url, {**data, "csrfmiddlewaretoken": "x" * 64})
        assert forged.status_code == 403, url
    assert db_state() == before
    assert "_auth_user_id" in csrf_client.session  # not logged out either


# --- search, filter, sort and page parameters ------------------------------------------------

QUERY_CASES = [
    {"q": "Null\x00byte"},
    {"q": LONG},
    {"q": SCRIPT},
    {"q": SQL},
    {"q": "%_\\"},
    {"q": "🚀 שלום"},
    {"status": "bogus"},
    {"status": SCRIPT},
    {"sort": "bogus"},
    {"sort": "-legal_name; DROP TABLE x"},
    {"page": "-1"},
    {"page": "abc"},
    {"page": BIG},
    {"page": "9" * 10_000},
]


@pytest.mark.parametrize(
    "params", QUERY_CASES, ids=[case_id(Case(*next(iter(p.items())), None)) for p in QUERY_CASES]
)
@pytest.mark.parametrize(
    "route", ["licenses:license_detail", "licenses:license_export", "licenses:license_history"]
)
def test_license_page_export_and_history_survive_bad_query_parameters(
    partner_client, complete_license, route, params
):
    make_customer(license=complete_license, legal_name="Query Target Ltd")
    url = reverse(route, kwargs={"pk": complete_license.pk})
    before = db_state()
    response = partner_client.get(url, params)
    assert response.status_code in {200, 404}, response.status_code
    if response.get("Content-Type", "").startswith("text/html"):
        for value in params.values():
            if any(c in value for c in "<>\"'&"):
                assert value not in response.text
    assert db_state() == before


# --- names that only the database's case folding sees as the same ---------------------------

# "K" (KELVIN SIGN) lower-cases to "k" but upper-cases to itself: a case-insensitive comparison
# by UPPER (Django's iexact) misses the clash that the unique index on LOWER(legal_name) catches
# on PostgreSQL. SQLite folds ASCII only and accepts the name.
KELVIN = "\u212aelvin Labs"


def test_edit_to_a_name_only_the_unique_index_sees_as_taken_is_a_field_error(
    partner_client, edit_setup, complete_license
):
    make_customer(license=complete_license, tier_users=1, legal_name="kelvin labs")
    customer, url, form = edit_setup
    before = db_state()
    response = EditPage(partner_client, customer).post({**form, "legal_name": KELVIN})
    if connection.vendor == "sqlite":  # not the same name there
        assert response.status_code == 302
        assert CustomerAccount.objects.filter(legal_name=KELVIN).exists()
        return
    assert response.status_code == 200
    assert error_next_to(
        response.text, "legal_name", f"An active customer named “{KELVIN}” already exists."
    )
    assert db_state() == before


def test_onboarding_a_name_only_the_unique_index_sees_as_taken_returns_to_details(
    partner_client, complete_license, wizard_setup, django_capture_on_commit_callbacks
):
    make_customer(license=complete_license, tier_users=1, legal_name="kelvin labs")
    before = db_state()
    wizard = Wizard(partner_client, complete_license)
    wizard.run_virtual(legal_name=KELVIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = wizard.review()
    if connection.vendor == "sqlite":
        assert response.status_code == 302
        assert CustomerAccount.objects.filter(legal_name=KELVIN).exists()
        return
    assert response.status_code == 200
    assert current_step(response) == "details"
    assert error_next_to(
        response.text,
        "details-legal_name",
        f"An active customer named “{KELVIN}” already exists.",
    )
    assert db_state() == before
    assert mail.outbox == []
