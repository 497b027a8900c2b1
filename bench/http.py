"""HTTP under gunicorn (2 workers, loopback): the license page vs a trivial view of the project."""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row, in_turns

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 4
ROUNDS = 3  # bursts per path, taken in turns
# The page rendered by one template engine (Django's), at 0.15 of /healthz: 0.4 needed a second
# engine for the rows (docs/pages/development/bench.md, the targets).
TARGET = 0.15


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _client(port: int, path: str, cookie: str, requests: int, out, extra=None) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1", **(extra or {})}
    latencies, errors = [], 0
    for _ in range(requests):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            errors += 1
            if errors == 1:
                print(
                    f"  {path}: HTTP {response.status} {response.getheader('Location')}", flush=True
                )
    conn.close()
    out.put((latencies, errors))


def _burst(
    port: int, path: str, cookie: str, requests: int, extra: dict | None = None
) -> tuple[float, list[float], int]:
    """Seconds, latencies (ms) and errors of ``CLIENTS`` keep-alive clients, ``requests`` each.

    ``extra``: more request headers (the API's ``Authorization``)."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(port, path, cookie, requests, out, extra))
        for _ in range(CLIENTS)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join(timeout=30)
    return elapsed, [ms for lat, _ in results for ms in lat], sum(e for _, e in results)


def _load(
    port: int,
    paths: dict[str, str],
    cookie: str,
    requests: int,
    rounds: int = ROUNDS,
    extra: dict | None = None,
) -> dict[str, tuple[float, float, int]]:
    """Requests/s, p95 latency (ms) and errors of each path, loaded in turns.

    Each round gives every path a burst of ``requests / rounds`` per client (see ``in_turns``).
    """
    per_burst = max(1, requests // rounds)
    keys = list(paths)
    elapsed = dict.fromkeys(keys, 0.0)
    latencies: dict[str, list[float]] = {key: [] for key in keys}
    errors = dict.fromkeys(keys, 0)
    for key in in_turns(keys, rounds=rounds):
        seconds, lat, err = _burst(port, paths[key], cookie, per_burst, extra)
        elapsed[key] += seconds
        latencies[key] += lat
        errors[key] += err
    return {
        key: (
            len(latencies[key]) / elapsed[key],
            statistics.quantiles(latencies[key], n=20)[18],
            errors[key],
        )
        for key in keys
    }


def _session_cookie(user) -> str:
    """A logged-in session made directly in the database (no login form, no throttling)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def start_gunicorn(port: int, workers: int = 2) -> subprocess.Popen:
    """gunicorn with production-like settings on loopback; waits until it answers."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "LMP_TESTING": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lmp.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def run(*, customers: int, requests: int) -> list[Row]:
    from django.urls import reverse

    from bench.data import license_with

    license, user = license_with(customers)
    cookie = _session_cookie(user)
    page = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    port = _free_port()
    server = start_gunicorn(port)
    try:
        _burst(port, page, cookie, 20)  # warm both workers
        # The License tab is the simplest logged-in page (one query of its own): what the
        # session, the login, the partner and the base template cost before a page does anything.
        results = _load(
            port,
            {"trivial": "/healthz", "page": page, "tab": reverse("licenses:license_list")},
            cookie,
            requests,
        )
        trivial_rps, trivial_p95, trivial_err = results["trivial"]
        page_rps, page_p95, page_err = results["page"]
        tab_rps, _, tab_err = results["tab"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    ok = page_err == 0 and trivial_err == 0
    return [
        Row(
            f"HTTP license page, {customers:,} customers, gunicorn 2 workers (req/s)",
            page_rps,
            trivial_rps,
            "/s",
            f"ratio ≥ {TARGET}",
            ok and page_rps / trivial_rps >= TARGET,
            note=f"errors {page_err}",
        ),
        Row(
            "HTTP p95 latency: license page vs trivial view",
            page_p95,
            trivial_p95,
            "ms",
            "reported",
            None,
        ),
        Row(
            "HTTP License tab (simplest logged-in page) vs trivial view (req/s)",
            tab_rps,
            trivial_rps,
            "/s",
            "reported",
            None,
            note=f"errors {tab_err}",
        ),
    ]
