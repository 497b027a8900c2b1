"""Forms of a login's account: the code of the second factor, and the password reset request."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from lmp.accounts import selectors, services
from lmp.outbox.services import email_enqueue
from lmp.partners import languages
from lmp.partners.forms import LanguageSelect


class CodeField(forms.CharField):
    """A one-time code: typed on a phone keypad, filled in by password managers."""

    def __init__(self, *, label: str, help_text: str = "", numeric: bool = True, **kwargs):
        attrs = {"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        if numeric:
            attrs["inputmode"] = "numeric"
        super().__init__(
            label=label,
            help_text=help_text,
            max_length=20,
            widget=forms.TextInput(attrs=attrs),
            **kwargs,
        )


class AuthenticatorConfirmForm(forms.Form):
    """Setting up: the code the newly scanned authenticator app shows proves it has the key.

    Replacing an authenticator also asks for a code of the current one (or a recovery code).
    """

    current_code = CodeField(
        label=_("Code from your current app, or a recovery code"),
        help_text=_(
            "The 6 digits your current authenticator app shows, or one of your recovery "
            "codes: this proves the change is yours."
        ),
        numeric=False,
        required=False,
    )
    code = CodeField(
        label=_("Code from the new app"), help_text=_("The 6 digits the app shows now.")
    )

    def __init__(self, *args, user, key_hex: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.key_hex = key_hex
        self.replacing = selectors.authenticator_of(user) is not None
        if self.replacing:
            # The first field of the form has the focus.
            self.fields["code"].widget.attrs.pop("autofocus", None)
        else:
            del self.fields["current_code"]
            self.fields["code"].label = _("Code from the app")
        self.device: TOTPDevice | None = None
        self.recovery_codes: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if "code" not in cleaned:
            return cleaned
        try:
            self.device, self.recovery_codes = services.authenticator_confirm(
                user=self.user,
                key_hex=self.key_hex,
                code=cleaned["code"],
                current_code=cleaned.get("current_code", ""),
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class CurrentCodeForm(forms.Form):
    """New recovery codes, or turning two-factor sign-in off: a code of the current authenticator
    (or a recovery code) proves the change is the login's own; the service checks it."""

    current_code = CodeField(
        label=_("Code from your authenticator app, or a recovery code"),
        help_text=_(
            "The 6 digits your authenticator app shows now, or one of your unused recovery "
            "codes: this proves the change is yours."
        ),
        numeric=False,
        required=False,
    )


class TwoFactorVerifyForm(forms.Form):
    """Signing in, after the password: a code from the authenticator app or a recovery code."""

    code = CodeField(
        label=_("Code"),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        numeric=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device: Device | None = None

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        self.device = services.two_factor_verify(user=self.user, code=code)
        return code


class LanguageForm(forms.Form):
    """The language switcher (login page, menu) and the account page's preference: a language
    LMP speaks; on the account page also "" (the partner's default)."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        widget=LanguageSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, default_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(settings.LANGUAGES)
        if default_label is not None:
            choices.insert(0, ("", default_label))
        self.fields["language"].choices = choices
        # The switcher sends one of LANGUAGES; a member's account page may send "" too.
        self.allows_default = default_label is not None

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if not language and not self.allows_default:
            raise forms.ValidationError(_("Choose a language."), code="required")
        return language


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form; saving it only queues the work (``services.password_reset_request``),
    the same for an address with or without a login, so the answer's timing tells nothing."""

    def save(self, domain_override=None, use_https=False, request=None, **kwargs) -> None:
        domain = domain_override or get_current_site(request).domain
        services.password_reset_request(
            email=self.cleaned_data["email"], domain=domain, use_https=use_https
        )


class PasswordResetMailForm(DjangoPasswordResetForm):
    """The worker's half: Django's choice of logins and its link, the e-mail queued (the outbox:
    saved and sent by the e-mail worker)."""

    mailed = 0

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        # In the login's language: its own choice, else its partner's default, else English.
        language = next(iter(languages.by_language([to_email])), languages.DEFAULT)
        with translation.override(language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            html = ""
            if html_email_template_name is not None:
                html = render_to_string(html_email_template_name, context)
            email_enqueue(
                kind="password reset",
                to=[to_email],
                subject=subject,
                body=render_to_string(email_template_name, context),
                html=html,
                about=f"user {context['user'].pk}",
            )
        self.mailed += 1
