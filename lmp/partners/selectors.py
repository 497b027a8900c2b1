"""Reads of partners: which partner a login works for, its team and its invitations."""

from __future__ import annotations

from django.core import signing
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmp.partners import roles
from lmp.partners.choices import InvitationStatus
from lmp.partners.models import ApiKey, Invitation, Membership, Partner, TeamEvent
from lmp.partners.roles import KeyActor

# The invitation link's token: the invitation's id, signed with a timestamp under this salt.
INVITATION_SALT = "lmp.partners.invitation"


def partner_for_user(user) -> Partner | None:
    """The partner a login or an API key works for, None for staff and unlinked accounts."""
    if isinstance(user, KeyActor):
        return user.partner
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_lmp_partner"):
        # The signed-in user comes with its membership and partner (lmp.partners.auth); any
        # other user object costs two queries here (its membership, then the partner).
        try:
            membership = user.membership
        except Membership.DoesNotExist:
            membership = None
        user._lmp_partner = membership.partner if membership else None
    return user._lmp_partner


def team_members(*, partner: Partner) -> QuerySet[Membership]:
    """The partner's logins with ``has_mfa`` (a confirmed authenticator app), in one query."""
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
    return (
        Membership.objects.filter(partner=partner)
        .select_related("user")
        .annotate(has_mfa=Exists(confirmed))
        .order_by(Lower("user__first_name"), Lower("user__last_name"), "user__username")
    )


def partner_member_emails(*, partner: Partner | int, emails: str) -> list[str]:
    """The addresses of the partner's active logins whose role gets ``emails`` (one of
    ``roles.RECIPIENTS``: alerts, purchase confirmations, shipment news), each once, sorted."""
    partner_id = getattr(partner, "pk", partner)
    return list(
        Membership.objects.filter(
            partner_id=partner_id, role__in=roles.recipients(emails), user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )


def team_member(*, partner: Partner, pk: int) -> Membership:
    """One login of the partner (``Membership.DoesNotExist`` for another partner's)."""
    return Membership.objects.select_related("user").get(partner=partner, pk=pk)


def team_invitations(*, partner: Partner) -> QuerySet[Invitation]:
    """The partner's invitations not yet accepted nor revoked (expired ones included)."""
    return (
        Invitation.objects.filter(
            partner=partner, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def team_invitation(*, partner: Partner, pk: int) -> Invitation:
    """One invitation of the partner (``Invitation.DoesNotExist`` for another partner's)."""
    return Invitation.objects.get(partner=partner, pk=pk)


def team_events(*, partner: Partner) -> QuerySet[TeamEvent]:
    """The partner's team history, newest first, with who did it."""
    return TeamEvent.objects.filter(partner=partner).select_related("actor").order_by("-at", "-pk")


def api_keys(*, partner: Partner) -> QuerySet[ApiKey]:
    """The partner's API keys, newest first, revoked ones included (the Team page lists them)."""
    return (
        ApiKey.objects.filter(partner=partner)
        .select_related("created_by")
        .order_by("revoked", "-created", "prefix")
    )


def api_key_get(*, partner: Partner, prefix: str) -> ApiKey:
    """One API key of the partner (``ApiKey.DoesNotExist`` for another partner's)."""
    return ApiKey.objects.get(partner=partner, prefix=prefix)


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation link (the id and the time it was signed)."""
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_for_token(token: str) -> tuple[Invitation | None, str | None]:
    """(The invitation a link names, its ``InvitationStatus``); (None, None) for a link that was
    altered or cut short. A signature older than ``Invitation.VALID_FOR`` has expired whatever
    the row says."""
    signature_expired = False
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=Invitation.VALID_FOR)
    except signing.SignatureExpired:
        signature_expired = True
        pk = signing.loads(token, salt=INVITATION_SALT)  # genuine, only too old
    except signing.BadSignature:
        return None, None
    invitation = (
        Invitation.objects.select_related("partner").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if invitation is None:
        return None, None
    status = invitation.status
    if signature_expired and status == InvitationStatus.PENDING:
        status = InvitationStatus.EXPIRED
    return invitation, status
