"""The Team page: members, roles, deactivation, invitations by e-mail, the last Administrator,
history.

Services are tested for what they change and their exact messages; pages for what an
Administrator sees and that every other role gets 403 with nothing changed; the invitation link
from the e-mail for each state it can be in; and, on PostgreSQL, two Administrators demoting each
other at the same moment.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from lmp.partners import services
from lmp.partners.choices import InvitationStatus, PartnerRole, TeamEventKind
from lmp.partners.models import Invitation, Membership, TeamEvent
from lmp.partners.selectors import invitation_for_token, invitation_token
from tests.factories import MembershipFactory, PartnerFactory, UserFactory
from tests.helpers.admin_site import staff_posts_user_form, user_admin_url
from tests.helpers.auth import PASSWORD, totp_device, verified_login
from tests.helpers.state import db_state, error_next_to

User = get_user_model()
TEAM = reverse("partners:team")
INVITE = reverse("partners:invitation_create")
NEW_PASSWORD = "Kestrel-Harbour-2026"
OTHER_ROLES = [
    PartnerRole.ALLOCATOR,
    PartnerRole.VIEW_ONLY,
    PartnerRole.BANK_DETAILS_ONLY,
]


def member(partner, username: str, role: str = PartnerRole.ALLOCATOR, **user_fields) -> Membership:
    return MembershipFactory(
        partner=partner, user=UserFactory(username=username, **user_fields), role=role
    )


def admin_of(partner, username: str = "robin") -> Membership:
    return member(partner, username, PartnerRole.ADMINISTRATOR)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def users_state() -> list[tuple]:
    return list(User.objects.order_by("pk").values_list("pk", "username", "is_active", "password"))


def link_in(message) -> str:
    """The path of the invitation link in an e-mail's text."""
    found = re.search(r"https?://[^/\s]+(/team/join/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


@pytest.fixture
def sam(admin_user):
    return admin_user.membership


@pytest.fixture
def alex(user):
    return user.membership


def invite(actor, partner, email="new.person@northwind.example", role=PartnerRole.VIEW_ONLY):
    return services.invitation_create(
        actor=actor, partner=partner, email=email, role=role, site_url="https://lmp.example/"
    )


# --- services: roles ---------------------------------------------------------------------------


def test_role_change_is_saved_and_recorded(admin_user, alex):
    services.member_role_set(actor=admin_user, membership=alex, role=PartnerRole.VIEW_ONLY)

    alex.refresh_from_db()
    assert alex.role == PartnerRole.VIEW_ONLY
    event = TeamEvent.objects.get()
    assert (event.kind, event.actor, event.member, event.email) == (
        TeamEventKind.ROLE_CHANGED,
        admin_user,
        alex.user,
        "alex@example.com",
    )
    assert (event.from_text, event.to_text) == ("Allocator", "View Only")


def test_the_same_role_again_changes_and_records_nothing(admin_user, alex):
    services.member_role_set(actor=admin_user, membership=alex, role=PartnerRole.ALLOCATOR)
    assert not TeamEvent.objects.exists()


def test_the_last_administrator_cannot_be_demoted(admin_user, sam, partner):
    with pytest.raises(ValidationError) as refused:
        services.member_role_set(actor=admin_user, membership=sam, role=PartnerRole.ALLOCATOR)

    assert refused.value.message_dict == {
        "role": [
            "sam is the last active Administrator of Northwind MSP: "
            "make another member an Administrator first."
        ]
    }
    sam.refresh_from_db()
    assert sam.role == PartnerRole.ADMINISTRATOR
    assert not TeamEvent.objects.exists()


def test_an_administrator_may_step_down_when_another_remains(admin_user, sam, partner):
    robin = admin_of(partner)
    services.member_role_set(actor=admin_user, membership=sam, role=PartnerRole.ALLOCATOR)
    sam.refresh_from_db()
    assert sam.role == PartnerRole.ALLOCATOR
    # Robin is now the last one.
    with pytest.raises(ValidationError, match="robin is the last active Administrator"):
        services.member_role_set(actor=robin.user, membership=robin, role=PartnerRole.VIEW_ONLY)


def test_a_deactivated_administrator_does_not_count(admin_user, sam, partner):
    robin = admin_of(partner)
    services.member_deactivate(actor=admin_user, membership=robin)
    with pytest.raises(ValidationError, match="sam is the last active Administrator"):
        services.member_role_set(actor=admin_user, membership=sam, role=PartnerRole.VIEW_ONLY)


def test_other_roles_may_not_change_the_team(user, alex, partner):
    victim = member(partner, "casey")
    for role in OTHER_ROLES:
        alex.role = role
        alex.save()
        user.refresh_from_db()
        with pytest.raises(PermissionDenied):
            services.member_role_set(actor=user, membership=victim, role=PartnerRole.ADMINISTRATOR)
        with pytest.raises(PermissionDenied):
            services.member_deactivate(actor=user, membership=victim)
        with pytest.raises(PermissionDenied):
            invite(user, partner)
    victim.refresh_from_db()
    assert victim.role == PartnerRole.ALLOCATOR and victim.user.is_active
    assert not TeamEvent.objects.exists() and not Invitation.objects.exists()


def test_an_administrator_of_another_partner_may_not_change_this_team(alex, other_partner):
    stranger = admin_of(other_partner, "morgan").user
    with pytest.raises(PermissionDenied):
        services.member_role_set(actor=stranger, membership=alex, role=PartnerRole.VIEW_ONLY)
    alex.refresh_from_db()
    assert alex.role == PartnerRole.ALLOCATOR


# --- services: deactivation ----------------------------------------------------------------------


def test_deactivating_stops_sign_in_and_open_sessions(admin_user, alex, user):
    session = Client()
    session.force_login(user)
    assert session.get(reverse("licenses:license_list")).status_code == 200

    services.member_deactivate(actor=admin_user, membership=alex)

    user.refresh_from_db()
    assert user.is_active is False
    event = TeamEvent.objects.get()
    assert (event.kind, event.from_text, event.to_text) == (
        TeamEventKind.DEACTIVATED,
        "Active",
        "Deactivated",
    )
    # The open session no longer works, and the password no longer signs in.
    assert session.get(reverse("licenses:license_list")).status_code == 302
    login = Client().post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in login.client.session

    services.member_reactivate(actor=admin_user, membership=alex)
    user.refresh_from_db()
    assert user.is_active is True
    assert TeamEvent.objects.first().kind == TeamEventKind.REACTIVATED
    login = Client().post(reverse("login"), {"username": "alex", "password": PASSWORD})
    assert login.status_code == 302


def test_nobody_deactivates_their_own_login(admin_user, sam, partner):
    admin_of(partner)
    with pytest.raises(ValidationError) as refused:
        services.member_deactivate(actor=admin_user, membership=sam)
    assert refused.value.messages == ["You cannot deactivate your own login."]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_last_administrator_cannot_be_deactivated(staff_user, sam):
    with pytest.raises(ValidationError) as refused:
        services.member_deactivate(actor=staff_user, membership=sam)
    assert refused.value.messages == [
        "sam is the last active Administrator of Northwind MSP: "
        "make another member an Administrator first."
    ]


def test_deactivating_twice_or_reactivating_an_active_login_says_so(admin_user, alex):
    services.member_deactivate(actor=admin_user, membership=alex)
    with pytest.raises(ValidationError, match="^.*alex is already deactivated.*$"):
        services.member_deactivate(actor=admin_user, membership=alex)
    services.member_reactivate(actor=admin_user, membership=alex)
    with pytest.raises(ValidationError) as refused:
        services.member_reactivate(actor=admin_user, membership=alex)
    assert refused.value.messages == ["alex is already active."]


# --- services: invitations -----------------------------------------------------------------------


def test_an_invitation_is_saved_recorded_and_mailed_once_committed(
    admin_user, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(admin_user, partner, email="New.Person@Northwind.example")
    assert mail.outbox == []  # not before the commit
    for callback in callbacks:
        callback()

    assert invitation.email == "New.Person@northwind.example"
    assert invitation.role == PartnerRole.VIEW_ONLY
    assert invitation.invited_by == admin_user
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert invitation.status == InvitationStatus.PENDING
    event = TeamEvent.objects.get()
    assert (event.kind, event.email, event.to_text, event.actor) == (
        TeamEventKind.INVITED,
        "New.Person@northwind.example",
        "View Only",
        admin_user,
    )
    (message,) = mail.outbox
    assert message.to == ["New.Person@northwind.example"]
    assert message.subject == (
        "You are invited to join Northwind MSP in the License Management Portal"
    )
    assert "as View Only" in message.body
    url = link_in(message)
    assert f"https://lmp.example{url}" in message.body
    assert f'href="https://lmp.example{url}"' in message.alternatives[0][0]
    assert invitation_for_token(url.split("/")[3]) == (invitation, InvitationStatus.PENDING)


def test_an_address_with_a_login_is_refused_whatever_its_case(admin_user, partner, other_user):
    with pytest.raises(ValidationError) as refused:
        invite(admin_user, partner, email="JORDAN@example.com")
    assert refused.value.message_dict == {"email": ["JORDAN@example.com already has a login."]}
    assert not Invitation.objects.exists()


def test_one_pending_invitation_per_address(admin_user, partner):
    first = invite(admin_user, partner)
    with pytest.raises(ValidationError) as refused:
        invite(admin_user, partner, email="NEW.person@northwind.example")
    expires = timezone.localtime(first.expires_at)
    assert refused.value.message_dict == {
        "email": [
            f"NEW.person@northwind.example already has a pending invitation (it expires on "
            f"{expires:%b} {expires.day}, {expires.year}): revoke it to send a new one."
        ]
    }
    # Another partner may invite the same address.
    other_admin = admin_of(PartnerFactory(name="Fabrikam"), "lee").user
    invite(other_admin, other_admin.membership.partner)
    # Revoked or expired, a new invitation may go out (an expired one is replaced).
    services.invitation_revoke(actor=admin_user, invitation=first)
    second = invite(admin_user, partner)
    Invitation.objects.filter(pk=second.pk).update(expires_at=timezone.now())
    third = invite(admin_user, partner)
    second.refresh_from_db()
    assert second.revoked_at is not None and third.status == InvitationStatus.PENDING


def test_the_database_keeps_one_pending_invitation_per_address(admin_user, partner):
    from django.db import IntegrityError, transaction

    first = invite(admin_user, partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            partner=partner, email=first.email.upper(), role=PartnerRole.ALLOCATOR
        )


def test_revoking_records_it_and_cannot_be_done_twice(admin_user, partner):
    invitation = invite(admin_user, partner)
    services.invitation_revoke(actor=admin_user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    event = TeamEvent.objects.first()
    assert (event.kind, event.email, event.from_text) == (
        TeamEventKind.INVITATION_REVOKED,
        "new.person@northwind.example",
        "View Only",
    )
    with pytest.raises(ValidationError) as refused:
        services.invitation_revoke(actor=admin_user, invitation=invitation)
    assert refused.value.messages == [
        "The invitation of new.person@northwind.example has already been revoked."
    ]


def test_accepting_makes_a_login_with_the_invited_role_once(admin_user, partner):
    invitation = invite(admin_user, partner, role=PartnerRole.VIEW_ONLY)
    user = services.invitation_accept(
        invitation=invitation, first_name=" Kim ", last_name="Lee", password=NEW_PASSWORD
    )

    assert (user.username, user.email, user.first_name, user.last_name) == (
        "new.person@northwind.example",
        "new.person@northwind.example",
        "Kim",
        "Lee",
    )
    assert user.check_password(NEW_PASSWORD)
    assert (user.membership.partner, user.membership.role) == (partner, PartnerRole.VIEW_ONLY)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.status == InvitationStatus.ACCEPTED
    joined = TeamEvent.objects.first()
    assert (joined.kind, joined.actor, joined.member, joined.to_text) == (
        TeamEventKind.JOINED,
        user,
        user,
        "View Only",
    )
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(
            invitation=invitation, first_name="Eve", last_name="X", password=NEW_PASSWORD
        )
    assert refused.value.messages == ["This invitation has already been used."]
    assert User.objects.filter(username__iexact=invitation.email).count() == 1


def test_accepting_checks_the_password_with_djangos_validators(admin_user, partner):
    invitation = invite(admin_user, partner)
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(
            invitation=invitation, first_name="Kim", last_name="Lee", password="password"
        )
    assert refused.value.message_dict == {"password1": ["This password is too common."]}
    assert not User.objects.filter(username=invitation.email).exists()


def test_an_expired_invitation_cannot_be_accepted(admin_user, partner):
    invitation = invite(admin_user, partner)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(
            invitation=invitation, first_name="Kim", last_name="Lee", password=NEW_PASSWORD
        )
    assert refused.value.messages == ["This invitation has expired: invitations work for 7 days."]


# --- the Team page -------------------------------------------------------------------------------


def test_the_team_page_lists_members_with_role_status_sign_in_and_mfa(
    administrator_client, admin_user, partner, alex, other_user, django_assert_max_num_queries
):
    for n in range(8):
        m = member(partner, f"member{n}", first_name=f"Member{n}", last_name="Doe")
        if n % 2:
            totp_device(m.user)
    totp_device(alex.user, confirmed=False)  # enrolment not finished: not on
    User.objects.filter(pk=alex.user_id).update(last_login=timezone.now())
    casey = member(partner, "casey", PartnerRole.BANK_DETAILS_ONLY)
    casey.user.is_active = False
    casey.user.save()

    # Six today (session, user, its device, members, invitations, history), whatever the team's
    # size; a little room for the second-factor check.
    with django_assert_max_num_queries(8):
        response = administrator_client.get(TEAM)

    assert response.status_code == 200
    text = response.text
    assert 'href="/team/"' in text and ">Team</a>" in text  # the nav item
    rows = dict(re.findall(r'<tr data-member="(\d+)">(.*?)</tr>', text, re.S))
    assert len(rows) == 11  # sam, alex, casey and eight more; not the other partner's login
    assert "jordan" not in text
    alex_row = rows[str(alex.pk)]
    assert "alex@example.com" in alex_row and "Not set up" in alex_row
    assert '<option value="allocator" selected>Allocator</option>' in alex_row
    assert (
        date_format(
            timezone.localtime(User.objects.get(pk=alex.user_id).last_login), "DATETIME_FORMAT"
        )
        in alex_row
    )
    assert "Active" in alex_row and "Deactivate" in alex_row
    sam_row = rows[str(admin_user.membership.pk)]
    assert ">On<" in sam_row and "you" in sam_row
    assert "Never" in rows[str(casey.pk)]  # never signed in
    assert "Deactivate" not in sam_row  # not one's own login
    casey_row = rows[str(casey.pk)]
    assert "Deactivated" in casey_row and "Reactivate" in casey_row


def test_other_roles_do_not_see_the_team_nav_item(partner_client):
    response = partner_client.get(reverse("licenses:license_list"))
    assert response.status_code == 200
    assert 'href="/team/"' not in response.text


def test_changing_a_role_on_the_page(administrator_client, alex):
    url = reverse("partners:member_role", kwargs={"pk": alex.pk})
    response = administrator_client.post(url, {"role": PartnerRole.VIEW_ONLY}, follow=True)

    assert response.redirect_chain == [(TEAM, 302)]
    assert page_messages(response) == ["alex's role changed from Allocator to View Only."]
    alex.refresh_from_db()
    assert alex.role == PartnerRole.VIEW_ONLY
    history = response.text[response.text.index('id="team-history"') :]
    assert "Role changed" in history and "Allocator → View Only" in history and "sam" in history
    event = TeamEvent.objects.get()
    assert date_format(timezone.localtime(event.at), "DATETIME_FORMAT") in history


def test_an_administrator_stepping_down_goes_to_the_home_page(administrator_client, sam, partner):
    admin_of(partner)
    url = reverse("partners:member_role", kwargs={"pk": sam.pk})
    response = administrator_client.post(url, {"role": PartnerRole.ALLOCATOR})
    assert response.status_code == 302 and response.url == reverse("home")
    sam.refresh_from_db()
    assert sam.role == PartnerRole.ALLOCATOR
    assert administrator_client.get(TEAM).status_code == 403


def test_demoting_the_last_administrator_on_the_page_is_refused(administrator_client, sam):
    before = db_state()
    url = reverse("partners:member_role", kwargs={"pk": sam.pk})
    response = administrator_client.post(url, {"role": PartnerRole.ALLOCATOR}, follow=True)
    assert response.redirect_chain == [(TEAM, 302)]
    assert page_messages(response) == [
        "sam is the last active Administrator of Northwind MSP: "
        "make another member an Administrator first."
    ]
    assert db_state() == before


def test_a_role_that_does_not_exist_is_refused(administrator_client, alex):
    before = db_state()
    url = reverse("partners:member_role", kwargs={"pk": alex.pk})
    response = administrator_client.post(url, {"role": "owner"}, follow=True)
    assert page_messages(response) == ["Choose one of the roles."]
    assert db_state() == before


def test_deactivating_and_reactivating_on_the_page(administrator_client, alex):
    url = reverse("partners:member_deactivate", kwargs={"pk": alex.pk})
    confirm = administrator_client.get(url)
    assert confirm.status_code == 200
    assert "Deactivate alex?" in confirm.text
    assert "will no longer be able to sign in" in confirm.text
    alex.user.refresh_from_db()
    assert alex.user.is_active  # the confirmation page changes nothing

    response = administrator_client.post(url, follow=True)
    assert response.redirect_chain == [(TEAM, 302)]
    assert page_messages(response) == ["alex is deactivated: that login can no longer sign in."]
    alex.user.refresh_from_db()
    assert not alex.user.is_active

    again = reverse("partners:member_reactivate", kwargs={"pk": alex.pk})
    confirm = administrator_client.get(again)
    assert confirm.status_code == 200 and "Reactivate alex?" in confirm.text
    response = administrator_client.post(again, follow=True)
    assert page_messages(response) == ["alex is active again and can sign in."]
    alex.user.refresh_from_db()
    assert alex.user.is_active
    history = response.text[response.text.index('id="team-history"') :]
    assert "Deactivated" in history and "Reactivated" in history


def test_deactivating_oneself_on_the_page_is_refused(administrator_client, sam, partner):
    admin_of(partner)
    url = reverse("partners:member_deactivate", kwargs={"pk": sam.pk})
    confirm = administrator_client.get(url)
    assert "You cannot deactivate your own login." in confirm.text
    assert ">Deactivate</button>" not in confirm.text
    before, users = db_state(), users_state()
    response = administrator_client.post(url, follow=True)
    assert page_messages(response) == ["You cannot deactivate your own login."]
    assert (db_state(), users_state()) == (before, users)


def test_inviting_on_the_page_sends_the_link(
    administrator_client, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = administrator_client.post(
            INVITE, {"email": "kim@northwind.example", "role": PartnerRole.ALLOCATOR}, follow=True
        )
    assert response.redirect_chain == [(TEAM, 302)]
    assert page_messages(response) == [
        "Invitation sent to kim@northwind.example as Allocator: the link works for 7 days."
    ]
    invitations = response.text[response.text.index('id="team-invitations"') :]
    assert "kim@northwind.example" in invitations and "as Allocator" in invitations
    (message,) = mail.outbox
    assert message.to == ["kim@northwind.example"]
    assert link_in(message).startswith("/team/join/")


def test_inviting_an_address_with_a_login_says_so_next_to_the_field(administrator_client, alex):
    before = db_state()
    response = administrator_client.post(INVITE, {"email": "ALEX@example.com", "role": "view_only"})
    assert response.status_code == 200
    assert error_next_to(response.text, "email", "ALEX@example.com already has a login.")
    assert 'value="ALEX@example.com"' in response.text  # what was typed is kept
    assert db_state() == before and mail.outbox == []


def test_inviting_a_bad_address_says_so_next_to_the_field(administrator_client):
    before = db_state()
    response = administrator_client.post(
        INVITE, {"email": "not an address<b>", "role": "allocator"}
    )
    assert response.status_code == 200
    assert error_next_to(response.text, "email", "Enter a valid email address.")
    assert escape("not an address<b>") in response.text
    assert db_state() == before


def test_revoking_on_the_page(administrator_client, admin_user, partner):
    invitation = invite(admin_user, partner)
    url = reverse("partners:invitation_revoke", kwargs={"pk": invitation.pk})
    response = administrator_client.post(url, follow=True)
    assert page_messages(response) == [
        "Invitation of new.person@northwind.example revoked: its link no longer works."
    ]
    assert "No pending invitations." in response.text
    response = administrator_client.post(url, follow=True)
    assert page_messages(response) == [
        "The invitation of new.person@northwind.example has already been revoked."
    ]


def _team_urls(membership: Membership, invitation: Invitation) -> list[tuple[str, str]]:
    return [
        ("GET", TEAM),
        ("POST", INVITE),
        ("POST", reverse("partners:member_role", kwargs={"pk": membership.pk})),
        ("GET", reverse("partners:member_deactivate", kwargs={"pk": membership.pk})),
        ("POST", reverse("partners:member_deactivate", kwargs={"pk": membership.pk})),
        ("GET", reverse("partners:member_reactivate", kwargs={"pk": membership.pk})),
        ("POST", reverse("partners:member_reactivate", kwargs={"pk": membership.pk})),
        ("POST", reverse("partners:invitation_revoke", kwargs={"pk": invitation.pk})),
    ]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403_on_every_team_route_and_change_nothing(
    client, admin_user, partner, role
):
    target = member(partner, "casey")
    invitation = invite(admin_user, partner)
    login = member(partner, f"login-{role}", role).user
    verified_login(client, login)
    before, users = db_state(), users_state()
    for method, url in _team_urls(target, invitation):
        response = (
            client.get(url)
            if method == "GET"
            else client.post(url, {"role": "administrator", "email": "x@y.example"})
        )
        assert response.status_code == 403, (method, url)
        # And the other method too: a GET-less route answers 403 before 405.
        other = client.post(url, {"role": "administrator"}) if method == "GET" else client.get(url)
        assert other.status_code == 403, (url, "other method")
    assert (db_state(), users_state()) == (before, users)
    assert mail.outbox == []


def test_another_partners_member_or_invitation_is_404(
    administrator_client, other_partner, other_user
):
    other_admin = admin_of(other_partner, "morgan").user
    invitation = invite(other_admin, other_partner)
    before, users = db_state(), users_state()
    for method, url in _team_urls(other_user.membership, invitation)[2:]:
        response = (
            administrator_client.get(url)
            if method == "GET"
            else administrator_client.post(url, {"role": "view_only"})
        )
        assert response.status_code == 404, (method, url)
    assert (db_state(), users_state()) == (before, users)


def test_anonymous_visitors_are_sent_to_sign_in(client, alex):
    for url in (TEAM, reverse("partners:member_deactivate", kwargs={"pk": alex.pk})):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- the invitation link -------------------------------------------------------------------------


@pytest.fixture
def invitation(admin_user, partner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invite(admin_user, partner, role=PartnerRole.VIEW_ONLY)


@pytest.fixture
def join_url(invitation):
    return link_in(mail.outbox[-1])


def accept(client, url, **changes):
    data = {
        "first_name": "Kim",
        "last_name": "Lee",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **changes,
    }
    return client.post(url, data)


def test_the_invitee_joins_then_signs_in_with_the_role(client, invitation, join_url, partner):
    page = client.get(join_url)
    assert page.status_code == 200
    assert "Join Northwind MSP" in page.text
    assert "View Only" in page.text and "new.person@northwind.example" in page.text

    # Accepting signs the new member in: the first page is the portal, not the login form.
    response = accept(client, join_url)
    assert response.status_code == 302 and response.url == reverse("home")
    signed_in = client.get(response.url, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("licenses:license_list")
    assert page_messages(signed_in) == [
        "Welcome to Northwind MSP. Next time, sign in with your e-mail address "
        "new.person@northwind.example and the password you chose."
    ]
    user = signed_in.context["user"]
    assert user.username == "new.person@northwind.example"
    assert user.membership.role == PartnerRole.VIEW_ONLY and user.membership.partner == partner
    assert client.get(TEAM).status_code == 403  # a View Only login has no Team page

    # And the password chosen signs in again.
    client.logout()
    again = Client().post(
        reverse("login"), {"username": "new.person@northwind.example", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302

    # The link is single use.
    used = client.get(join_url)
    assert used.status_code == 410
    assert "This invitation has already been used." in used.text
    assert "Ask an Administrator of your organisation to send you a new invitation." in used.text
    again = accept(client, join_url, first_name="Eve")
    assert again.status_code == 410
    assert User.objects.filter(username=invitation.email).count() == 1


def test_an_invited_administrator_is_signed_in_and_sets_up_two_factor_first(
    client, admin_user, partner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin_user, partner, email="kim@northwind.example", role=PartnerRole.ADMINISTRATOR)
    response = accept(client, link_in(mail.outbox[-1]))
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.status_code == 302
    assert page.url.startswith(reverse("accounts:setup"))
    assert client.get(TEAM).url.startswith(reverse("accounts:setup"))


def test_an_invitee_with_no_lmp_access_is_told_so_and_not_signed_in(
    client, admin_user, partner, django_capture_on_commit_callbacks
):
    """The invitation form offers No LMP Access: the account is made, but not signed in (the next
    request would drop the session and the login page would refuse it without saying why)."""
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin_user, partner, email="kim@northwind.example", role=PartnerRole.NO_LMP_ACCESS)
    response = accept(client, link_in(mail.outbox[-1]))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert page_messages(page) == [
        "Your account at Northwind MSP is ready, but its role (No LMP Access) gives no access "
        "to the License Management Portal. Ask one of its Administrators if you need it."
    ]
    assert User.objects.get(username="kim@northwind.example").membership.role == (
        PartnerRole.NO_LMP_ACCESS
    )


def test_a_weak_password_is_refused_next_to_the_field(client, invitation, join_url):
    before, users = db_state(), users_state()
    response = accept(client, join_url, password1="12345678", password2="12345678")
    assert response.status_code == 200
    assert error_next_to(response.text, "password1", "This password is too common.")
    assert error_next_to(response.text, "password1", "This password is entirely numeric.")
    assert 'value="Kim"' in response.text  # the name typed is kept
    mismatch = accept(client, join_url, password2="something-else-2026")
    assert error_next_to(mismatch.text, "password2", "The two passwords do not match.")
    missing = accept(client, join_url, first_name="")
    assert error_next_to(missing.text, "first_name", "This field is required.")
    assert (db_state(), users_state()) == (before, users)


def test_an_expired_link_gets_its_page(client, invitation, join_url):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = client.get(join_url)
    assert response.status_code == 410
    assert "This invitation has expired: invitations work for 7 days." in response.text
    assert "send you a new invitation" in response.text
    assert accept(client, join_url).status_code == 410
    assert not User.objects.filter(username=invitation.email).exists()


def test_a_link_signed_more_than_seven_days_ago_has_expired(client, invitation):
    eight_days_ago = time.time() - 8 * 24 * 3600
    with mock.patch.object(signing.time, "time", return_value=eight_days_ago):
        old = reverse("partners:join", kwargs={"token": invitation_token(invitation)})
    response = client.get(old)
    assert response.status_code == 410
    assert "This invitation has expired" in response.text


def test_a_revoked_link_gets_its_page(client, admin_user, invitation, join_url):
    services.invitation_revoke(actor=admin_user, invitation=invitation)
    response = client.get(join_url)
    assert response.status_code == 410
    assert "This invitation was withdrawn by an Administrator." in response.text
    assert accept(client, join_url).status_code == 410
    assert not User.objects.filter(username=invitation.email).exists()


@pytest.mark.parametrize(
    "token",
    [
        "tampered",
        "{token}x",
        "{token_other_id}",
        "{unsigned}",
        "{wrong_salt}",
    ],
)
def test_a_tampered_link_gets_its_page(client, invitation, token):
    good = invitation_token(invitation)
    value, signature = good.rsplit(":", 1)
    tokens = {
        "token": good,
        "token_other_id": signing.dumps(invitation.pk + 1, salt="lmp.partners.invitation"),
        "unsigned": value,
        "wrong_salt": signing.dumps(invitation.pk, salt="something else"),
    }
    url = reverse("partners:join", kwargs={"token": token.format(**tokens)})
    response = client.get(url)
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.text
    assert "send you a new invitation" in response.text
    assert accept(client, url).status_code == 404
    assert not User.objects.filter(username=invitation.email).exists()


def test_a_signed_in_user_is_asked_to_sign_out_first(partner_client, invitation, join_url):
    response = partner_client.get(join_url)
    assert response.status_code == 200
    assert "Sign out to accept this invitation" in response.text
    assert "You are signed in as <strong>alex</strong>" in response.text
    before = db_state()
    posted = accept(partner_client, join_url)
    assert posted.status_code == 200 and "Sign out to accept" in posted.text
    assert db_state() == before
    # Signing out from there comes back to the link.
    out = partner_client.post(reverse("logout"), {"next": join_url})
    assert out.status_code == 302 and out.url == join_url
    assert "Join Northwind MSP" in partner_client.get(join_url).text


def test_an_address_that_got_a_login_meanwhile_cannot_accept(client, invitation, join_url):
    UserFactory(username="someone", email="NEW.PERSON@northwind.example")
    response = accept(client, join_url)
    assert response.status_code == 410
    assert "new.person@northwind.example already has a login: sign in with it." in response.text


# --- admin ---------------------------------------------------------------------------------------


def test_staff_see_invitations_and_read_only_team_history(client, staff_user, invitation):
    verified_login(client, staff_user)
    event = TeamEvent.objects.get()
    for url in (
        reverse("admin:partners_invitation_changelist"),
        reverse("admin:partners_invitation_change", args=[invitation.pk]),
        reverse("admin:partners_teamevent_changelist"),
        reverse("admin:partners_teamevent_change", args=[event.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "new.person@northwind.example" in response.text
    assert client.get(reverse("admin:partners_teamevent_add")).status_code == 403
    assert client.get(reverse("admin:partners_invitation_add")).status_code == 403
    response = client.post(
        reverse("admin:partners_invitation_changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 invitation revoked." in response.text
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED
    revoked = TeamEvent.objects.first()
    assert (revoked.kind, revoked.actor) == (TeamEventKind.INVITATION_REVOKED, staff_user)


# --- the race: two Administrators demoting each other at once (PostgreSQL) ----------------------


def demote(actor, membership: Membership):
    """A job for ``race``: ``actor`` makes ``membership`` an Allocator."""
    return lambda: services.member_role_set(
        actor=actor, membership=membership, role=PartnerRole.ALLOCATOR
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_two_administrators_demoting_each_other_at_once_leave_one(partner):
    from tests.helpers.concurrency import outcomes, race

    for _ in range(5):  # a few rounds: the order the threads get the lock varies
        Membership.objects.filter(partner=partner).delete()
        first, second = admin_of(partner, "ada"), admin_of(partner, "bo")

        results = race([demote(first.user, second), demote(second.user, first)])

        assert sorted(outcomes(results)) == ["ok", "refused"]
        (refusal,) = [value for kind, value in results if kind == "refused"]
        loser = first if results[1][0] == "refused" else second
        assert refusal.message_dict == {
            "role": [
                f"{loser.user.username} is the last active Administrator of Northwind MSP: "
                "make another member an Administrator first."
            ]
        }
        admins = Membership.objects.filter(partner=partner, role=PartnerRole.ADMINISTRATOR)
        assert list(admins) == [loser]
        assert TeamEvent.objects.filter(kind=TeamEventKind.ROLE_CHANGED).count() == 1
        TeamEvent.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_administrators_stepping_down_or_deactivated_at_once_leave_one(partner, staff_user):
    from tests.helpers.concurrency import outcomes, race

    admins = [admin_of(partner, f"admin{n}") for n in range(4)]

    def step_down(membership):
        return lambda: services.member_role_set(
            actor=membership.user, membership=membership, role=PartnerRole.VIEW_ONLY
        )

    def deactivate(membership):
        return lambda: services.member_deactivate(actor=staff_user, membership=membership)

    results = race([step_down(admins[0]), step_down(admins[1]), *map(deactivate, admins[2:])])

    assert outcomes(results).count("ok") == 3
    (refusal,) = [value for kind, value in results if kind == "refused"]
    assert "is the last active Administrator of Northwind MSP" in refusal.messages[0]
    remaining = Membership.objects.filter(
        partner=partner, role=PartnerRole.ADMINISTRATOR, user__is_active=True
    )
    assert remaining.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_two_tabs_accepting_one_invitation_make_one_login(partner):
    from tests.helpers.concurrency import outcomes, race

    sam = admin_of(partner, "sam").user
    invitation = invite(sam, partner)

    def accept_as(first_name: str):
        return lambda: services.invitation_accept(
            invitation=invitation, first_name=first_name, last_name="Lee", password=NEW_PASSWORD
        )

    results = race([accept_as("Kim"), accept_as("Kit"), accept_as("Kai")])

    assert sorted(outcomes(results)) == ["ok", "refused", "refused"]
    assert {str(value.messages) for kind, value in results if kind == "refused"} == {
        "['This invitation has already been used.']"
    }
    assert User.objects.filter(username=invitation.email).count() == 1
    assert TeamEvent.objects.filter(kind=TeamEventKind.JOINED).count() == 1


def test_an_administrator_requires_two_factor_sign_in_of_every_member(
    administrator_client, admin_user, partner, user
):
    allocator = Client()
    allocator.force_login(user)
    assert allocator.get(reverse("licenses:license_list")).status_code == 200

    response = administrator_client.post(
        reverse("partners:settings"), {"require_mfa": "on"}, follow=True
    )
    assert "Every member now needs two-factor sign-in" in response.text
    partner.refresh_from_db()
    assert partner.require_mfa is True
    event = TeamEvent.objects.get(kind=TeamEventKind.SETTING_CHANGED)
    assert (event.actor, event.from_text, event.to_text) == (
        admin_user,
        "Administrators only",
        "Two-factor sign-in required of every member",
    )
    assert "Two-factor sign-in required of every member" in response.text  # the history shows it

    # The Allocator without an authenticator is sent to set one up at its next page.
    response = allocator.get(reverse("licenses:license_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:setup"))

    # Unticked: Administrators only again, recorded too.
    administrator_client.post(reverse("partners:settings"), {})
    partner.refresh_from_db()
    assert partner.require_mfa is False
    assert TeamEvent.objects.filter(kind=TeamEventKind.SETTING_CHANGED).count() == 2
    assert allocator.get(reverse("licenses:license_list")).status_code == 200


def test_only_administrators_change_the_sign_in_rule(partner_client, partner):
    before = db_state()
    response = partner_client.post(reverse("partners:settings"), {"require_mfa": "on"})
    assert response.status_code == 403
    assert db_state() == before


def test_staff_change_a_role_in_admin_through_the_team_rule_and_history(
    client, staff_user, admin_user, user, partner
):
    verified_login(client, staff_user)
    sam = admin_user.membership
    url = reverse("admin:partners_membership_change", args=[sam.pk])

    # The last Administrator keeps the role: the refusal is next to the field.
    response = client.post(url, {"role": PartnerRole.ALLOCATOR})
    assert response.status_code == 200
    assert "is the last active Administrator of Northwind MSP" in response.text
    sam.refresh_from_db()
    assert sam.role == PartnerRole.ADMINISTRATOR
    assert not TeamEvent.objects.exists()

    # Another change goes through and is in the partner's team history, by the vendor.
    alex = user.membership
    url = reverse("admin:partners_membership_change", args=[alex.pk])
    response = client.post(url, {"role": PartnerRole.VIEW_ONLY})
    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.role == PartnerRole.VIEW_ONLY
    event = TeamEvent.objects.get()
    assert (event.actor, event.from_text, event.to_text) == (staff_user, "Allocator", "View Only")


# --- Django admin: every path keeps an active Administrator and writes the team history -------


def test_staff_cannot_untick_active_on_the_last_administrator_in_the_user_admin(
    client, staff_user, admin_user
):
    verified_login(client, staff_user)
    before, users = db_state(), users_state()
    response = staff_posts_user_form(client, admin_user, is_active=None, first_name="Sam")
    assert response.status_code == 200
    # On the Active row of the form (admin puts a checkbox's errors above it).
    row = re.search(
        r'<div class="form-row[^"]*field-is_active.*?</div>\s*</div>', response.text, re.S
    )
    assert row, response.text
    assert escape(
        "sam is the last active Administrator of Northwind MSP: "
        "make another member an Administrator first."
    ) in row.group(0)
    assert (db_state(), users_state()) == (before, users)  # not even the first name


def test_a_raced_deactivation_in_the_user_admin_saves_nothing_and_reports_no_success(
    client, staff_user, admin_user, user, monkeypatch
):
    # Two Administrators; staff untick Active on one (and edit its first name) while the other is
    # deactivated between the form's check and the save: the service refuses, nothing is saved.
    Membership.objects.filter(user=user).update(role=PartnerRole.ADMINISTRATOR)
    verified_login(client, staff_user)
    before, users = db_state(), users_state()
    real_check = services.last_administrator_check

    def check_then_race(membership, **kwargs):
        real_check(membership, **kwargs)
        get_user_model().objects.filter(pk=admin_user.pk).update(is_active=False)

    monkeypatch.setattr(services, "last_administrator_check", check_then_race)
    with pytest.raises(ValidationError, match="last active Administrator"):
        staff_posts_user_form(client, user, is_active=None, first_name="Renamed")
    monkeypatch.undo()
    assert (db_state(), users_state()) == (before, users)
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.filter(object_id=str(user.pk)).exists()


def test_staff_deactivate_and_reactivate_a_member_in_the_user_admin_with_history(
    client, staff_user, user
):
    verified_login(client, staff_user)
    response = staff_posts_user_form(client, user, is_active=None)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    event = TeamEvent.objects.get()
    assert (event.kind, event.actor, event.member, event.from_text, event.to_text) == (
        TeamEventKind.DEACTIVATED,
        staff_user,
        user,
        "Active",
        "Deactivated",
    )
    response = staff_posts_user_form(client, user, is_active="on")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is True
    assert TeamEvent.objects.first().kind == TeamEventKind.REACTIVATED
    # Saving the page again without changing Active writes no history.
    assert staff_posts_user_form(client, user).status_code == 302
    assert TeamEvent.objects.count() == 2


def test_staff_changing_a_members_sign_in_name_is_in_the_team_history(client, staff_user, user):
    verified_login(client, staff_user)
    response = staff_posts_user_form(
        client, user, username="alex@northwind.example", email="alex@northwind.example"
    )
    assert response.status_code == 302
    event = TeamEvent.objects.get()
    assert (event.kind, event.actor, event.member, event.from_text, event.to_text) == (
        TeamEventKind.LOGIN_CHANGED,
        staff_user,
        user,
        "alex",
        "alex@northwind.example",
    )


def test_staff_cannot_delete_a_members_login_in_the_user_admin(
    client, staff_user, admin_user, user
):
    verified_login(client, staff_user)
    before, users = db_state(), users_state()
    for member_user in (admin_user, user):
        url = user_admin_url(member_user, "delete")
        page = client.get(url)
        assert "deactivate it instead" in page.text
        response = client.post(url, {"post": "yes"})
        assert response.status_code == 200
        assert "deactivate it instead" in response.text
    # The bulk action too, even with a login that may go among the selected ones.
    loner = UserFactory(username="no-partner")
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [admin_user.pk, loner.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "deactivate it instead" in response.text
    assert User.objects.filter(pk=loner.pk).exists()
    assert (db_state(), [u for u in users_state() if u[0] != loner.pk]) == (before, users)
    # A login that works for no partner is deleted as before.
    response = client.post(user_admin_url(loner, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=loner.pk).exists()


def test_staff_adding_a_member_in_the_membership_admin_is_in_the_team_history(
    client, staff_user, partner
):
    verified_login(client, staff_user)
    newcomer = UserFactory(username="kim")
    response = client.post(
        reverse("admin:partners_membership_add"),
        {"user": newcomer.pk, "partner": partner.pk, "role": PartnerRole.ADMINISTRATOR},
    )
    assert response.status_code == 302
    event = TeamEvent.objects.get()
    assert (event.kind, event.actor, event.member, event.to_text) == (
        TeamEventKind.JOINED,
        staff_user,
        newcomer,
        "Administrator",
    )


# --- a login's sessions end for good -----------------------------------------------------------


def signed_in(username: str) -> Client:
    """A browser that signed in with the login form (no second factor: alex needs none)."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    assert browser.get(reverse("licenses:license_list")).status_code == 200
    return browser


def _no_access_on_the_team_page(administrator_client, staff_client, alex):
    url = reverse("partners:member_role", kwargs={"pk": alex.pk})
    administrator_client.post(url, {"role": PartnerRole.NO_LMP_ACCESS})
    yield
    administrator_client.post(url, {"role": PartnerRole.ALLOCATOR})


def _deactivated_on_the_team_page(administrator_client, staff_client, alex):
    administrator_client.post(reverse("partners:member_deactivate", kwargs={"pk": alex.pk}))
    yield
    administrator_client.post(reverse("partners:member_reactivate", kwargs={"pk": alex.pk}))


def _no_access_in_the_membership_admin(administrator_client, staff_client, alex):
    url = reverse("admin:partners_membership_change", args=[alex.pk])
    staff_client.post(url, {"role": PartnerRole.NO_LMP_ACCESS})
    yield
    staff_client.post(url, {"role": PartnerRole.ALLOCATOR})


def _deactivated_in_the_user_admin(administrator_client, staff_client, alex):
    staff_posts_user_form(staff_client, alex.user, is_active=None)
    yield
    staff_posts_user_form(staff_client, alex.user, is_active="on")


@pytest.mark.parametrize(
    "path",
    [
        _no_access_on_the_team_page,
        _deactivated_on_the_team_page,
        _no_access_in_the_membership_admin,
        _deactivated_in_the_user_admin,
    ],
)
def test_a_login_cut_off_keeps_its_old_sessions_refused_once_it_is_back(
    administrator_client, staff_user, alex, path
):
    browser = signed_in("alex")
    staff_client = verified_login(Client(), staff_user)
    steps = path(administrator_client, staff_client, alex)

    next(steps)  # cut off
    assert browser.get(reverse("licenses:license_list")).status_code == 302
    assert TeamEvent.objects.count() == 1
    next(steps, None)  # back
    assert TeamEvent.objects.count() == 2
    alex.refresh_from_db()
    alex.user.refresh_from_db()
    assert (alex.role, alex.user.is_active) == (PartnerRole.ALLOCATOR, True)

    # The old cookie is still refused (and its session is gone); signing in again works.
    response = browser.get(reverse("licenses:license_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in browser.session
    signed_in("alex")


def test_a_session_of_a_login_never_cut_off_keeps_working(administrator_client, alex):
    browser = signed_in("alex")
    administrator_client.post(
        reverse("partners:member_role", kwargs={"pk": alex.pk}), {"role": PartnerRole.VIEW_ONLY}
    )
    assert browser.get(reverse("licenses:license_list")).status_code == 200


def test_a_staff_login_deactivated_in_the_user_admin_keeps_its_old_sessions_refused(
    client, staff_user
):
    colleague = UserFactory(username="vendor-colleague")
    colleague.is_staff = True
    colleague.save()
    old_session = verified_login(Client(), colleague)
    assert old_session.get(reverse("admin:index")).status_code == 200
    verified_login(client, staff_user)
    assert staff_posts_user_form(client, colleague, is_active=None).status_code == 302
    assert staff_posts_user_form(client, colleague, is_active="on").status_code == 302
    response = old_session.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url
    assert not TeamEvent.objects.exists()  # no partner's team
