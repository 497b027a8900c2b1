"""The OpenAPI schema validates with no warning; the reference page loads from our static files
under the strict CSP (no inline script); throttling answers 429 with Retry-After."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from lmp.api.models import ThrottleWindow
from lmp.api.throttles import throttle_window_hit
from tests.helpers.api import key_client, make_key, problem


@pytest.mark.django_db
def test_the_schema_validates_with_no_warning(tmp_path):
    out = tmp_path / "schema.yml"
    # --fail-on-warn raises on any warning (an unresolved serializer, a colliding operation id).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for operation in (
        "licenses_list",
        "customers_list",
        "customer_create",
        "customer_update",
        "customer_offboard",
        "customer_history_list",
        "onboarding_orders_list",
    ):
        assert f"operationId: {operation}" in text
    assert "ApiKey:" in text  # the security scheme


@pytest.mark.django_db
def test_the_schema_is_served_without_a_key(client):
    response = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/licenses/{license_pk}/customers/" in response.content.decode()


@pytest.mark.django_db
def test_the_reference_page_loads_its_script_and_styles_from_our_static_files(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.strip() == "'self'"
    style_src = re.search(r"style-src ([^;]*)", csp).group(1)
    assert "unsafe-inline" not in style_src  # Swagger UI's one <style> is allowed by its hash
    html = response.content.decode()
    # No inline script: every <script> has a src, and each is ours.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts), scripts
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    static = [s for s in sources if s.startswith("/static/")]
    assert any(s.endswith("swagger-ui-bundle.js") for s in static), sources
    assert any(s.endswith("swagger-ui.css") for s in static), sources
    assert all(s.startswith("/") for s in sources), sources  # nothing from a CDN
    for path in static:
        assert finders.find(path.removeprefix("/static/")), path
    init = [s for s in sources if "script" in s and not s.startswith("/static/")]
    assert init, sources
    script = client.get(init[0])
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert reverse("api:schema") in script.content.decode()


@pytest.mark.django_db
def test_a_key_over_its_rate_gets_429_with_retry_after(partner, complete_license, settings):
    settings.API_THROTTLE_RATE = "2/min"
    _, key = make_key(partner, name="Busy")
    _, other = make_key(partner, name="Quiet")
    api = key_client(key)
    url = reverse("api:license_list")
    assert [api.get(url).status_code for _ in range(2)] == [200, 200]
    response = api.get(url)
    body = problem(response)
    assert body["status"] == 429
    assert 0 < int(response["Retry-After"]) <= 60
    # Counted per key: another key of the partner is not slowed.
    assert key_client(other).get(url).status_code == 200


@pytest.mark.django_db
def test_a_new_window_counts_from_zero_and_the_key_keeps_one_row(partner):
    api_key, _ = make_key(partner, name="Busy")
    first = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    hits = [throttle_window_hit(api_key=api_key, window=first, limit=2) for _ in range(3)]
    assert hits == [True, True, False]
    later = first + dt.timedelta(minutes=1)
    assert throttle_window_hit(api_key=api_key, window=later, limit=2) is True
    assert list(ThrottleWindow.objects.values_list("window", "count")) == [(later, 1)]
