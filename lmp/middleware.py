"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Browsers and proxies keep no copy of any page or export (``Cache-Control: no-store``).

    Every page but the login form is a partner's data, and the login form carries a CSRF token;
    the Back button after logging out must not show a customer list from the cache. Static files
    are answered by WhiteNoise before this middleware, and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


# What is worth compressing: text. An .xlsx export is a zip already (gzip would cost CPU for
# nothing and drop its Content-Length); images and fonts are static files, sent by WhiteNoise.
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


class GZipTextMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH padding) for text responses only."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(_TEXT_TYPES):
            return response
        return super().process_response(request, response)
