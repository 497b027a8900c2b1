"""E-mails in each recipient's language (lmp.partners.languages.by_language): the recipient's
own active login decides, matched exactly, its partner's first."""

from __future__ import annotations

from lmp.partners import languages
from tests.factories import MembershipFactory, PartnerFactory, UserFactory


def member(partner, username: str, email: str, language: str = "", active: bool = True):
    user = UserFactory(username=username, email=email, is_active=active)
    return MembershipFactory(partner=partner, user=user, language=language)


def test_an_old_inactive_login_of_the_same_address_elsewhere_does_not_decide(db):
    # Regression: the last row of any partner, active or not, decided: Alice got French.
    acme = PartnerFactory(name="Acme MSP")
    member(acme, "alice", "alice@x.example", "en")
    member(PartnerFactory(name="Zeta MSP"), "old-alice", "alice@x.example", "fr-ca", active=False)
    assert languages.by_language(["alice@x.example"], partner=acme) == {"en": ["alice@x.example"]}


def test_the_partners_own_login_wins_over_another_partners(db):
    acme = PartnerFactory(name="Acme MSP")
    member(acme, "bob-acme", "bob@x.example", "fr-ca")
    member(PartnerFactory(name="Zeta MSP"), "bob-zeta", "bob@x.example", "en")
    assert languages.by_language(["bob@x.example"], partner=acme) == {"fr-ca": ["bob@x.example"]}


def test_two_logins_differing_in_case_each_get_their_own_language(db):
    # Regression: the addresses were folded to lower case: the French one got English.
    acme = PartnerFactory(name="Acme MSP")
    member(acme, "bob1", "bob@x.example", "fr-ca")
    member(acme, "bob2", "Bob@x.example", "en")
    assert languages.by_language(["bob@x.example", "Bob@x.example"], partner=acme) == {
        "en": ["Bob@x.example"],
        "fr-ca": ["bob@x.example"],
    }


def test_an_address_of_no_login_reads_the_partners_default(db):
    acme = PartnerFactory(name="Acme MSP", language="fr-ca")
    member(acme, "carol", "carol@x.example")  # chose none: the partner's default
    assert languages.by_language(["new@x.example", "carol@x.example"], partner=acme) == {
        "fr-ca": ["new@x.example", "carol@x.example"]
    }
    assert languages.by_language(["new@x.example"]) == {"en": ["new@x.example"]}
