"""The page's language: the browser's Accept-Language on a first visit, the switcher (login page
and menu), a member's own choice (account page), the partner's default (Team page, admin); the
API follows Accept-Language alone; e-mails go in the recipient's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from lmp.partners import services as team_services
from lmp.partners.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.helpers.auth import verified_login

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
SWITCH = reverse("accounts:language_set")
ACCOUNT = reverse("accounts:account")
TEAM = reverse("partners:team")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    text = response.content.decode()
    start = text.index("<html lang=") + len('<html lang="')
    return text[start : text.index('"', start)]


def test_a_first_visit_in_french_gets_the_french_login_page(client):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.8")
    assert html_lang(page) == "fr-ca"
    assert page.headers["Content-Language"] == "fr-ca"
    text = page.content.decode()
    assert "Portail de gestion des licences" in text
    assert "Mot de passe oublié?" in text
    assert "Forgot your password?" not in text
    # The switcher offers the other language, named in itself, with its lang.
    assert 'lang="en" class="btn btn-sm btn-link' in text and ">English</button>" in text
    assert ">Français</button>" not in text


def test_an_english_browser_gets_english(client):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-CA,en;q=0.9")
    assert html_lang(page) == "en"
    text = page.content.decode()
    assert "Forgot your password?" in text
    assert 'lang="fr-ca" class="btn btn-sm btn-link' in text and ">Français</button>" in text
    assert ">English</button>" not in text


def test_the_switcher_sets_the_cookie_and_the_next_page_is_french(client):
    response = client.post(SWITCH, {"language": "fr-ca", "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    cookie = response.cookies[COOKIE]
    assert cookie.value == "fr-ca"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en")  # the choice wins over the browser's
    assert html_lang(page) == "fr-ca"
    assert "Se connecter" in page.content.decode()
    # And back to English.
    client.post(SWITCH, {"language": "en", "next": LOGIN})
    assert html_lang(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr")) == "en"


def test_the_switcher_takes_post_only_and_refuses_an_unknown_language(client):
    assert client.get(SWITCH).status_code == 405
    response = client.post(SWITCH, {"language": "de", "next": LOGIN})
    assert response.status_code == 302 and COOKIE not in response.cookies


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "http://evil.example", "javascript:alert(1)"],
)
def test_the_switcher_refuses_an_off_site_next(client, next_url):
    response = client.post(SWITCH, {"language": "fr-ca", "next": next_url})
    assert response.status_code == 302
    assert "evil" not in response.url and not response.url.startswith("javascript")
    assert response.url == LOGIN


def test_a_signed_in_member_switching_saves_the_preference(admin_user):
    client = verified_login(Client(), admin_user)
    response = client.post(SWITCH, {"language": "fr-ca", "next": TEAM})
    assert response.status_code == 302 and response.url == TEAM
    assert Membership.objects.get(user=admin_user).language == "fr-ca"
    page = client.get(TEAM)
    assert html_lang(page) == "fr-ca"
    assert "Historique de l'équipe" in page.content.decode()


def test_a_members_choice_wins_over_the_cookie_and_the_partners_default(admin_user, partner):
    partner.language = "en"
    partner.save()
    Membership.objects.filter(user=admin_user).update(language="fr-ca")
    client = verified_login(Client(), admin_user)
    client.cookies[COOKIE] = "en"
    page = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(page) == "fr-ca"
    assert "Votre compte" in page.content.decode()


def test_a_member_who_chose_none_gets_the_partners_default(admin_user, partner):
    partner.language = "fr-ca"
    partner.save()
    client = verified_login(Client(), admin_user)
    page = client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(page) == "fr-ca"
    text = page.content.decode()
    # The account page's choice names the partner's default in its own language.
    assert "Langue par défaut du partenaire (Français)" in text
    assert '<option value="fr-ca" lang="fr-ca">Français</option>' in text


def test_the_account_page_saves_the_preference_and_the_partners_default_clears_it(admin_user):
    client = verified_login(Client(), admin_user)
    page = client.get(ACCOUNT)
    assert "The partner&#x27;s default (your browser&#x27;s language)" in page.content.decode()
    response = client.post(SWITCH, {"language": "fr-ca", "next": ACCOUNT, "from": "account"})
    assert response.url == ACCOUNT
    assert Membership.objects.get(user=admin_user).language == "fr-ca"
    page = client.get(ACCOUNT)
    assert "Votre préférence de langue est enregistrée." in page.content.decode()
    response = client.post(SWITCH, {"language": "", "next": ACCOUNT, "from": "account"})
    assert Membership.objects.get(user=admin_user).language == ""
    assert response.cookies[COOKIE].value == ""  # deleted: the partner's default applies
    assert html_lang(client.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")) == "en"


def test_staff_get_the_cookie_only(staff_user):
    client = verified_login(Client(), staff_user)
    response = client.post(SWITCH, {"language": "fr-ca", "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert response.cookies[COOKIE].value == "fr-ca"
    assert not Membership.objects.filter(user=staff_user).exists()


def test_the_api_ignores_the_cookie_and_follows_accept_language(client):
    client.cookies[COOKIE] = "fr-ca"
    response = client.get("/api/v1/licenses/")
    assert response.headers["Content-Language"] == "en"
    response = client.get("/api/v1/licenses/", HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert response.headers["Content-Language"] == "fr-ca"


def test_administrators_set_the_partners_default_language_on_the_team_page(
    admin_user, partner, user
):
    client = verified_login(Client(), admin_user)
    page = client.get(TEAM).content.decode()
    assert 'action="/team/language/"' in page
    response = client.post(reverse("partners:language"), {"language": "fr-ca"})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.language == "fr-ca"
    event = partner.team_events.first()
    assert (event.from_text, event.to_text) == (
        "Each browser's language",
        "Default language: French",
    )
    # A member who chose none now reads French.
    member = verified_login(Client(), user)
    assert html_lang(member.get(ACCOUNT, HTTP_ACCEPT_LANGUAGE="en")) == "fr-ca"
    # The history shows the stored English texts in the reader's language.
    assert "Langue par défaut\u00a0: français" in client.get(TEAM).content.decode()


def test_only_administrators_set_the_partners_default_language(user, partner):
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="vic"), role="view_only"
    ).user
    for login in (user, viewer):
        client = verified_login(Client(), login)
        assert client.post(reverse("partners:language"), {"language": "fr-ca"}).status_code == 403
    partner.refresh_from_db()
    assert partner.language == ""


def test_staff_edit_the_partners_default_language_in_the_admin(staff_client, partner):
    page = staff_client.get(reverse("admin:partners_partner_change", args=[partner.pk]))
    assert page.status_code == 200
    assert 'name="language"' in page.content.decode()


def test_the_invitation_goes_in_the_partners_default_language(
    admin_user, partner, mailoutbox, django_capture_on_commit_callbacks
):
    partner.language = "fr-ca"
    partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        team_services.invitation_create(
            actor=admin_user, partner=partner, email="new@northwind.example", role="view_only"
        )
    message = mailoutbox[-1]
    assert message.subject.startswith("Vous êtes invité à rejoindre")
    assert "Lecture seule" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="fr-ca">' in html
    # The stored history stays in English.
    assert partner.team_events.first().to_text == "View Only"


def test_the_password_reset_goes_in_the_logins_language(
    client, user, mailoutbox, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=user).update(language="fr-ca")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": user.email})
    message = mailoutbox[-1]
    assert message.subject == "Réinitialisez votre mot de passe du Portail de gestion des licences"
    assert "Bonjour" in message.body


def test_switching_on_a_page_answered_to_a_refused_form_goes_back_to_a_page_that_opens(
    admin_user,
):
    # Regression: the switcher sent back to the URL the form was posted to; /team/invitations/
    # takes POST only, so switching language after a refused invitation ended on a 405.
    client = verified_login(Client(), admin_user)
    refused = client.post(
        reverse("partners:invitation_create"),
        {"email": admin_user.email, "role": "view_only"},
        HTTP_REFERER=f"http://testserver{TEAM}",
    )
    assert refused.status_code == 200
    text = refused.content.decode()
    start = text.index('name="next" value="') + len('name="next" value="')
    next_url = text[start : text.index('"', start)]
    switched = client.post(SWITCH, {"language": "fr-ca", "next": next_url})
    assert client.get(switched.url).status_code == 200


def test_a_language_refused_with_q_0_is_not_chosen(client):
    # Regression: "fr-CA;q=0" (explicitly not French) chose French.
    assert html_lang(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr-CA;q=0")) == "en"
    assert html_lang(client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr-CA;q=0, fr;q=0.4")) == "fr-ca"
