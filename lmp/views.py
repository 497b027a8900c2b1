"""Project-level views: the error handlers (one tells a database outage from a bug); under
/api/ they answer problem details (JSON), as the API's own refusals are, never an HTML page."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from lmp.api.problems import django_problem, is_api

# What a driver raises when the server refuses the connection, has gone away or closed it.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database outage is a 503 with Retry-After, anything else Django's 500.

    A handler, not a middleware's ``process_exception``: the session and the user are loaded by
    middleware before the view (and the session saved after it), where an exception never
    reaches ``process_exception``; every uncaught exception reaches this handler, still current.
    """
    language = _language_of(request)
    with translation.override(language):
        if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
            response = database_unavailable(api=is_api(request))
        elif is_api(request):
            response = django_problem(500, _("The server failed to answer; the error is logged."))
        else:
            # Django's own server_error renders without a context: the language is given here.
            body = loader.render_to_string(defaults.ERROR_500_TEMPLATE_NAME, _page_context())
            response = HttpResponseServerError(body)
    response.headers.setdefault("Content-Language", language)
    return response


def _language_of(request: HttpRequest) -> str:
    """The language of an error page: the one LanguageMiddleware chose, else (it failed before
    choosing, e.g. the database is down) this browser's cookie or Accept-Language, which need no
    query (lmp.partners.languages)."""
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if chosen:
        return chosen
    from lmp.partners import languages  # imports models: not at this module's import

    return languages.for_request(request, login=False)


def _page_context() -> dict:
    """What base.html reads from the i18n context processor, for a page rendered without one."""
    return {
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }


def database_unavailable(*, api: bool = False) -> HttpResponse:
    """The 503 page, rendered without a request: no context processor may touch the database."""
    if api:
        response = django_problem(
            503,
            _("The database is unavailable: try again in %(seconds)d seconds.")
            % {"seconds": RETRY_AFTER_SECONDS},
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html", _page_context()), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler404``: a URL the API does not have is a 404 problem, elsewhere Django's page."""
    if is_api(request):
        return django_problem(404, _("There is no such URL in the API: see /api/v1/docs/."))
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """``handler400``: e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE; a problem under /api/."""
    if is_api(request):
        return django_problem(400, _("The request is malformed or its body is too large."))
    return defaults.bad_request(request, exception)
