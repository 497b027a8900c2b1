"""How long ``POST /password-reset/`` takes for an address with a login and for one without.

Production-like: DEBUG off, the real password hasher, PostgreSQL, no e-mail worker running (its
work is not the request's). 50 requests each, interleaved (alternating which goes first);
prints the medians in milliseconds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lmp_bench .venv/bin/python \
        bench/password_reset_timing.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

# The project root, not bench/ (whose http.py would hide the standard library's).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmp.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-password-reset-timing-not-a-real-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lmp_bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

TRIES = 50
KNOWN = "reset-timing@northwind.example"
UNKNOWN = "nobody-here@northwind.example"


def main() -> None:
    assert not settings.DEBUG and "MD5" not in settings.PASSWORD_HASHERS[0]
    call_command("migrate", verbosity=0)
    User = get_user_model()
    if not User.objects.filter(username=KNOWN).exists():
        User.objects.create_user(username=KNOWN, email=KNOWN, password="Kestrel-Harbour-2026")
    client = Client(enforce_csrf_checks=False)
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for address in (KNOWN, UNKNOWN):  # warm up
        client.post("/password-reset/", {"email": address}, secure=True)
    for i in range(TRIES):
        # Alternating which goes first, so that neither always follows the other.
        for address in (KNOWN, UNKNOWN) if i % 2 else (UNKNOWN, KNOWN):
            start = time.perf_counter()
            response = client.post("/password-reset/", {"email": address}, secure=True)
            times[address].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 302, response.status_code
    for address, label in ((KNOWN, "known address"), (UNKNOWN, "unknown address")):
        print(f"{label}: median {statistics.median(times[address]):.1f} ms ({TRIES} tries)")


if __name__ == "__main__":
    main()
