"""Scale: one partner's pages in a database of 1,000,000 customers over 1,000 partners.

The other sections build one license at a time, so the database never holds more than their
customers. Here the whole portal is full: one partner holds ``big`` customers on one license, one
partner holds 10, and the other partners share the rest. A partner's license page and License tab
must not notice the other partners' customers, nor (beyond the 1.5 the page section allows) its own.

The data goes in set-based, in the database (``INSERT … SELECT`` over ``generate_series``), the
secondary indexes of the two tables dropped and rebuilt after it, and the allocation trigger off
during the load: fired once per row it would update the same license row 100,000 times in one
transaction. The counters the trigger keeps (``allocated``,
``holder_count``) are then set from the allocations in one UPDATE, under the license table's
CHECK (``0 <= allocated <= seat_commitment``), the trigger is turned back on in the same
transaction, and ``allocated = Σ active seats`` is verified for every license before anything is
measured. Constraints stay on throughout: foreign keys and CHECKs row by row, and the unique
active name per partner when its index is rebuilt (a unique index checks every row it is built on).
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.common import Row, interleaved_medians

SEATS = 5  # each customer's MDR Complete users
SMALL = 10  # the small partner's customers


def _shares(total: int, partners: int, big: int) -> list[int]:
    """Customers of each partner: ``big``, ``SMALL``, then the rest spread as evenly as it goes."""
    rest, others = total - big - SMALL, partners - 2
    each, extra = divmod(rest, others)
    return [big, SMALL] + [each + (1 if i < extra else 0) for i in range(others)]


# The two tables' indexes that no constraint owns (a constraint's stays, and so does each key).
_LOADED_TABLES = ("licenses_customeraccount", "licenses_seatallocation")


def _indexes_drop(cur) -> list[str]:
    """Drop the loaded tables' secondary indexes; return the statements that make them again.

    Kept up row by row, 1,000,000 inserts in index order of (license, name), (partner, name), the
    trigram indexes… thrash the shared buffers. On 2026-12-01 (a busy machine), the 1,000,000 took
    310 s kept up row by row (customers 237 s, allocations 72 s), 191 s rebuilt (customers 56 s,
    allocations 49 s, the indexes 85 s).
    """
    cur.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(_LOADED_TABLES)],
    )
    found = cur.fetchall()
    for name, _ in found:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _, definition in found]


def load(*, total: int, partners: int, big: int) -> dict:
    """Build the partners, their licenses and customers; return what the measurements need."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from licenses.models import VolumeLicense

    # Reached through their relations, not imported: Partner and Membership are moving out of
    # licenses.models (to lmp.partners), and this keeps working on either side of that move.
    Partner = VolumeLicense._meta.get_field("partner").related_model
    Membership = get_user_model()._meta.get_field("membership").related_model

    shares = _shares(total, partners, big)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    renewal = dt.date.today() + dt.timedelta(days=200)
    with transaction.atomic():
        made = Partner.objects.bulk_create(
            Partner(name=f"Scale partner {i:05d}") for i in range(partners)
        )
        licenses = VolumeLicense.objects.bulk_create(
            VolumeLicense(
                partner=p,
                tier="complete",
                seat_commitment=10**9,
                renewal_date=renewal,
                price_per_user="12.00",
                currency="CAD",
            )
            for p in made
        )
        plan = [(lic.partner_id, lic.pk, n) for lic, n in zip(licenses, shares, strict=True)]
        with connection.cursor() as cur:
            # Foreign keys checked at the end of each statement, not queued for COMMIT: the
            # trigger can be turned back on inside the transaction only with no events pending.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(
                "ALTER TABLE licenses_seatallocation DISABLE TRIGGER licenses_allocation_sync"
            )
            rebuild = _indexes_drop(cur)
            steps["partners and licenses"] = time.perf_counter() - started
            # One statement for every customer: the partner's share as a generate_series.
            values = ", ".join(["(%s, %s, %s)"] * len(plan))
            cur.execute(
                f"""
                INSERT INTO licenses_customeraccount
                    (partner_id, license_id, legal_name, website, admin_email, status,
                     deployment, hosting_region, onboarded_at)
                SELECT p.partner_id, p.license_id,
                       'Customer ' || lpad(g::text, 7, '0') || ' '
                           || substr(md5(p.partner_id::text || '/' || g::text), 1, 6)
                           || ' Holdings',
                       'https://c' || g || '.p' || p.partner_id || '.example',
                       'admin' || g || '@c' || g || '.p' || p.partner_id || '.example',
                       'active', '', '', now() - (g %% 1000) * interval '1 hour'
                FROM (VALUES {values}) AS p(partner_id, license_id, n),
                     generate_series(0, p.n - 1) AS g
                """,
                [x for row in plan for x in row],
            )
            steps["customers"] = time.perf_counter() - started - sum(steps.values())
            cur.execute(
                """
                INSERT INTO licenses_seatallocation
                    (customer_id, license_id, tier, seats, sat_users, active)
                SELECT c.id, c.license_id, 'complete', %s, 0, true
                FROM licenses_customeraccount c
                WHERE c.partner_id = ANY(%s)
                """,
                [SEATS, [p.pk for p in made]],
            )
            steps["allocations"] = time.perf_counter() - started - sum(steps.values())
            # What the trigger would have counted, set once per license (the CHECK holds it).
            cur.execute(
                """
                UPDATE licenses_volumelicense l
                SET allocated = s.seats, holder_count = s.holders
                FROM (SELECT license_id, SUM(seats) AS seats, COUNT(*) AS holders
                      FROM licenses_seatallocation WHERE active
                      GROUP BY license_id) s
                WHERE l.id = s.license_id AND l.id = ANY(%s)
                """,
                [[lic.pk for lic in licenses]],
            )
            cur.execute(
                "ALTER TABLE licenses_seatallocation ENABLE TRIGGER licenses_allocation_sync"
            )
            steps["counters"] = time.perf_counter() - started - sum(steps.values())
            # Built once, sorted, rather than kept up row by row: a unique index checks every
            # row as it is built, so the constraint holds for the loaded rows as for any other.
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in rebuild:
                cur.execute(statement)
            steps["indexes"] = time.perf_counter() - started - sum(steps.values())
    loaded = time.perf_counter() - started
    steps["COMMIT"] = loaded - sum(steps.values())

    # Every license's counters, checked against its allocations (not only the measured one).
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT COUNT(*) FROM licenses_volumelicense l
            LEFT JOIN (SELECT license_id, SUM(seats) AS seats, COUNT(*) AS holders
                       FROM licenses_seatallocation WHERE active GROUP BY license_id) s
                   ON s.license_id = l.id
            WHERE l.allocated <> COALESCE(s.seats, 0) OR l.holder_count <> COALESCE(s.holders, 0)
            """
        )
        (inconsistent,) = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM licenses_customeraccount")
        (customers_in_db,) = cur.fetchone()
    if inconsistent:
        raise RuntimeError(f"scale data: {inconsistent} licenses whose counters do not match")

    # Statistics and the visibility map, as autovacuum leaves a live database (see bench.data).
    vacuum_started = time.perf_counter()
    with connection.cursor() as cur:
        for table in (
            "licenses_customeraccount",
            "licenses_seatallocation",
            "licenses_volumelicense",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
    vacuumed = time.perf_counter() - vacuum_started

    users = []
    for lic in (licenses[0], licenses[1]):
        user = get_user_model().objects.create_user(username=f"scale-{lic.partner_id}")
        Membership.objects.create(
            user=user, partner_id=lic.partner_id, role="allocator"
        )  # the role that allocates; no second factor
        users.append(user)
    big_license = VolumeLicense.objects.get(pk=licenses[0].pk)
    assert big_license.allocated == big * SEATS and big_license.holder_count == big
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
    print(
        f"  loaded {total:,} customers over {partners:,} partners in {loaded:,.1f} s "
        f"(+ VACUUM ANALYZE {vacuumed:,.1f} s); {customers_in_db:,} customers in the database",
        flush=True,
    )
    return {
        "big": (licenses[0], users[0]),
        "small": (licenses[1], users[1]),
        "loaded": loaded,
        "steps": steps,
        "vacuumed": vacuumed,
        "customers_in_db": customers_in_db,
    }


def run(*, total: int, partners: int, big: int, repeat: int) -> list[Row]:
    from bench.data import client_for
    from bench.page import _page

    data = load(total=total, partners=partners, big=big)
    pages, tabs, page_queries, tab_queries = {}, {}, {}, {}
    for key in ("big", "small"):
        license, user = data[key]
        client = client_for(user)
        pages[key] = _page(client, reverse("licenses:license_detail", kwargs={"pk": license.pk}))
        tabs[key] = _page(client, reverse("licenses:license_list"))
        with CaptureQueriesContext(connection) as captured:
            pages[key]()
        page_queries[key] = len(captured)
        with CaptureQueriesContext(connection) as captured:
            tabs[key]()
        tab_queries[key] = len(captured)
    page_times = interleaved_medians(pages, repeat=repeat)
    tab_times = interleaved_medians(tabs, repeat=repeat)

    in_db = f"{data['customers_in_db']:,} in the database"
    page_ratio = page_times["big"] / page_times["small"]
    tab_ratio = tab_times["big"] / tab_times["small"]
    return [
        Row(
            f"scale: data load, {total:,} customers over {partners:,} partners (s)",
            data["loaded"],
            None,
            "s",
            "reported",
            None,
            note=", ".join(f"{k} {v:.1f} s" for k, v in data["steps"].items())
            + f"; then VACUUM ANALYZE {data['vacuumed']:.1f} s",
        ),
        Row(
            f"scale: license page queries, {big:,} vs {SMALL} customers ({in_db})",
            page_queries["big"],
            page_queries["small"],
            "q",
            "≤ 10 and constant",
            page_queries["big"] == page_queries["small"] and page_queries["big"] <= 10,
        ),
        Row(
            f"scale: license page time, {big:,} vs {SMALL} customers ({in_db})",
            page_times["big"],
            page_times["small"],
            "ms",
            "ratio ≤ 1.5",
            page_ratio <= 1.5,
        ),
        Row(
            f"scale: License tab queries, {big:,} vs {SMALL} customers",
            tab_queries["big"],
            tab_queries["small"],
            "q",
            "constant",
            tab_queries["big"] == tab_queries["small"],
        ),
        Row(
            f"scale: License tab time, {big:,} vs {SMALL} customers",
            tab_times["big"],
            tab_times["small"],
            "ms",
            "constant: ratio ≤ 1.5",
            tab_ratio <= 1.5,
        ),
    ]
