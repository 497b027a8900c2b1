"""Bench plumbing: the database, data generation, timing and the results table."""

from __future__ import annotations

import gc
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lmp_bench"


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    project: float
    reference: float | None
    unit: str
    target: str
    ok: bool | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.project / self.reference


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.2f} ms"
    if unit == "s":
        return f"{value:,.1f} s"
    if unit == "MB":
        return f"{value:,.1f} MB"
    if unit in {"q", "queries"}:
        return f"{value:,.0f} q"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:,.3g}{unit}"


def table(rows: list[Row]) -> str:
    """Render rows as a Markdown table (it reads well in a terminal and in the docs)."""
    head = ["figure", "this project", "reference", "ratio", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}"
        met = {True: "yes", False: "**NO**", None: "—"}[r.ok]
        cells = [r.figure, fmt(r.project, r.unit), fmt(r.reference, r.unit), ratio, r.target, met]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def database_url() -> str:
    """The bench's own database: ``BENCH_DATABASE_URL``, never the portal's ``DATABASE_URL``."""
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


# The comment the bench puts on the database it creates: the only kind it will drop again.
BENCH_MARK = "lmp bench: safe to drop"


def recreate_database(url: str) -> None:
    """Drop and create the bench database so every run starts from nothing.

    Only a database the bench created (its comment is ``BENCH_MARK``) is dropped; any other
    database of that name is left alone and the run stops with a message (exit status 1).
    """
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql" or not cfg["NAME"]:
        raise SystemExit(
            "make bench measures PostgreSQL: set BENCH_DATABASE_URL=postgres://.../<database>"
        )
    name = cfg["NAME"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
    )
    admin.autocommit = True
    database = sql.Identifier(name)
    try:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            )
            found = cur.fetchone()
            if found is not None:
                if found[0] != BENCH_MARK:
                    raise SystemExit(
                        f"bench: refusing to drop database {name!r}: it exists and was not "
                        f"created by the bench (its comment is not {BENCH_MARK!r}). Point "
                        "BENCH_DATABASE_URL at a database of the bench's own (by default "
                        "lmp_bench), or drop this one yourself if it really is disposable."
                    )
                cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(database))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(database))
            cur.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(database), [BENCH_MARK])
    finally:
        admin.close()


def prepare() -> None:
    """The bench's database made afresh and migrated, Django set up on it (every entry point)."""
    # The bench's target is BENCH_DATABASE_URL alone (default lmp_bench); a DATABASE_URL in the
    # environment is replaced, for this process and the gunicorn it starts, by the bench's own.
    url = database_url()
    recreate_database(url)  # refuses (exit 1) a database the bench did not create
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmp.settings")
    os.environ.setdefault("LMP_TESTING", "1")  # fast hasher, locmem e-mail, dev secret key
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no per-login chatter from django-axes
    # Shared with the gunicorn the HTTP section starts, so sessions made here are valid there.
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-" + "b" * 40)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_ms(fn: Callable[[], object], *, repeat: int, warmup: int = 2) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    return interleaved_medians({fn: fn}, repeat=repeat, warmup=warmup)[fn]


def in_turns(keys: Sequence[K], *, rounds: int) -> Iterator[K]:
    """``keys`` once per round, the order rotated every round (each key leads in turn).

    A shared machine drifts (other tenants, frequency, the database's background work) by tens of
    percent over seconds: measuring one figure and then its reference would put that drift into
    their ratio. Taken in turns, both see the same drift.
    """
    for round_ in range(rounds):
        shift = round_ % len(keys)
        yield from [*keys[shift:], *keys[:shift]]


def interleaved_medians(
    fns: dict[K, Callable[[], object]], *, repeat: int, warmup: int = 2
) -> dict[K, float]:
    """Median wall time (ms) of each of ``fns``, timed in turns (see ``in_turns``)."""
    keys = list(fns)
    for _ in range(warmup):
        for key in keys:
            fns[key]()
    samples: dict[K, list[float]] = {key: [] for key in keys}
    for key in in_turns(keys, rounds=repeat):
        gc.collect()  # outside the clock: one sample should not pay for another's garbage
        start = time.perf_counter()
        fns[key]()
        samples[key].append((time.perf_counter() - start) * 1000)
    return {key: statistics.median(values) for key, values in samples.items()}


def make_partner_with_license(*, tier: str = "complete", seats: int = 10**9, name: str = ""):
    """A partner (with a login) and one license of ``tier``; returns (partner, license, user)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from licenses.models import VolumeLicense
    from lmp.partners.models import Membership, Partner

    name = name or f"Bench {uuid.uuid4().hex[:8]}"
    partner = Partner.objects.create(name=name)
    license = VolumeLicense.objects.create(
        partner=partner,
        tier=tier,
        seat_commitment=seats,
        renewal_date=dt.date.today() + dt.timedelta(days=200),
        price_per_user=Decimal("12.00"),
        currency="CAD",
    )
    user = get_user_model().objects.create_user(username=name.replace(" ", "-").lower())
    Membership.objects.create(
        user=user, partner=partner, role="allocator"
    )  # the role that allocates; no second factor
    return partner, license, user


def bulk_customers(*, license, count: int, seats: int = 5, batch: int = 5000) -> None:
    """Insert ``count`` customers with one allocation each, fast (the triggers keep the counter)."""
    from licenses.models import CustomerAccount, SeatAllocation

    made = 0
    while made < count:
        n = min(batch, count - made)
        customers = CustomerAccount.objects.bulk_create(
            CustomerAccount(
                partner_id=license.partner_id,
                license=license,
                legal_name=f"Customer {made + i:07d} {uuid.uuid4().hex[:6]} Holdings",
                website=f"https://c{made + i}.example",
                admin_email=f"admin{made + i}@c{made + i}.example",
            )
            for i in range(n)
        )
        SeatAllocation.objects.bulk_create(
            SeatAllocation(customer=c, license=license, tier=license.tier, seats=seats)
            for c in customers
        )
        made += n
