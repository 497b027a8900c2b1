"""`python -m bench [--quick]`: build data on PostgreSQL, measure, print one table of ratios.

The database is BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/lmp_bench): the
bench creates it, marks it as its own, and on the next run drops only a database with that mark.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def machine() -> str:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(fh.readline().split()[1])
    except OSError:
        pass
    memory = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    return f"{os.cpu_count()} CPUs, {memory}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a target is missed (timings on a shared machine are noisy; CI "
        "runs --quick without it so the bench keeps working without flaking)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only these sections (see bench/sections.py: page, export, statement_excel, "
        "allocation, http, api, onboarding, forecast, usage, lighthouse, as_of, renewals, scale, "
        "close)",
    )
    args = parser.parse_args(argv)

    from bench.common import prepare, table

    prepare()

    from bench import sections

    started = time.perf_counter()
    rows = []
    for name, run in sections.selected(args.only, quick=args.quick):
        print(f"… {name}", file=sys.stderr, flush=True)
        section_started = time.perf_counter()
        rows.extend(run())
        took = time.perf_counter() - section_started
        print(f"  {name}: {took:,.0f} s", file=sys.stderr, flush=True)
    print(
        f"\nLMP bench — {time.strftime('%Y-%m-%d')} — {machine()} — "
        f"{'quick' if args.quick else 'full'} run in {time.perf_counter() - started:,.0f} s\n"
    )
    print(table(rows))
    missed = [r.figure for r in rows if r.ok is False]
    if missed:
        print(f"\nTargets missed: {len(missed)} (see docs/pages/development/bench.md).")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
