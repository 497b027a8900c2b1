"""The partners' middleware: ended sessions stay ended; each page in its reader's language."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from lmp.partners import languages
from lmp.partners.models import LoginSessionEpoch

# The login's session epoch when this session signed in (``session_epoch_note``).
SESSION_EPOCH = "lmp_session_epoch"


def epoch_of(user) -> int:
    """How many times the login's sessions were ended (no query for the signed-in user: the
    authentication backend loads it with the user)."""
    record = getattr(user, "session_epoch", None)
    return record.epoch if record is not None else 0


def session_epoch_note(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the session belongs to the login's current epoch."""
    session = getattr(request, "session", None)
    if session is None:
        return
    row = LoginSessionEpoch.objects.filter(user_id=user.pk).values_list("epoch", flat=True)
    session[SESSION_EPOCH] = row.first() or 0


class EndedSessionMiddleware:
    """Signs out (and flushes) a session signed in before its login's sessions were ended.

    Django refuses a deactivated or No LMP Access login's session only while that lasts (its
    backend returns no user); this refuses it for good. Before ``LoginRequiredMiddleware``, so
    the request then goes to the login page as an anonymous one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.session.get(SESSION_EPOCH, 0) < epoch_of(user):
            logout(request)
        return None


class LanguageMiddleware:
    """Activates the language of the page (``lmp.partners.languages.for_request``) and says it in
    ``Content-Language``; responses vary by ``Accept-Language`` and ``Cookie``, which choose it.

    The language stays active until the response is closed (``request_finished``, wired in
    ``PartnersConfig.ready``): a streamed export writes its rows in it after this returns."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = languages.for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
