"""Forms of the partners app."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from lmp.partners import roles
from lmp.partners.choices import PartnerRole
from lmp.partners.models import ApiKey, Invitation
from lmp.partners.roles import API_KEY_DEFAULT_ROLE, API_KEY_ROLES, INVITATION_DEFAULT_ROLE


class LoginForm(AuthenticationForm):
    """Django's login form, refusing a login whose role is No LMP Access (no session is made).

    Its field is named for what people type: an invited member's login is its e-mail address;
    vendor staff and the demo logins have a username (Django admin's own login form keeps
    Django's "Username").
    """

    USERNAME_LABEL = gettext_lazy("E-mail address or username")

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "Please enter a correct e-mail address (or username) and password. Note that both "
            "fields may be case-sensitive."
        ),
        "no_lmp_access": gettext_lazy(
            "Your organisation has not given this login access to the License Management "
            "Portal (its role is No LMP Access). Ask one of its Administrators."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = self.USERNAME_LABEL

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if roles.role_of(user) is not None and not roles.allows(user, roles.SIGN_IN):
            raise ValidationError(self.error_messages["no_lmp_access"], code="no_lmp_access")


class MemberRoleForm(forms.Form):
    """A member's role on the Team page."""

    role = forms.ChoiceField(
        choices=PartnerRole.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm lmp-role-select"}),
    )


class TeamSettingsForm(forms.Form):
    """The partner's sign-in rule on the Team page."""

    require_mfa = forms.BooleanField(
        label=_("Require two-factor sign-in of every member"),
        required=False,
        help_text=_(
            "Administrators always need it. With this on, every member sets up an "
            "authenticator app at their next page."
        ),
    )


class InvitationForm(forms.Form):
    """Invite a colleague by e-mail with a role."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=Invitation._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=PartnerRole.choices, initial=INVITATION_DEFAULT_ROLE
    )


class InvitationAcceptForm(forms.Form):
    """The invitee's name and password (Django's password validators run in the service)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class ApiKeyForm(forms.Form):
    """A new API key on the Team page: its name, role and optional expiry (the end of that day)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_("What will use it, e.g. “PSA sync”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in API_KEY_ROLES],
        initial=API_KEY_DEFAULT_ROLE,
        label=_("Role"),
        help_text=_("View Only reads; Allocator also onboards, edits and offboards customers."),
    )
    expiry_date = forms.DateField(
        label=_("Expires"),
        required=False,
        help_text=_("Optional: the key stops working at the end of this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # A new token per Team page: the same form sent twice makes one key (a form without one, from
    # a script, is not deduplicated).
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        # Its own ids: the invite form on the same page has a "role" too.
        kwargs.setdefault("auto_id", "id_api_key_%s")
        super().__init__(*args, **kwargs)


class LanguageSelect(forms.Select):
    """A select of languages: each language's name is written in that language, and says so
    (``lang``), so that a screen reader reads "Français" in French."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value:
            option["attrs"]["lang"] = value
        return option


class PartnerLanguageForm(forms.Form):
    """The partner's default language on the Team page: for its members who chose none, and
    their e-mails (blank: each browser's language)."""

    language = forms.ChoiceField(
        label=_("Default language"),
        required=False,
        widget=LanguageSelect,
        help_text=_(
            "For members who chose no language of their own, and their e-mails. "
            "Each member may choose another on their account page."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("Each browser's language")),
            *settings.LANGUAGES,
        ]
