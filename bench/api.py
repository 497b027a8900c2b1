"""The API's customer list (100 per page) under gunicorn vs /healthz, and its query count."""

from __future__ import annotations

import os

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.common import Row
from bench.http import _burst, _free_port, _load, start_gunicorn


def run(*, customers: int, requests: int) -> list[Row]:
    from django.urls import reverse
    from rest_framework.test import APIClient

    from bench.data import license_with
    from lmp.partners.services import api_key_create

    license, _ = license_with(customers)
    _, key = api_key_create(actor=None, partner=license.partner, name="bench", role="view_only")
    auth = {"Authorization": f"Api-Key {key}"}
    url = reverse("api:customer_list", kwargs={"license_pk": license.pk})

    # Queries of one request, at 10 and at 100 per page: the same number (no N+1).
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=auth["Authorization"])
    queries = {}
    for size in (10, 100):
        client.get(url, {"page_size": size})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": size})
        assert response.status_code == 200, response.status_code
        assert len(response.json()["results"]) == min(size, customers)
        queries[size] = len(captured)

    # The bench's clients send far more than a partner's tool may: lift the throttle's rate (the
    # throttle still counts every request in the database, as in production).
    os.environ["API_THROTTLE_RATE"] = "100000000/min"
    port = _free_port()
    server = start_gunicorn(port)
    try:
        _burst(port, url, "", 20, auth)  # warm both workers
        results = _load(port, {"trivial": "/healthz", "api": url}, "", requests, extra=auth)
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.environ.pop("API_THROTTLE_RATE", None)
    trivial_rps, trivial_p95, trivial_err = results["trivial"]
    api_rps, api_p95, api_err = results["api"]
    return [
        Row(
            f"HTTP API customer list, 100 per page of {customers:,}, gunicorn 2 workers (req/s)",
            api_rps,
            trivial_rps,
            "/s",
            "reported",
            None if api_err == 0 and trivial_err == 0 else False,
            note=f"errors {api_err}; p95 {api_p95:,.0f} vs {trivial_p95:,.0f} ms",
        ),
        Row(
            "API customer list queries, 100 per page vs 10 per page",
            queries[100],
            queries[10],
            "q",
            "equal",
            queries[100] == queries[10],
        ),
    ]
