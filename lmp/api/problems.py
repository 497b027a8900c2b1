"""Every refusal of the API as problem details (RFC 9457, ``application/problem+json``).

``{"type", "title", "status", "detail"}``, plus ``errors`` keyed by field when the request's
fields were refused, with the messages the portal's forms show (the services' own).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from licenses.policy import SEATS_UNAVAILABLE
from licenses.services import CUSTOMER_OFFBOARDED

PROBLEM_CONTENT_TYPE = "application/problem+json"
NON_FIELD = "non_field_errors"


class ProblemRenderer(JSONRenderer):
    """Lets a client that accepts ``application/problem+json`` only be answered in it."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class Conflict(exceptions.APIException):
    """A write refused because of the state of things (too few seats, an offboarded customer)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"
    title = gettext_lazy("The request conflicts with the current state.")


class Unprocessable(exceptions.APIException):
    """A well-formed request that cannot be carried out (an Idempotency-Key reused)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy("The request cannot be processed.")
    default_code = "unprocessable"


def from_django(error: DjangoValidationError) -> exceptions.APIException:
    """A service's refusal: 409 when the pool lacks seats, else 400 with its messages by field."""
    if hasattr(error, "error_dict"):
        errors = {
            field: [str(message) for e in errs for message in e.messages]
            for field, errs in error.error_dict.items()
        }
        codes = {e.code for errs in error.error_dict.values() for e in errs}
    else:
        errors = {NON_FIELD: [str(message) for message in error.messages]}
        codes = {e.code for e in error.error_list}
    exc_class = (
        Conflict if codes & {SEATS_UNAVAILABLE, CUSTOMER_OFFBOARDED} else exceptions.ValidationError
    )
    exc = exc_class(errors)
    exc.field_errors = errors
    if SEATS_UNAVAILABLE in codes:
        exc.title = _("Not enough seats.")
    elif CUSTOMER_OFFBOARDED in codes:
        exc.title = _("The customer is offboarded.")
    return exc


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's error detail as ``{field: [messages]}`` (nested serializer fields joined by dots)."""
    if isinstance(detail, list):
        return {NON_FIELD: [str(d) for d in detail]}
    flat: dict[str, list[str]] = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            for inner, messages in _flatten(value).items():
                flat[f"{field}.{inner}"] = messages
        else:
            flat[field] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


# In the language of the request (Accept-Language; English by default): lazy, read per answer.
TITLES = {
    400: gettext_lazy("Your request has invalid fields."),
    401: gettext_lazy("Authentication needed."),
    403: gettext_lazy("Not allowed."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("Method not allowed."),
    406: gettext_lazy("Not acceptable."),
    409: gettext_lazy("The request conflicts with the current state."),
    415: gettext_lazy("Unsupported media type."),
    422: gettext_lazy("Cannot process the request."),
    429: gettext_lazy("Too many requests."),
    500: gettext_lazy("Server error."),
    503: gettext_lazy("Service unavailable."),
}
ERROR_TITLE = gettext_lazy("Error.")


class ProblemSerializer(serializers.Serializer):
    """The body of every refusal (RFC 9457): the schema's one ``Problem`` component."""

    type = serializers.CharField(help_text='"about:blank": the status code says what happened.')
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What happened, in words a person can act on.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The messages by field, when the request's fields were refused "
        "(`non_field_errors`: about the request as a whole).",
    )


def problem_body(code: int, detail: str) -> dict:
    """The problem details of a refusal without field errors."""
    return {
        "type": "about:blank",
        "title": str(TITLES.get(code, ERROR_TITLE)),
        "status": code,
        "detail": str(detail),
    }


def django_problem(code: int, detail: str) -> HttpResponse:
    """A problem answered outside DRF (Django's error handlers, under /api/)."""
    return HttpResponse(
        json.dumps(problem_body(code, detail)), status=code, content_type=PROBLEM_CONTENT_TYPE
    )


def is_api(request: HttpRequest) -> bool:
    """A request to the API, whose every answer is JSON (Django's error pages are HTML)."""
    return request.path.startswith("/api/")


def problem_response(exc: exceptions.APIException, *, headers: dict | None = None) -> Response:
    """The problem details of one refusal."""
    code = exc.status_code
    title = getattr(exc, "title", None) if code == status.HTTP_409_CONFLICT else None
    body: dict = {
        "type": "about:blank",
        "title": str(title or TITLES.get(code, ERROR_TITLE)),
        "status": code,
    }
    errors = getattr(exc, "field_errors", None)
    if errors is None and isinstance(exc.detail, dict | list) and code in (400, 409, 422):
        errors = _flatten(exc.detail)
    if errors:
        messages = [m for ms in errors.values() for m in ms]
        body["detail"] = " ".join(str(m) for m in messages)
        body["errors"] = errors
    else:
        body["detail"] = str(exc.detail)
    response = Response(body, status=code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


# How DRF's JSONParser starts its refusal of a body that is not JSON.
JSON_PARSE_ERROR = "JSON parse error - "


def problem_handler(exc, context) -> Response | None:
    """DRF's exception handler: Django's and DRF's refusals alike, as problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, Http404 | exceptions.NotFound):
        exc = exceptions.NotFound(_("No such object for your organisation."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith(JSON_PARSE_ERROR):
        # DRF's own words here are not in its catalogue: ours, with the parser's position.
        error = str(exc.detail).removeprefix(JSON_PARSE_ERROR)
        exc = exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error})
    response = exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's own handler
    headers = {
        name: value
        for name, value in response.items()
        if name in ("Retry-After", "WWW-Authenticate", "Allow")
    }
    problem = problem_response(exc, headers=headers)
    return problem
