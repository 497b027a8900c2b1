"""The Team page (Administrators): members, roles, deactivation, invitations, history; the API keys
page; and the invitation link, which the invitee opens without a login."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from lmp.partners import roles, selectors, services
from lmp.partners.forms import (
    ApiKeyForm,
    InvitationAcceptForm,
    InvitationForm,
    MemberRoleForm,
    PartnerLanguageForm,
    TeamSettingsForm,
)
from lmp.partners.mixins import PartnerMixin
from lmp.partners.models import ApiKey, Invitation, Membership

TEAM_URL = reverse_lazy("partners:team")
# The backend a new member's session is signed in with (lmp.partners.auth: its user comes with
# its membership and partner).
MEMBERSHIP_BACKEND = "lmp.partners.auth.MembershipBackend"
API_KEYS_URL = reverse_lazy("partners:api_keys")
HISTORY_SHOWN = 100
# A language as a sentence names it, in the reader's language ("English" / "anglais").
LANGUAGE_NAMES = {
    "en": pgettext_lazy("language name", "English"),
    "fr-ca": pgettext_lazy("language name", "French"),
}  # the newest events on the page; the admin has them all


def refusal(error: ValidationError) -> str:
    """A service's refusal as one sentence for a message."""
    return " ".join(error.messages)


class TeamMixin(PartnerMixin):
    """Team pages: Administrators only (others 403, for GET and POST alike)."""

    permission_required = roles.MANAGE_TEAM


class TeamView(TeamMixin, TemplateView):
    """Members with their role, status, last sign-in and two-factor status; invitations; history."""

    template_name = "partners/team.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("invite_form", InvitationForm())
        kwargs.setdefault(
            "settings_form", TeamSettingsForm(initial={"require_mfa": self.partner.require_mfa})
        )
        kwargs.setdefault(
            "language_form", PartnerLanguageForm(initial={"language": self.partner.language})
        )
        members = list(selectors.team_members(partner=self.partner))
        for member in members:
            member.role_form = MemberRoleForm(
                initial={"role": member.role}, auto_id=f"id_member{member.pk}_%s"
            )
        return super().get_context_data(
            members=members,
            invitations=list(selectors.team_invitations(partner=self.partner)),
            events=list(selectors.team_events(partner=self.partner)[:HISTORY_SHOWN]),
            **kwargs,
        )


class InvitationCreateView(TeamView):
    """POST the invite form: a redirect when sent, the Team page with the errors otherwise."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=request.user,
                    partner=self.partner,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    site_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s as %(role)s: the link works for 7 days.")
                    % {"email": invitation.email, "role": invitation.get_role_display()},
                )
                return HttpResponseRedirect(TEAM_URL)
        return self.render_to_response(self.get_context_data(invite_form=form))


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


class ApiKeysView(TeamMixin, TemplateView):
    """The partner's API keys with Revoke, and the new-key form (Team → API keys).

    POST makes a key and answers with this page showing it this once, or with the errors. No
    redirect: the key is in this answer only (it is stored hashed), never in a session or a
    cookie on its way to another page.
    """

    template_name = "partners/api_keys.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("api_key_form", ApiKeyForm(initial={"token": uuid.uuid4().hex}))
        return super().get_context_data(
            api_keys=list(selectors.api_keys(partner=self.partner)), **kwargs
        )

    def post(self, request, *args, **kwargs):
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            expiry = form.cleaned_data["expiry_date"]
            try:
                api_key, key = services.api_key_create(
                    actor=request.user,
                    partner=self.partner,
                    name=form.cleaned_data["name"],
                    role=form.cleaned_data["role"],
                    expires_at=end_of_day(expiry) if expiry else None,
                    token=form.cleaned_data["token"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return self.render_to_response(
                    self.get_context_data(
                        new_api_key=api_key, new_key=key, key_made_already=not key
                    )
                )
        return self.render_to_response(self.get_context_data(api_key_form=form))


class ApiKeyRevokeView(TeamMixin, View):
    """POST: revoke one of the partner's API keys (another partner's: 404)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            api_key = selectors.api_key_get(partner=self.partner, prefix=self.kwargs["prefix"])
        except ApiKey.DoesNotExist:
            raise Http404(_("No such API key.")) from None
        try:
            services.api_key_revoke(actor=request.user, api_key=api_key)
        except ValidationError as error:
            messages.error(request, refusal(error))
        else:
            messages.success(
                request,
                _("API key “%(name)s” revoked: it no longer works.") % {"name": api_key.name},
            )
        return redirect(API_KEYS_URL)


class TeamSettingsView(TeamMixin, View):
    """POST the partner's sign-in rule (two-factor sign-in for every member or not)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = TeamSettingsForm(request.POST)
        form.is_valid()  # a checkbox: anything but "on" is off
        required = form.cleaned_data.get("require_mfa", False)
        changed = self.partner.require_mfa != required
        services.partner_mfa_require_set(
            actor=request.user, partner=self.partner, required=required
        )
        if not changed:
            messages.info(request, _("The sign-in rule is unchanged."))
        elif required:
            messages.success(
                request,
                _(
                    "Every member now needs two-factor sign-in: those without an authenticator "
                    "app set one up at their next page."
                ),
            )
        else:
            messages.success(
                request,
                _("Two-factor sign-in is now required of %(roles)s only.")
                % {"roles": roles.role_names(sorted(roles.MUST_USE_TWO_FACTORS))},
            )
        return redirect(TEAM_URL)


class PartnerLanguageView(TeamMixin, View):
    """POST the partner's default language: for its members who chose none, and their e-mails."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PartnerLanguageForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the languages."))
            return redirect(TEAM_URL)
        language = form.cleaned_data["language"]
        if language == self.partner.language:
            messages.info(request, _("The default language is unchanged."))
            return redirect(TEAM_URL)
        services.partner_language_set(actor=request.user, partner=self.partner, language=language)
        if language:
            messages.success(
                request,
                _(
                    "%(partner)s's default language is now %(language)s: members who chose none "
                    "read the portal and their e-mails in it."
                )
                % {"partner": self.partner.name, "language": LANGUAGE_NAMES[language]},
            )
        else:
            messages.success(
                request,
                _(
                    "%(partner)s has no default language now: members who chose none read the "
                    "portal in their browser's language."
                )
                % {"partner": self.partner.name},
            )
        return redirect(TEAM_URL)


class MemberMixin(TeamMixin):
    """A member of the signed-in user's partner named in the URL (another partner's: 404)."""

    member: Membership

    def load_objects(self) -> None:
        try:
            self.member = selectors.team_member(partner=self.partner, pk=self.kwargs["pk"])
        except Membership.DoesNotExist:
            raise Http404(_("No such member.")) from None


class MemberRoleView(MemberMixin, View):
    """POST a member's new role."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the roles."))
            return redirect(TEAM_URL)
        old = self.member.get_role_display()
        name = services.member_name(self.member.user)
        try:
            member = services.member_role_set(
                actor=request.user, membership=self.member, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, refusal(error))
        else:
            new = member.get_role_display()
            if new == old:
                messages.info(
                    request,
                    _("%(name)s already is %(role)s: nothing changed.")
                    % {"name": name, "role": new},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s's role changed from %(old)s to %(new)s.")
                    % {"name": name, "old": old, "new": new},
                )
            if member.user_id == request.user.pk and not roles.role_allows(
                member.role, roles.MANAGE_TEAM
            ):
                # No Team page for them any more: the home page of their new role.
                return redirect("home")
        return redirect(TEAM_URL)


class MemberStatusView(MemberMixin, TemplateView):
    """Deactivate or reactivate a member: a confirmation page (GET), then the change (POST)."""

    template_name = "partners/member_confirm.html"
    action: str = ""  # "deactivate" or "reactivate", set in the URLconf

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            member=self.member, name=services.member_name(self.member.user), action=self.action
        )

    def post(self, request, *args, **kwargs):
        service = (
            services.member_deactivate
            if self.action == "deactivate"
            else services.member_reactivate
        )
        name = services.member_name(self.member.user)
        try:
            service(actor=request.user, membership=self.member)
        except ValidationError as error:
            messages.error(request, refusal(error))
        else:
            done = (
                _("%(name)s is deactivated: that login can no longer sign in.")
                if self.action == "deactivate"
                else _("%(name)s is active again and can sign in.")
            )
            messages.success(request, done % {"name": name})
        return redirect(TEAM_URL)


class InvitationRevokeView(TeamMixin, View):
    """POST: withdraw an invitation of the partner (another partner's: 404)."""

    http_method_names = ["post"]

    def load_objects(self) -> None:
        try:
            self.invitation = selectors.team_invitation(partner=self.partner, pk=self.kwargs["pk"])
        except Invitation.DoesNotExist:
            raise Http404(_("No such invitation.")) from None

    def post(self, request, *args, **kwargs):
        try:
            invitation = services.invitation_revoke(actor=request.user, invitation=self.invitation)
        except ValidationError as error:
            messages.error(request, refusal(error))
        else:
            messages.success(
                request,
                _("Invitation of %(email)s revoked: its link no longer works.")
                % {"email": invitation.email},
            )
        return redirect(TEAM_URL)


@method_decorator(login_not_required, name="dispatch")
class JoinView(FormView):
    """The invitation link: the invitee sets name and password, and is signed in.

    A link that cannot be used gets a page that says why and what to do (410, or 404 for a link
    that is not one of ours); a signed-in user is asked to sign out first.
    """

    template_name = "partners/join.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation, status = selectors.invitation_for_token(kwargs["token"])
        if request.user.is_authenticated:
            return self.render_to_response(self.get_context_data(signed_in=True))
        if self.invitation is None or status != "pending":
            return self.problem(status)
        return super().dispatch(request, *args, **kwargs)

    def problem(self, status: str | None):
        return self.render_to_response(
            {
                "problem": services.INVITATION_PROBLEMS[status],
                "help": services.ASK_FOR_A_NEW_ONE,
            },
            status=404 if status is None else 410,
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("invitation", self.invitation)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.invitation_accept(
                invitation=self.invitation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
                return self.form_invalid(form)
            # Used, revoked or expired meanwhile (another tab), or the address got a login.
            self.invitation.refresh_from_db()
            status = self.invitation.status
            if status == "pending":
                return self.render_to_response(
                    {"problem": refusal(error), "help": _("Go to the sign-in page.")}, status=410
                )
            return self.problem(status)
        if not roles.allows(user, roles.SIGN_IN):
            # Signing in a role that may not would only have the next request drop the session.
            messages.info(
                self.request,
                _(
                    "Your account at %(partner)s is ready, but its role (%(role)s) gives no "
                    "access to the License Management Portal. Ask one of its Administrators if "
                    "you need it."
                )
                % {"partner": self.invitation.partner, "role": user.membership.get_role_display()},
            )
            return HttpResponseRedirect(reverse("login"))
        # Signed in with the password just chosen; the second factor's rules apply from the
        # next page (an Administrator sets up an authenticator app first).
        login(self.request, user, backend=MEMBERSHIP_BACKEND)
        messages.success(
            self.request,
            _(
                "Welcome to %(partner)s. Next time, sign in with your e-mail address "
                "%(login)s and the password you chose."
            )
            % {"partner": self.invitation.partner, "login": user.get_username()},
        )
        return HttpResponseRedirect(reverse("home"))
