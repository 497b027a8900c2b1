"""Project-level views: the error handlers (one tells a database outage from a bug); under
/api/ they answer problem details (JSON), as the API's own refusals are, never an HTML page."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
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
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return database_unavailable(api=is_api(request))
    if is_api(request):
        return django_problem(500, _("The server failed to answer; the error is logged."))
    return defaults.server_error(request)


def database_unavailable(*, api: bool = False) -> HttpResponse:
    """The 503 page, rendered without a request: no context processor may touch the database."""
    if api:
        response = django_problem(
            503,
            _("The database is unavailable: try again in %(seconds)d seconds.")
            % {"seconds": RETRY_AFTER_SECONDS},
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
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
