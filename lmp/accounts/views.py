"""A login's account page, two-factor setup, verification and recovery codes, and its password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from lmp.accounts import policy, qr, selectors, services
from lmp.accounts.forms import (
    AuthenticatorConfirmForm,
    CurrentCodeForm,
    LanguageForm,
    TwoFactorVerifyForm,
)
from lmp.accounts.middleware import SESSION_HAS_AUTHENTICATOR
from lmp.core.l10n import count
from lmp.partners import languages
from lmp.partners import services as partner_services

# The key of the authenticator being set up: the QR code stays the same across reloads, and
# opening the page writes nothing but the session.
SESSION_SETUP_KEY = "lmp_totp_setup_key"
# Recovery codes just made, kept in the session only until the page that shows them once, and
# whether they replaced earlier ones (regenerated, or a new authenticator) or are the first.
SESSION_NEW_RECOVERY_CODES = "lmp_new_recovery_codes"
SESSION_RECOVERY_CODES_REPLACED = "lmp_recovery_codes_replaced"


def recovery_codes_text(user, codes: list[str]) -> str:
    """What the recovery codes page's Download (.txt) saves."""
    now = timezone.localtime()
    # The portal's date format (lmp/formats/en/formats.py), with the time zone: the file is read
    # later, away from the portal.
    when = f"{date_format(now, 'DATETIME_FORMAT')} {date_format(now, 'T')}"
    lines = [
        _("License Management Portal: recovery codes of %(login)s")
        % {"login": user.get_username()},
        _("Made %(when)s. Each code signs in once instead of a code from the app.")
        % {"when": when},
        "",
        *codes,
    ]
    return "\n".join(lines) + "\n"


def safe_next(request: HttpRequest, candidate: str, default: str) -> str:
    """``candidate`` when it is a page of this site, else ``default`` (never another site)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


class NextUrlMixin:
    """The page to go on to: ``next`` when it is one of ours, else ``default_next``."""

    default_next = settings.LOGIN_REDIRECT_URL

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        return safe_next(self.request, candidate, self.default_next)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("next", self.next_url())
        return super().get_context_data(**kwargs)


def default_language_label(membership) -> str:
    """The account page's first choice: the partner's default, named ("English", …)."""
    partner_language = languages.supported(membership.partner.language) if membership else None
    if partner_language:
        name = dict(settings.LANGUAGES)[partner_language]
        return _("The partner's default (%(language)s)") % {"language": name}
    return _("The partner's default (your browser's language)")


@login_not_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher (login page, menu) and the account page's preference.

    Sets this browser's language cookie; a signed-in partner member's choice is also saved on
    its membership (its pages and e-mails everywhere). "" (the account page's "partner's
    default") clears both. Then back to ``next`` when it is a page of this site.
    """
    user = request.user
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    form = LanguageForm(request.POST, default_label="" if membership else None)
    # Without a page of this site to go back to: the home page, or the login page when signed out.
    default = settings.LOGIN_REDIRECT_URL if user.is_authenticated else settings.LOGIN_URL
    response = HttpResponseRedirect(safe_next(request, request.POST.get("next", ""), default))
    if not form.is_valid():
        return response
    language = languages.supported(form.cleaned_data["language"]) or ""
    if membership is not None:
        partner_services.membership_language_set(membership=membership, language=language)
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    if membership is not None and request.POST.get("from") == "account":
        # In the language of the page it goes back to.
        shown = (
            language
            or languages.supported(membership.partner.language)
            or languages.from_accept_language(request.headers.get("Accept-Language", ""))
            or languages.DEFAULT
        )
        with translation.override(shown):
            messages.success(request, _("Your language preference is saved."))
    return response


class AccountView(TemplateView):
    """The login's own page: two-factor status and actions, its language, and a link to change
    the password."""

    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        membership = getattr(user, "membership", None)
        kwargs.update(
            authenticator=selectors.authenticator_of(user),
            recovery_codes_left=selectors.recovery_codes_left(user),
            mfa_required=policy.mfa_required(user),
            membership=membership,
            language_form=LanguageForm(
                initial={"language": membership.language if membership else ""},
                default_label=default_language_label(membership),
                auto_id="id_account_%s",
            )
            if membership is not None
            else None,
        )
        return super().get_context_data(**kwargs)


class AuthenticatorSetupView(NextUrlMixin, FormView):
    """Set up an authenticator app: scan the QR code (or type the key), then type a code."""

    template_name = "accounts/setup.html"
    form_class = AuthenticatorConfirmForm
    default_next = "accounts:account"

    def dispatch(self, request, *args, **kwargs):
        key_hex = request.session.get(SESSION_SETUP_KEY)
        if not key_hex:
            key_hex = request.session[SESSION_SETUP_KEY] = default_key()
        self.key_hex = key_hex
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "key_hex": self.key_hex}

    def get_context_data(self, **kwargs):
        device = TOTPDevice(user=self.request.user, key=self.key_hex)
        kwargs.update(
            qr_data_uri=qr.qr_data_uri(device),
            key_text=qr.key_text(device),
            replacing=selectors.authenticator_of(self.request.user) is not None,
            mfa_required=policy.mfa_required(self.request.user),
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        # The session now stands for a login past its second factor: a new key, as at sign-in.
        self.request.session.cycle_key()
        otp_login(self.request, form.device)
        self.request.session.pop(SESSION_SETUP_KEY, None)
        self.request.session[SESSION_HAS_AUTHENTICATOR] = True
        self.request.session[SESSION_NEW_RECOVERY_CODES] = form.recovery_codes
        self.request.session[SESSION_RECOVERY_CODES_REPLACED] = form.replacing
        messages.success(self.request, _("Two-factor sign-in is on for your login."))
        url = reverse("accounts:recovery_codes")
        return HttpResponseRedirect(f"{url}?{self.request.GET.urlencode()}")


class RecoveryCodesView(NextUrlMixin, FormView):
    """The recovery codes, shown once after setup or regenerating; POST makes new ones, given a
    code of the authenticator app or an unused recovery code."""

    template_name = "accounts/recovery_codes.html"
    form_class = CurrentCodeForm
    default_next = "accounts:account"

    def get_context_data(self, **kwargs):
        user = self.request.user
        new_codes = self.request.session.pop(SESSION_NEW_RECOVERY_CODES, None)
        kwargs.update(
            new_codes=new_codes,
            replaced=self.request.session.pop(SESSION_RECOVERY_CODES_REPLACED, True),
            download_text=recovery_codes_text(user, new_codes) if new_codes else "",
            recovery_codes_left=selectors.recovery_codes_left(user),
            authenticator=selectors.authenticator_of(user),
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            codes = services.recovery_codes_regenerate(
                user=self.request.user, current_code=form.cleaned_data["current_code"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        self.request.session[SESSION_NEW_RECOVERY_CODES] = codes
        self.request.session[SESSION_RECOVERY_CODES_REPLACED] = True
        return HttpResponseRedirect(reverse("accounts:recovery_codes"))


class TwoFactorVerifyView(NextUrlMixin, FormView):
    """After the password: a code from the authenticator app, or a recovery code (used once)."""

    template_name = "accounts/verify.html"
    form_class = TwoFactorVerifyForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_verified() or not policy.has_authenticator(user):
            return HttpResponseRedirect(self.next_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        # A new session key for the now fully signed-in session (as Django does at login).
        self.request.session.cycle_key()
        otp_login(self.request, form.device)
        if form.device.persistent_id.startswith("otp_static."):
            left = selectors.recovery_codes_left(self.request.user)
            messages.warning(
                self.request,
                ngettext(
                    "You signed in with a recovery code; %(count)s left. Make new ones on your "
                    "account page if you are running out.",
                    "You signed in with a recovery code; %(count)s left. Make new ones on your "
                    "account page if you are running out.",
                    left,
                )
                % {"count": count(left)},
            )
        return HttpResponseRedirect(self.next_url())


class TwoFactorRemoveView(FormView):
    """Turn two-factor sign-in off, where the role allows it, given a code of the authenticator
    app or an unused recovery code."""

    template_name = "accounts/remove.html"
    form_class = CurrentCodeForm

    def dispatch(self, request, *args, **kwargs):
        if policy.mfa_required(request.user):
            raise PermissionDenied(
                _("Your role requires two-factor sign-in: it cannot be removed.")
            )
        if selectors.authenticator_of(request.user) is None:
            return HttpResponseRedirect(reverse("accounts:account"))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.two_factor_remove(
                user=self.request.user, current_code=form.cleaned_data["current_code"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        self.request.session.pop(SESSION_HAS_AUTHENTICATOR, None)
        messages.success(self.request, _("Two-factor sign-in is off for your login."))
        return HttpResponseRedirect(reverse("accounts:account"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change-password page (its validators), back to the account page after."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response
