"""Project-level views: the error handler that tells a database outage from a bug."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

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
        return database_unavailable()
    return defaults.server_error(request)


def database_unavailable() -> HttpResponse:
    """The 503 page, rendered without a request: no context processor may touch the database."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
