"""Two-factor sign-in, enforced on every page: after ``django_otp.middleware.OTPMiddleware``."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from lmp.accounts import policy

# Set when a login signs in with its password (lmp.accounts.apps): whether it has a second
# factor to prove. Asked once at sign-in, so a login without one costs no query on its pages.
SESSION_HAS_AUTHENTICATOR = "lmp_has_authenticator"

# Pages a signed-in login reaches before its second factor: leaving, and the step it is sent to.
ALWAYS_OPEN = {"logout", "admin:logout"}
VERIFY = "accounts:verify"
SETUP = "accounts:setup"


def note_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: remember whether this login must prove a second factor."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_HAS_AUTHENTICATOR] = policy.has_authenticator(user)


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's ``LoginRequiredMiddleware``; an htmx request (a section polled every few seconds)
    whose session has ended is answered with ``HX-Redirect`` to the login page, back to the page
    it was on, rather than a redirect htmx would follow and swap the login page into a section."""

    def handle_no_permission(self, request, view_func):
        response = super().handle_no_permission(request, view_func)
        htmx = getattr(request, "htmx", None)
        if not htmx:
            return response
        next_url = htmx.current_url_abs_path or request.get_full_path()
        login_url = resolve_url(self.get_login_url(view_func))
        field = self.get_redirect_field_name(view_func)
        return HttpResponseClientRedirect(f"{login_url}?{urlencode({field: next_url})}")


class TwoFactorMiddleware:
    """Sends a signed-in login that has not passed its second factor to the step it needs.

    With a confirmed authenticator (or recovery codes): to verify, before any other page. Without
    one, when its role requires it (``policy.mfa_required``): to set one up. ``next`` is kept; an
    htmx request is answered with ``HX-Redirect`` so the whole page goes there.
    Pages open without login (the login form, password reset, ``/healthz``) stay open.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if request.path_info.startswith(self.static_prefix):
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if view_name in ALWAYS_OPEN:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        required = policy.mfa_required(user)
        if not required and not request.session.get(SESSION_HAS_AUTHENTICATOR):
            return None
        if policy.has_authenticator(user):
            target = VERIFY
        elif required:
            target = SETUP
        else:
            # Its authenticator was removed since it signed in.
            request.session.pop(SESSION_HAS_AUTHENTICATOR, None)
            return None
        if view_name == target:
            # The step a login must pass first: its pages show no menu it cannot use yet.
            request.two_factor_step = True
            return None
        next_url = request.get_full_path()
        htmx = getattr(request, "htmx", None)
        if htmx and htmx.current_url_abs_path:
            next_url = htmx.current_url_abs_path
        url = f"{reverse(target)}?{urlencode({'next': next_url})}"
        if htmx:
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
