"""`make bench` drops and re-creates its database: only one it made itself, never another.

The bench used to take its target from ``DATABASE_URL`` and drop it ``WITH (FORCE)``: pointed at a
real database, one run erased it. It now reads ``BENCH_DATABASE_URL`` alone, marks the database
it creates, and refuses (exit non-zero, the database untouched) one that does not carry the mark.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres


def _admin():
    import psycopg2

    params = connection.get_connection_params()
    admin = psycopg2.connect(
        dbname="postgres",
        **{k: params[k] for k in ("user", "host", "port", "password") if params.get(k)},
    )
    admin.autocommit = True
    return admin


def _url(name: str) -> str:
    params = connection.get_connection_params()
    user = params.get("user") or "postgres"
    password = f":{params['password']}" if params.get("password") else ""
    host = params.get("host") or "127.0.0.1"
    port = params.get("port") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def _exists(name: str) -> bool:
    admin = _admin()
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cur.fetchone() is not None
    finally:
        admin.close()


@pytest.fixture
def scratch_name(require_postgres):
    """A database name of this test's own (next to the test database's), dropped afterwards."""
    base = connection.settings_dict["NAME"].removeprefix("test_")
    name = f"{base}_bench_safety_{uuid.uuid4().hex[:8]}"
    yield name
    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_bench_refuses_to_drop_a_database_it_did_not_create(scratch_name, capsys):
    from bench.common import recreate_database

    admin = _admin()
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{scratch_name}"')
    admin.close()

    with pytest.raises(SystemExit) as refused:
        recreate_database(_url(scratch_name))

    assert refused.value.code not in (0, None), "the refusal must exit non-zero"
    message = str(refused.value.code)
    assert scratch_name in message and "not" in message
    assert _exists(scratch_name), "the bench dropped a database it had not created"


def test_bench_recreates_only_its_own_marked_database(scratch_name):
    import psycopg2

    from bench.common import recreate_database

    url = _url(scratch_name)
    recreate_database(url)  # absent: created and marked
    assert _exists(scratch_name)
    params = connection.get_connection_params()
    own = psycopg2.connect(
        dbname=scratch_name,
        **{k: params[k] for k in ("user", "host", "port", "password") if params.get(k)},
    )
    own.autocommit = True
    with own.cursor() as cur:
        cur.execute("CREATE TABLE leftover (id int)")
    own.close()

    recreate_database(url)  # marked by the bench: dropped and made again, empty

    own = psycopg2.connect(
        dbname=scratch_name,
        **{k: params[k] for k in ("user", "host", "port", "password") if params.get(k)},
    )
    with own.cursor() as cur:
        cur.execute("SELECT to_regclass('leftover')")
        assert cur.fetchone()[0] is None
    own.close()


def test_bench_target_comes_from_bench_database_url_only(monkeypatch):
    from bench.common import DEFAULT_URL, database_url

    real = "postgres://postgres@127.0.0.1:5432/production_like"
    monkeypatch.setenv("DATABASE_URL", real)
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    assert database_url() == DEFAULT_URL
    assert DEFAULT_URL.endswith("/lmp_bench")

    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lmp_bench_x")
    assert database_url() == "postgres://postgres@127.0.0.1:5432/lmp_bench_x"
