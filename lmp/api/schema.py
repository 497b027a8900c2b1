"""How the OpenAPI schema describes the API: its authentication, and every operation's
refusals (drf-spectacular's extension and schema class, ``DEFAULT_SCHEMA_CLASS``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from lmp.api.problems import PROBLEM_CONTENT_TYPE, TITLES, ProblemRenderer, ProblemSerializer
from lmp.api.serializers import StrictSerializer


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """``Authorization: Api-Key <key>``: the key an Administrator made on the Team page."""

    target_class = "lmp.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` (or `Bearer <key>`): a key made on the Team page.",
        }


class ProblemAutoSchema(AutoSchema):
    """drf-spectacular's schema of an operation, with the refusals it can answer.

    Declared here once for every operation, from what the operation is (a write, a page, a URL
    with ids), rather than on each view: each refusal is ``application/problem+json`` with the
    one ``Problem`` component, and the headers it comes with (Retry-After, WWW-Authenticate).
    """

    def problem_statuses(self) -> list[int]:
        """The refusals this operation can answer, as ``lmp.api`` answers them."""
        statuses = {401, 406, 429, 503}  # no key or a wrong one, Accept, the throttles, outage
        if "{" in self.path:
            statuses.add(404)  # an id of nothing the key's partner sees
        if self.method in WRITE_METHODS:
            # Bad fields, malformed JSON or a body too large; the role; the Content-Type; a
            # conflict with the state (seats, an offboarded customer); an Idempotency-Key reused.
            statuses |= {400, 403, 409, 415, 422}
        elif getattr(self.view, "pagination_class", None) is not None:
            statuses.add(400)  # page_size, cursor, filters
        return sorted(statuses)

    def get_override_parameters(self):
        # Every operation: the problems' title and detail in the language asked for.
        return [*super().get_override_parameters(), ACCEPT_LANGUAGE]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.problem_statuses():
            response = self._get_response_for_code(
                ProblemSerializer,
                str(code),
                media_types=[PROBLEM_CONTENT_TYPE],
                direction=direction,
            )
            with translation.override("en"):  # the schema is written in English
                response["description"] = str(TITLES[code])
            response["headers"] = {**PROBLEM_HEADERS.get(code, {})}
            responses.setdefault(str(code), response)
        for response in responses.values():
            if isinstance(response, dict) and "$ref" not in response:
                response["headers"] = {**response.get("headers", {}), **CONTENT_LANGUAGE}
        return responses

    def map_renderers(self, attribute):
        # Answers are JSON; the problem renderer is for refusals only, documented above.
        renderers = super().map_renderers(attribute)
        return [r for r in renderers if r not in (PROBLEM_CONTENT_TYPE, ProblemRenderer.format)]

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if isinstance(force_instance(serializer), StrictSerializer):
            schema["additionalProperties"] = False  # an unknown field is a 400
        return schema


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The languages of settings.LANGUAGES, as a client writes them ("en", "fr-ca").
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The language of the problems' `title` and `detail` (and of the validation "
    "messages in `errors`), as any `Accept-Language` header: the first language the API speaks "
    "wins, `en` (the default) or `fr-ca` (Canadian French; `fr` and `fr-CA` too); any other is "
    "answered in English. Field names, values and the rest of the answer stay the same in every "
    "language; `Content-Language` says which one was used.",
    examples=[OpenApiExample(code, value=code) for code in LANGUAGE_CODES],
)
CONTENT_LANGUAGE = {
    "Content-Language": {
        "schema": {"type": "string", "enum": LANGUAGE_CODES},
        "description": "The language of the answer's words (a problem's title and detail).",
    }
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
        "description": "Seconds to wait before trying again.",
    }
}
PROBLEM_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "schema": {"type": "string", "enum": ["Api-Key"]},
            "required": True,
            "description": "The scheme the API takes: `Authorization: Api-Key <key>`.",
        }
    },
    429: RETRY_AFTER,
    503: RETRY_AFTER,
}
