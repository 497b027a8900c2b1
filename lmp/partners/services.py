"""Writes to a partner's team: roles, deactivation, invitations. Each one is recorded.

The rule that a partner always keeps one active Administrator is checked with the partner row
locked (``_partner_lock``): two Administrators demoting each other at the same moment queue on
that lock, and the second one counts the Administrators the first one left.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.choices import (
    LANGUAGE_LABELS,
    MEMBER_ACTIVE_LABELS,
    MFA_RULE_LABELS,
    InvitationStatus,
    PartnerRole,
    TeamEventKind,
)
from lmp.partners.models import (
    ApiKey,
    Invitation,
    LoginSessionEpoch,
    Membership,
    Partner,
    TeamEvent,
)
from lmp.partners.selectors import invitation_token

logger = logging.getLogger(__name__)
User = get_user_model()

ASK_FOR_A_NEW_ONE = gettext_lazy(
    "Ask an Administrator of your organisation to send you a new invitation."
)
# Why an invitation link cannot be used, by the invitation's status (None: not a valid link).
INVITATION_PROBLEMS = {
    None: gettext_lazy(
        "This invitation link is not valid: it may have been changed or cut short when copied."
    ),
    InvitationStatus.EXPIRED: gettext_lazy(
        "This invitation has expired: invitations work for 7 days."
    ),
    InvitationStatus.ACCEPTED: gettext_lazy("This invitation has already been used."),
    InvitationStatus.REVOKED: gettext_lazy("This invitation was withdrawn by an Administrator."),
}


def english(text) -> str:
    """``text`` (a lazy label) in English: the team history stores its texts so, and the Team
    page shows them in the reader's language (``team.html`` looks them up in the catalogue)."""
    with translation.override("en"):
        return str(text)


def role_label(role: str) -> str:
    """A role's name in English, as the team history stores it."""
    return english(PartnerRole(role).label)


def member_name(user) -> str:
    """How the Team page and its messages name a login: its full name, else its username."""
    return user.get_full_name() or user.get_username()


def _partner_lock(partner: Partner) -> Partner:
    """Lock the partner row: team changes of one partner queue here, one after the other."""
    return Partner.objects.select_for_update().get(pk=partner.pk)


def _actor_check(actor, partner: Partner) -> None:
    """The actor may manage this partner's team, as the database says now (under the lock).

    Staff and the system (no partner member) pass, as in ``roles.require``.
    """
    roles.require(actor, roles.MANAGE_TEAM)
    if roles.role_of(actor) is None:
        return
    fresh = User.objects.select_related("membership").filter(pk=actor.pk).first()
    if (
        fresh is None
        or not fresh.is_active
        or getattr(fresh, "membership", None) is None
        or fresh.membership.partner_id != partner.pk
        or not roles.allows(fresh, roles.MANAGE_TEAM)
    ):
        raise PermissionDenied(_("Your role does not allow this."))


def _active_administrators(partner: Partner) -> int:
    """The partner's active logins that may manage its team (``roles.keeps_the_team``)."""
    return Membership.objects.filter(
        partner=partner, role__in=roles.roles_with(roles.MANAGE_TEAM), user__is_active=True
    ).count()


def _last_administrator_check(membership: Membership, *, field: str | None = None) -> None:
    """Refuse to take away the last active Administrator (call with the partner row locked)."""
    user = membership.user
    if not roles.keeps_the_team(membership.role) or not user.is_active:
        return
    if _active_administrators(membership.partner) > 1:
        return
    message = _(
        "%(name)s is the last active Administrator of %(partner)s: make another member an "
        "Administrator first."
    ) % {"name": member_name(user), "partner": membership.partner}
    raise ValidationError({field: message} if field else message, code="last_administrator")


def last_administrator_check(
    membership: Membership, *, role: str | None = None, active: bool = True
) -> None:
    """Refuse giving ``role`` to, or deactivating, the partner's last active Administrator: a
    form's early answer (the admin's); ``member_role_set`` and ``member_deactivate`` ask it again.

    It locks the partner row: inside the admin's transaction the lock holds until the save
    commits, so no other team change slips between this answer and the save."""
    role = membership.role if role is None else role
    if not roles.keeps_the_team(role) or not active:
        with transaction.atomic():
            _partner_lock(membership.partner)
            _last_administrator_check(membership)


def _event_record(
    *,
    partner: Partner,
    actor,
    kind: str,
    member=None,
    email: str = "",
    from_text: str = "",
    to_text: str = "",
) -> TeamEvent:
    event = TeamEvent(
        partner=partner,
        actor_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        member=member,
        email=email or (member.email if member is not None else ""),
        kind=kind,
        from_text=from_text,
        to_text=to_text,
        at=timezone.now(),
    )
    event.full_clean(exclude=["partner", "actor", "member"])
    event.save()
    return event


def login_sessions_end(*, user) -> None:
    """End every session of the login for good: each one is refused at its next request, and
    stays refused when the login is reactivated or gets its role back (it signs in again)."""
    with transaction.atomic():
        LoginSessionEpoch.objects.get_or_create(user_id=user.pk)
        LoginSessionEpoch.objects.filter(user_id=user.pk).update(
            epoch=F("epoch") + 1, ended_at=timezone.now()
        )


def _member_locked(membership: Membership) -> Membership:
    """The partner locked, then the membership and its login as they are now."""
    _partner_lock(membership.partner)
    return Membership.objects.select_related("user", "partner").get(pk=membership.pk)


def member_role_set(*, actor, membership: Membership, role: str) -> Membership:
    """Give a member another role; the partner's last active Administrator keeps theirs."""
    roles.require(actor, roles.MANAGE_TEAM)
    if role not in PartnerRole.values:
        raise ValidationError(
            {"role": _("“%(role)s” is not a role.") % {"role": role}}, code="invalid_choice"
        )
    with transaction.atomic():
        member = _member_locked(membership)
        if member.role == role:
            return member
        if not roles.keeps_the_team(role):
            _last_administrator_check(member, field="role")
        _actor_check(actor, member.partner)
        old = role_label(member.role)
        member.role = role
        member.full_clean(exclude=["user", "partner"])
        member.save(update_fields=["role"])
        if not roles.allows(member.user, roles.SIGN_IN):
            login_sessions_end(user=member.user)
        _event_record(
            partner=member.partner,
            actor=actor,
            kind=TeamEventKind.ROLE_CHANGED,
            member=member.user,
            from_text=old,
            to_text=role_label(member.role),
        )
    return member


def _own_login_check(actor, membership: Membership) -> None:
    """Refuse deactivating one's own login."""
    if getattr(actor, "pk", None) == membership.user_id:
        raise ValidationError(_("You cannot deactivate your own login."), code="self")


def member_active_check(*, actor, membership: Membership, active: bool) -> None:
    """A form's early answer to (de)activating a member (Django admin's User page): not one's own
    login, not the last active Administrator (with the partner row locked, as
    ``last_administrator_check`` says); ``member_deactivate`` asks again."""
    if not active:
        _own_login_check(actor, membership)
    last_administrator_check(membership, active=active)


def member_deactivate(*, actor, membership: Membership) -> Membership:
    """Turn a member's login off: it can no longer sign in, and its sessions stop working."""
    roles.require(actor, roles.MANAGE_TEAM)
    _own_login_check(actor, membership)
    return _member_active_set(actor=actor, membership=membership, active=False)


def member_reactivate(*, actor, membership: Membership) -> Membership:
    """Let a deactivated member sign in again, with the role they had."""
    return _member_active_set(actor=actor, membership=membership, active=True)


def member_add(*, actor, user, partner: Partner, role: str) -> Membership:
    """Make ``user`` a member of ``partner`` with ``role`` (vendor staff, in Django admin: a
    partner's first Administrator is made so); recorded as the member joining."""
    roles.require(actor, roles.MANAGE_TEAM)
    with transaction.atomic():
        _partner_lock(partner)
        _actor_check(actor, partner)
        membership = Membership(user=user, partner=partner, role=role)
        membership.full_clean()
        membership.save()
        _event_record(
            partner=partner,
            actor=actor,
            kind=TeamEventKind.JOINED,
            member=user,
            to_text=role_label(membership.role),
        )
    return membership


def member_login_changed(*, actor, membership: Membership, old_username: str) -> TeamEvent | None:
    """Record that staff changed the member's sign-in name (Django admin's User page saved it)."""
    new_username = membership.user.get_username()
    if new_username == old_username:
        return None
    with transaction.atomic():
        return _event_record(
            partner=membership.partner,
            actor=actor,
            kind=TeamEventKind.LOGIN_CHANGED,
            member=membership.user,
            from_text=old_username[:100],
            to_text=new_username[:100],
        )


def _member_active_set(*, actor, membership: Membership, active: bool) -> Membership:
    roles.require(actor, roles.MANAGE_TEAM)
    with transaction.atomic():
        member = _member_locked(membership)
        if member.user.is_active == active:
            message = (
                _("%(name)s is already active.")
                if active
                else _("%(name)s is already deactivated.")
            )
            raise ValidationError(message % {"name": member_name(member.user)}, code="unchanged")
        if not active:
            _last_administrator_check(member)
        _actor_check(actor, member.partner)
        member.user.is_active = active
        member.user.save(update_fields=["is_active"])
        if not active:
            login_sessions_end(user=member.user)
        _event_record(
            partner=member.partner,
            actor=actor,
            kind=TeamEventKind.REACTIVATED if active else TeamEventKind.DEACTIVATED,
            member=member.user,
            from_text=english(MEMBER_ACTIVE_LABELS[not active]),
            to_text=english(MEMBER_ACTIVE_LABELS[active]),
        )
    return member


def api_key_create(
    *, actor, partner: Partner, name: str, role: str, expires_at=None, token: str = ""
) -> tuple[ApiKey, str | None]:
    """Make an API key for the partner; returns it and the key itself (shown once, never stored).

    Administrators only. The role is View Only or Allocator: a key never manages the team or
    billing. An expiry, if given, lies in the future. The same ``token`` again (the form sent
    twice) makes nothing and returns the first key with None: its key cannot be shown again.
    """
    roles.require(actor, roles.MANAGE_TEAM)
    name = " ".join(str(name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the key a name, e.g. the tool that will use it.")
    if role not in roles.API_KEY_ROLES:
        errors["role"] = _("Choose View Only or Allocator.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expiry_date"] = _("Choose an expiry in the future, or none.")
    if errors:
        raise ValidationError(errors)
    token = str(token or "").strip()
    if token and (first := ApiKey.objects.filter(partner=partner, form_token=token).first()):
        return first, None
    with transaction.atomic():
        _actor_check(actor, partner)
        api_key = ApiKey(
            partner=partner,
            name=name,
            role=role,
            expiry_date=expires_at,
            created_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
            form_token=token,
        )
        key = ApiKey.objects.assign_key(api_key)
        api_key.full_clean(exclude=["partner", "created_by", "revoked_by"])
        try:
            with transaction.atomic():
                api_key.save()
        except IntegrityError:
            # The same form, sent at the same moment, made the key first (the unique token).
            return ApiKey.objects.get(partner=partner, form_token=token), None
        _event_record(
            partner=partner,
            actor=actor,
            kind=TeamEventKind.API_KEY_CREATED,
            to_text=f"{api_key} ({role_label(api_key.role)})"[:100],
        )
    return api_key, key


def api_key_revoke(*, actor, api_key: ApiKey) -> ApiKey:
    """Revoke a key: it stops working at once, for good (its history keeps naming it)."""
    roles.require(actor, roles.MANAGE_TEAM)
    with transaction.atomic():
        _partner_lock(api_key.partner)
        _actor_check(actor, api_key.partner)
        locked = ApiKey.objects.get(pk=api_key.pk)
        if locked.revoked:
            raise ValidationError(
                _("API key “%(name)s” is already revoked.") % {"name": locked.name},
                code="unchanged",
            )
        locked.revoked = True
        locked.revoked_at = timezone.now()
        locked.revoked_by_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["revoked", "revoked_at", "revoked_by"])
        _event_record(
            partner=locked.partner,
            actor=actor,
            kind=TeamEventKind.API_KEY_REVOKED,
            from_text=f"{locked}"[:100],
            to_text="Revoked",
        )
    api_key.revoked, api_key.revoked_at = locked.revoked, locked.revoked_at
    return locked


# The partner's sign-in rule as the team history names it (stored in English, shown translated).
def mfa_rule_text(required: bool) -> str:
    """The partner's sign-in rule as the team history names it."""
    return english(MFA_RULE_LABELS[required])


def language_text(code: str) -> str:
    """The partner's default language as the team history names it (in English)."""
    return english(LANGUAGE_LABELS.get(code or "", LANGUAGE_LABELS[""]))


def membership_language_set(*, membership: Membership, language: str) -> Membership:
    """Save the login's own language (``""``: its partner's default): its pages and e-mails."""
    language = languages.supported(language) or ""
    if membership.language != language:
        membership.language = language
        membership.save(update_fields=["language"])
    return membership


def partner_language_set(*, actor, partner: Partner, language: str) -> Partner:
    """Set the partner's default language (``""``: each browser's), for its members who chose
    none and their e-mails; recorded in the team history."""
    roles.require(actor, roles.MANAGE_TEAM)
    language = languages.supported(language) or ""
    with transaction.atomic():
        locked = _partner_lock(partner)
        _actor_check(actor, locked)
        if locked.language == language:
            return locked
        old = language_text(locked.language)
        locked.language = language
        locked.full_clean()
        locked.save(update_fields=["language"])
        _event_record(
            partner=locked,
            actor=actor,
            kind=TeamEventKind.SETTING_CHANGED,
            from_text=old,
            to_text=language_text(language),
        )
    partner.language = language
    return locked


def partner_mfa_require_set(*, actor, partner: Partner, required: bool) -> Partner:
    """Require two-factor sign-in of every member of the partner, or of Administrators only
    (who always need it). A member without an authenticator sets one up at the next page."""
    roles.require(actor, roles.MANAGE_TEAM)
    with transaction.atomic():
        locked = _partner_lock(partner)
        _actor_check(actor, locked)
        if locked.require_mfa == required:
            return locked
        old = mfa_rule_text(locked.require_mfa)
        locked.require_mfa = required
        locked.full_clean()
        locked.save(update_fields=["require_mfa"])
        _event_record(
            partner=locked,
            actor=actor,
            kind=TeamEventKind.SETTING_CHANGED,
            from_text=old,
            to_text=mfa_rule_text(required),
        )
    partner.require_mfa = required
    return locked


def _login_exists(email: str) -> bool:
    """Whether a login already uses the address, as e-mail or as username (any case)."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=email).exists()
    )


def invitation_create(
    *, actor, partner: Partner, email: str, role: str, site_url: str = ""
) -> Invitation:
    """Invite an address to join the partner with a role; the e-mail leaves once committed."""
    roles.require(actor, roles.MANAGE_TEAM)
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        _partner_lock(partner)
        _actor_check(actor, partner)
        if _login_exists(email):
            raise ValidationError(
                {"email": _("%(email)s already has a login.") % {"email": email}},
                code="login_exists",
            )
        now = timezone.now()
        pending = Invitation.objects.filter(
            partner=partner, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        )
        for invitation in pending:
            if invitation.status == InvitationStatus.PENDING:
                expires = timezone.localtime(invitation.expires_at)
                raise ValidationError(
                    {
                        "email": _(
                            "%(email)s already has a pending invitation (it expires on "
                            "%(date)s): revoke it to send a new one."
                        )
                        % {"email": email, "date": date_format(expires)}
                    },
                    code="pending",
                )
            # An expired invitation is replaced by the new one.
            invitation.revoked_at = now
            invitation.save(update_fields=["revoked_at"])
        invitation = Invitation(
            partner=partner,
            email=email,
            role=role,
            invited_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=now + Invitation.VALID_FOR,
        )
        invitation.full_clean(exclude=["partner", "invited_by"])
        invitation.save()
        _event_record(
            partner=partner,
            actor=actor,
            kind=TeamEventKind.INVITED,
            email=email,
            to_text=role_label(invitation.role),
        )
        invitation_email_send(invitation_id=invitation.pk, site_url=site_url)
    return invitation


def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its link stops working."""
    roles.require(actor, roles.MANAGE_TEAM)
    with transaction.atomic():
        _partner_lock(invitation.partner)
        _actor_check(actor, invitation.partner)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError(
                _("The invitation of %(email)s has already been accepted.")
                % {"email": invitation.email},
                code="used",
            )
        if invitation.revoked_at is not None:
            raise ValidationError(
                _("The invitation of %(email)s has already been revoked.")
                % {"email": invitation.email},
                code="revoked",
            )
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _event_record(
            partner=invitation.partner,
            actor=actor,
            kind=TeamEventKind.INVITATION_REVOKED,
            email=invitation.email,
            from_text=role_label(invitation.role),
        )
    return invitation


def invitation_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> AbstractBaseUser:
    """Make the invitee's login (username: the invited address) with the invited role.

    Single use: the invitation row is locked, so two tabs accepting at once make one login.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("partner").get(pk=invitation.pk)
        )
        status = invitation.status
        if status != InvitationStatus.PENDING:
            raise ValidationError(INVITATION_PROBLEMS[status], code=status)
        if _login_exists(invitation.email):
            raise ValidationError(
                _("%(email)s already has a login: sign in with it.") % {"email": invitation.email},
                code="login_exists",
            )
        user = User(
            username=invitation.email,
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password1": error.messages}) from error
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        membership = Membership(user=user, partner=invitation.partner, role=invitation.role)
        membership.full_clean(exclude=["user", "partner"])
        membership.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        _event_record(
            partner=invitation.partner,
            actor=user,
            kind=TeamEventKind.JOINED,
            member=user,
            to_text=role_label(membership.role),
        )
    return user


def invitation_email_send(*, invitation_id: int, site_url: str = "") -> None:
    """Queue the invitee's link in the invitation's transaction (the outbox: sent by the worker),
    in the partner's default language (the invitee has no login yet)."""
    invitation = Invitation.objects.select_related("partner", "invited_by").get(pk=invitation_id)
    path = reverse("partners:join", kwargs={"token": invitation_token(invitation)})
    context = {
        "invitation": invitation,
        "partner": invitation.partner,
        "inviter": member_name(invitation.invited_by) if invitation.invited_by else "",
        "url": site_url.rstrip("/") + path,
        "expires_at": timezone.localtime(invitation.expires_at),
    }
    with translation.override(languages.of_partner(invitation.partner)):
        email_enqueue(
            kind="invitation",
            to=[invitation.email],
            subject=_("You are invited to join %(partner)s in the License Management Portal")
            % {"partner": invitation.partner},
            body=render_to_string("emails/team_invitation.txt", context),
            html=render_to_string("emails/team_invitation.html", context),
            about=f"invitation {invitation.pk} to {invitation.partner}",
        )
