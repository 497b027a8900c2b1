"""Every e-mail in its recipient's language: a French recipient's holds no English sentence.

Each kind of e-mail is made by the real service call, twice: for a partner whose logins read
English and for one whose logins read Canadian French (``Partner.language`` and each
``Membership.language``; lmp/partners/languages.py: the login's choice, else the partner's
default). The two messages' subjects, text bodies and HTML bodies are compared sentence by
sentence (tests/helpers/sentences.py, as tests/views/test_french_pages.py compares pages): a
French sentence identical to the English message's, names, addresses, numbers and codes apart,
was left untranslated. An HTML body says its language (``<html lang>``).

The customer's welcome follows the wizard's "Customer language" (``OnboardingRequest.language``,
given to the order as ``language``), not the partner's default.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from licenses.alerts import alerts_run
from licenses.services import license_threshold_set
from lmp.accounts import services as account_services
from lmp.billing.services import seats_purchase
from lmp.outbox.models import OutboundEmail
from lmp.partners import services as team_services
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership
from onboarding import services as onboarding_services
from onboarding.emails import customer_welcome_enqueue
from onboarding.models import OnboardingRequest, Shipment
from tests.factories import AddressFactory, MembershipFactory, UserFactory, make_customer
from tests.factories_onboarding import sensor_orders, submit_order
from tests.helpers.role_pages import ENGLISH, FRENCH
from tests.helpers.sentences import (
    data_names,
    html_lang,
    html_sentences,
    leftovers,
    report,
    text_sentences,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


class Side:
    """One partner whose logins all read ``language``: an Administrator, an Allocator, a
    Complete license and a default shipping address."""

    def __init__(self, partner, admin, allocator, license, language):
        self.partner, self.admin, self.allocator, self.license = partner, admin, allocator, license
        self.language = language
        AddressFactory(partner=partner, city="Montréal", postal_code="H2Y 1C6", is_default=True)
        self.speak(language)

    def speak(self, language: str) -> None:
        self.partner.language = language
        self.partner.save(update_fields=["language"])
        Membership.objects.filter(partner=self.partner).update(language=language)

    @property
    def addresses(self) -> set[str]:
        return set(
            Membership.objects.filter(partner=self.partner).values_list("user__email", flat=True)
        )


@pytest.fixture
def sides(partner, admin_user, user, complete_license, other_partner, other_license):
    """Northwind in English, Contoso in French."""
    chloe = MembershipFactory(
        partner=other_partner,
        user=UserFactory(username="chloe", first_name="Chloé"),
        role=PartnerRole.ADMINISTRATOR,
    ).user
    remi = MembershipFactory(
        partner=other_partner, user=UserFactory(username="remi", first_name="Rémi")
    ).user
    return {
        ENGLISH: Side(partner, admin_user, user, complete_license, ENGLISH),
        FRENCH: Side(other_partner, chloe, remi, other_license, FRENCH),
    }


def _made(since: int, *, to: set[str] | None = None) -> list[OutboundEmail]:
    rows = OutboundEmail.objects.filter(pk__gt=since).order_by("pk")
    return [row for row in rows if to is None or set(row.to) <= to]


def _last() -> int:
    return OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _sentences(email: OutboundEmail) -> list[str]:
    return [
        *text_sentences(email.subject),
        *text_sentences(email.body),
        *(html_sentences(email.html) if email.html else []),
    ]


def _order_with_sensor(side: Side, rack, **extra) -> OnboardingRequest:
    return submit_order(
        license=side.license,
        actor=side.allocator,
        legal_name=f"Érable Dental {side.language}",
        appliances=sensor_orders(rack),
        site_url="https://lmp.example",
        **extra,
    ).request


# Each kind: how to make one e-mail of it for a side; returns the e-mails it made for the side.
def _onboarding_order(side: Side, rack) -> list[OutboundEmail]:
    since = _last()
    _order_with_sensor(side, rack)
    return [e for e in _made(since) if side.allocator.email in e.to]


def _invitation(side: Side, rack) -> list[OutboundEmail]:
    since = _last()
    team_services.invitation_create(
        actor=side.admin,
        partner=side.partner,
        email=f"new-{side.language}@invitee.example",
        role="view_only",
        site_url="https://lmp.example",
    )
    return _made(since)


def _password_reset(side: Side, rack) -> list[OutboundEmail]:
    since = _last()
    account_services.password_reset_mail(
        email=side.allocator.email, domain="lmp.example", use_https=True
    )
    return _made(since)


def _purchase(side: Side, rack) -> list[OutboundEmail]:
    since = _last()
    seats_purchase(
        actor=side.admin,
        partner=side.partner,
        tier="complete",
        users=10,
        token=f"french-{side.language}",
        site_url="https://lmp.example",
    )
    return _made(since)


def _shipment(status: str):
    def make(side: Side, rack) -> list[OutboundEmail]:
        order = _order_with_sensor(side, rack)
        shipment = Shipment.objects.get(onboarding_request=order)
        onboarding_services.shipment_tracking_set(
            shipment=shipment, carrier="canada_post", tracking_number="1Z999AA10123456784"
        )
        since = _last()
        shipment = onboarding_services.shipment_mark_shipped(
            shipment=shipment, site_url="https://lmp.example"
        )
        if status == "delivered":
            since = _last()
            onboarding_services.shipment_mark_delivered(
                shipment=shipment, site_url="https://lmp.example"
            )
        return _made(since)

    return make


KINDS = {
    "onboarding order": _onboarding_order,
    "team invitation": _invitation,
    "password reset": _password_reset,
    "purchase confirmation": _purchase,
    "shipment shipped": _shipment("shipped"),
    "shipment delivered": _shipment("delivered"),
}


def _compare(kind: str, made: dict[str, list[OutboundEmail]]) -> None:
    for language, emails in made.items():
        assert len(emails) == 1, f"{kind} in {language}: {[(e.kind, e.to) for e in emails]}"
    english, french = made[ENGLISH][0], made[FRENCH][0]
    wrong = [
        f"{kind} in {language}: <html lang={html_lang(email.html)!r}>"
        for language, email in ((ENGLISH, english), (FRENCH, french))
        if email.html and html_lang(email.html) != language
    ]
    missed = leftovers(_sentences(french), _sentences(english), data_names())
    if missed:
        wrong.append(report({f"{kind} e-mail": missed}, limit=10_000))
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_email_is_in_its_recipients_language(kind, sides, rack):
    made = {language: KINDS[kind](side, rack) for language, side in sides.items()}
    _compare(kind, made)


def test_the_alerts_are_in_their_recipients_language(sides):
    """Renewal reminder (60 days before) and low seats, for both partners in one run each."""
    for side in sides.values():
        side.license.renewal_date = TODAY + dt.timedelta(days=60)
        side.license.save(update_fields=["renewal_date"])
    since = _last()
    alerts_run(today=TODAY, site_url="https://lmp.example")
    renewal = {language: _made(since, to=side.addresses) for language, side in sides.items()}
    for side in sides.values():
        side.license.renewal_date = TODAY + dt.timedelta(days=300)
        side.license.save(update_fields=["renewal_date"])
        license_threshold_set(
            actor=side.admin,
            partner=side.partner,
            license=side.license,
            threshold=100,
            unit="users",
        )
        make_customer(license=side.license, tier_users=side.license.seat_commitment - 50)
    since = _last()
    alerts_run(today=TODAY, site_url="https://lmp.example")
    low = {language: _made(since, to=side.addresses) for language, side in sides.items()}
    failures = []
    for kind, made in (("renewal alert", renewal), ("low seats alert", low)):
        try:
            _compare(kind, made)
        except AssertionError as error:
            failures.append(str(error))
    assert failures == [], "\n".join(failures)


def test_the_welcome_follows_the_wizards_customer_language(sides, rack):
    """The customer's administrator reads the welcome in the language chosen in the wizard,
    whatever the partner's: each side's partner (and its logins) reads the other language."""
    made = {}
    for language, side in sides.items():
        side.speak(FRENCH if language == ENGLISH else ENGLISH)
        since = _last()
        order = _order_with_sensor(side, rack, language=language)
        assert OnboardingRequest.objects.get(pk=order.pk).language == language
        made[language] = [e for e in _made(since) if e.to == [order.customer.admin_email]]
    _compare("onboarding welcome", made)
    # The Resend (Edit page, order page): in the order's language again.
    for language, side in sides.items():
        order = OnboardingRequest.objects.filter(partner=side.partner).latest("pk")
        since = _last()
        customer_welcome_enqueue(customer_id=order.customer_id)
        (again,) = _made(since)
        assert html_lang(again.html) == language
