"""Every page in Canadian French: no sentence of a French page is its English render's (issue 22).

Each route of the role matrix (tests/policy/test_roles.py: the routes of the URLconf, walked by
``tests.helpers.routes.all_routes``) is opened by each role; the pages a role gets (200, HTML)
are rendered in English and in French (the switcher's cookie and Accept-Language), their
sentences compared (``tests.helpers.sentences``): a French sentence identical to one of the
English page's, and not language-neutral (names from the data, addresses, numbers, dates, codes,
product names, a short reviewed list of words), is a string left untranslated. The pages also
say their language: ``<html lang>`` and ``Content-Language``.

The same for the wizard's steps (a run of each language walked side by side), the error pages,
and the Django admin pages of our own models as staff see them (Django's own admin is already
translated; our labels, actions and help texts must be too).
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import _boolean_icon
from django.template.loader import get_template
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import capfirst

from lmp.partners.choices import PartnerRole
from tests.factories_onboarding import Wizard
from tests.helpers.auth import verified_login
from tests.helpers.role_pages import (
    ENGLISH,
    FRENCH,
    ROLES,
    in_language,
    role_logins,
    route_url,
    signed_in,
    team_objects,
)
from tests.helpers.routes import all_routes
from tests.helpers.sentences import data_names, html_lang, html_sentences, leftovers, report

pytestmark = pytest.mark.django_db

# Our own code's packages: their admin classes' labels are ours to translate.
OUR_PACKAGES = ("lmp.", "licenses.", "onboarding.", "shipping.")


def _is_html(response) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")


def carrier_names() -> list[str]:
    """The carriers' brand names (FedEx, Purolator…): the choices' labels that are the same in
    both languages, read from the choices (a label we translate, Canada Post, is not a name)."""
    from shipping.choices import Carrier

    labels = {}
    for language in (ENGLISH, FRENCH):
        with translation.override(language):
            labels[language] = [str(label) for label in Carrier.labels]
    return [en for en, fr in zip(labels[ENGLISH], labels[FRENCH], strict=True) if en == fr]


class Comparison:
    """Pairs of renders (English, French) of the same page, and what they showed."""

    def __init__(self):
        self.names = data_names() + carrier_names()
        self.found: dict[str, list[str]] = {}
        self.wrong_language: list[str] = []
        self.renders = 0

    def compare(self, where: str, english, french) -> None:
        self.renders += 2
        for response, language in ((english, ENGLISH), (french, FRENCH)):
            lang = html_lang(response.text)
            header = response.get("Content-Language")
            if lang != language or header != language:
                self.wrong_language.append(
                    f"{where} in {language}: <html lang={lang!r}>, Content-Language {header!r}"
                )
        if french.status_code != english.status_code:
            self.wrong_language.append(
                f"{where}: {english.status_code} in English, {french.status_code} in French"
            )
        missed = leftovers(html_sentences(french.text), html_sentences(english.text), self.names)
        if missed:
            self.found[where] = missed

    def assert_french(self) -> None:
        assert self.wrong_language == [], "\n".join(self.wrong_language)
        assert self.found == {}, report(self.found, limit=20_000)


@pytest.fixture
def logins(partner, admin_user, user):
    return role_logins(partner, admin_user, user)


@pytest.fixture
def team(partner, admin_user):
    return team_objects(partner, admin_user)


def test_every_page_a_role_opens_is_french_in_french(world, team, logins):
    """Routes × roles that answer 200 (HTML), each rendered in English and in French."""
    comparison = Comparison()
    pages = set()
    for route in all_routes():
        url = route_url(route, world, team)
        for role in ROLES:
            english = signed_in(logins[role], role, ENGLISH).get(url)
            if not _is_html(english):
                continue  # a redirect, a refusal, the export (tests/services), the JS catalogue
            french = signed_in(logins[role], role, FRENCH).get(url)
            comparison.compare(f"{route.name} as {PartnerRole(role).label}", english, french)
            pages.add(route.name)
    # The figure the note gives.
    print(  # noqa: T201
        f"\nFrench pages: {len(pages)} routes, {comparison.renders // 2} route × role pairs "
        f"× 2 languages = {comparison.renders} renders"
    )
    assert len(pages) >= 30, sorted(pages)
    comparison.assert_french()


def test_every_wizard_step_is_french_in_french(partner, user, complete_license, rack):
    """Two runs of the wizard, one per language, walked side by side: every step's page."""
    from tests.factories import AddressFactory

    AddressFactory(partner=partner, city="Toronto", postal_code="M5H 3T4", is_default=True)
    comparison = Comparison()
    runs = {
        language: Wizard(signed_in(user, PartnerRole.ALLOCATOR, language), complete_license)
        for language in (ENGLISH, FRENCH)
    }
    steps = {
        "incident": lambda w: w.start(),
        "details": lambda w: w.incident(),
        "deployment": lambda w: w.details(language="fr-ca"),
        "shipping": lambda w: w.sensors(rack),
        "review": lambda w: w.ship_default(),
        "details (errors)": lambda w: w.post("details", {"legal_name": "", "tier_users": "-1"}),
    }
    # What the wizard's helper types (a legal name kept in the draft until submitted) is data.
    comparison.names += [Wizard.DETAILS["legal_name"]]
    for step, go in steps.items():
        english, french = go(runs[ENGLISH]), go(runs[FRENCH])
        assert english.status_code == 200, (step, english.status_code)
        comparison.compare(f"wizard step {step}", english, french)
    comparison.assert_french()


def test_the_error_pages_are_french_in_french(world, logins, team):
    """403 (a role refused), 404 (no such page): the partner's error pages."""
    comparison = Comparison()
    allocator = logins[PartnerRole.ALLOCATOR]
    for where, url, status in (
        ("403 page", reverse("partners:team"), 403),
        ("404 page", "/licenses/999999/", 404),
        ("404 page (unknown URL)", "/no-such-page/", 404),
    ):
        english = signed_in(allocator, PartnerRole.ALLOCATOR, ENGLISH).get(url)
        french = signed_in(allocator, PartnerRole.ALLOCATOR, FRENCH).get(url)
        assert english.status_code == status, (where, english.status_code)
        comparison.compare(where, english, french)
    comparison.assert_french()


def _ours(app_config) -> bool:
    return f"{app_config.name}.".startswith(OUR_PACKAGES)


def not_our_admin_labels() -> list[str]:
    """What our admin pages show in French that is not ours to translate, derived, not listed:

    - the names (app, model singular and plural, as the admin capitalises them) of the models in
      the admin whose app is not one of our packages (``AppConfig.name``): django_otp's static and
      TOTP devices, django_tasks_db's task results, auth's users and groups (Django translates
      those; a third-party app without French shows English), as they read in French;
    - the Django admin's own untranslated alternative texts: a boolean's icon (``True``,
      ``False``, ``None``, from ``_boolean_icon``) and the search box's magnifier (``alt`` written
      as is in ``admin/search_form.html``).
    """
    labels: set[str] = set()
    with translation.override(FRENCH):
        for model in admin.site._registry:
            app_config = apps.get_app_config(model._meta.app_label)
            if _ours(app_config):
                continue
            for label in (
                app_config.verbose_name,
                model._meta.verbose_name,
                model._meta.verbose_name_plural,
            ):
                labels |= {str(label), capfirst(str(label))}
    for value in (True, False, None):
        labels.add(re.search(r'alt="([^"]*)"', _boolean_icon(value))[1])
    search_form = get_template("admin/search_form.html").template.source
    labels |= set(re.findall(r'alt="([^"{]+)"', search_form))
    return sorted(labels)


def outbox_texts() -> list[str]:
    """The outgoing e-mails' kinds (identifiers such as "onboarding welcome") and subjects, as
    they were sent (in their recipients' language): data the outbox's admin lists."""
    from lmp.outbox.models import OutboundEmail

    texts: list[str] = []
    for kind, subject in OutboundEmail.objects.values_list("kind", "subject"):
        texts += [kind, subject]
    return texts


def _our_admin_urls() -> list[tuple[str, str]]:
    urls = [("admin index", reverse("admin:index"))]
    for model, model_admin in admin.site._registry.items():
        if not type(model_admin).__module__.startswith(OUR_PACKAGES):
            continue
        meta = model._meta
        for page in ("changelist", "add"):
            try:
                urls.append(
                    (
                        f"admin {meta.app_label}.{meta.model_name} {page}",
                        reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}"),
                    )
                )
            except NoReverseMatch:
                continue
    return urls


def test_our_admin_pages_are_french_in_french(world, staff_user):
    """The admin index and each of our models' changelist and add page, as staff (a 403 add
    page, for a model staff may not add, is left out).

    Labels that come from apps that are not ours (the third-party apps' menu entries on every
    page, Django's own untranslated icon texts) are taken out: ``not_our_admin_labels``, derived
    from the app registry and the admin, not a hand-written list; so are the e-mails the outbox
    lists (``outbox_texts``: data, in the language each was sent in)."""
    comparison = Comparison()
    comparison.names += not_our_admin_labels() + outbox_texts()
    clients = {
        language: verified_login(in_language(Client(), language), staff_user)
        for language in (ENGLISH, FRENCH)
    }
    for where, url in _our_admin_urls():
        english = clients[ENGLISH].get(url)
        if not _is_html(english):
            continue
        comparison.compare(where, english, clients[FRENCH].get(url))
    print(f"\nFrench admin pages: {comparison.renders} renders")  # noqa: T201
    assert comparison.renders >= 20
    comparison.assert_french()


def test_the_check_tells_names_and_figures_from_words():
    """What the comparison lets through (the same in both languages) and what it catches."""
    names = ["Alpha Secret Dental", "sam", "Northwind MSP"]
    page = (
        '<html lang="fr-ca"><head><title>Licences · LMP</title><style>p{}</style></head><body>'
        '<a aria-label="Main">Alpha Secret Dental</a><p>sam@example.com</p><p>1 990</p>'
        "<p>LMP-2026-000001</p><p>MDR Complete</p><p>Total</p><p>customer.onboarded</p>"
        '<input type="submit" value="Save"><script>gettext("Log in")</script>'
        "<p>Same as sam. Seats left: 12.</p></body></html>"
    )
    sentences = html_sentences(page)
    assert "Log in" not in sentences and "p{}" not in sentences
    assert html_lang(page) == "fr-ca"
    # Everything is "identical to English" here: only the words are reported.
    assert leftovers(sentences, sentences, names) == [
        "Licences",
        "Main",
        "Save",
        "Same as sam.",
        "Seats left: 12.",
    ]
