"""Licenses with N customers, built once per bench run and shared by the sections."""

from __future__ import annotations

import time

from bench.common import bulk_customers, make_partner_with_license, mark_two_factor_passed

_cache: dict[int, tuple] = {}


def license_with(customers: int):
    """(license, user) of a Complete license holding ``customers`` active customers."""
    if customers not in _cache:
        from django.db import connection

        started = time.perf_counter()
        _, license, user = make_partner_with_license(seats=10**9)
        bulk_customers(license=license, count=customers)
        # What autovacuum does for a live database: statistics, and the visibility map that lets
        # counts be index-only scans. A bulk load without it measures a state production is not in.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE licenses_customeraccount")
            cur.execute("VACUUM ANALYZE licenses_seatallocation")
        license.refresh_from_db()
        _cache[customers] = (license, user)
        print(
            f"  built {customers:,} customers in {time.perf_counter() - started:,.1f} s", flush=True
        )
    return _cache[customers]


def client_for(user):
    """A Django test client logged in as ``user`` (in-process: measures server time only)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    mark_two_factor_passed(session, user)
    session.save()
    return client
