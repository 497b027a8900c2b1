"""Every refusal of the API as problem details (RFC 9457, ``application/problem+json``).

``{"type", "title", "status", "detail"}``, plus ``errors`` keyed by field when the request's
fields were refused, with the messages the portal's forms show (the services' own).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from licenses.policy import SEATS_UNAVAILABLE

PROBLEM_CONTENT_TYPE = "application/problem+json"
NON_FIELD = "non_field_errors"


class ProblemRenderer(JSONRenderer):
    """Lets a client that accepts ``application/problem+json`` only be answered in it."""

    media_type = PROBLEM_CONTENT_TYPE


class Conflict(exceptions.APIException):
    """A write refused because of the state of things (the pool has too few seats)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """A well-formed request that cannot be carried out (an Idempotency-Key reused)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def from_django(error: DjangoValidationError) -> exceptions.APIException:
    """A service's refusal: 409 when the pool lacks seats, else 400 with its messages by field."""
    if hasattr(error, "error_dict"):
        errors = {
            field: [message for e in errs for message in e.messages]
            for field, errs in error.error_dict.items()
        }
        codes = {e.code for errs in error.error_dict.values() for e in errs}
    else:
        errors = {NON_FIELD: list(error.messages)}
        codes = {e.code for e in error.error_list}
    exc_class = Conflict if SEATS_UNAVAILABLE in codes else exceptions.ValidationError
    exc = exc_class(errors)
    exc.field_errors = errors
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


TITLES = {
    400: "Your request has invalid fields.",
    401: "Authentication needed.",
    403: "Not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    409: "Not enough seats.",
    415: "Unsupported media type.",
    422: "Cannot process the request.",
    429: "Too many requests.",
}


def problem_response(exc: exceptions.APIException, *, headers: dict | None = None) -> Response:
    """The problem details of one refusal."""
    code = exc.status_code
    body: dict = {"type": "about:blank", "title": TITLES.get(code, "Error."), "status": code}
    errors = getattr(exc, "field_errors", None)
    if errors is None and isinstance(exc.detail, dict | list) and code in (400, 409, 422):
        errors = _flatten(exc.detail)
    if errors:
        messages = [m for ms in errors.values() for m in ms]
        body["detail"] = " ".join(messages)
        body["errors"] = errors
    else:
        body["detail"] = str(exc.detail)
    response = Response(body, status=code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def problem_handler(exc, context) -> Response | None:
    """DRF's exception handler: Django's and DRF's refusals alike, as problem details."""
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, Http404 | exceptions.NotFound):
        exc = exceptions.NotFound("No such object for your organisation.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
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
