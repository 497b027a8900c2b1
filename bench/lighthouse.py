"""Lighthouse, mobile: the license page's and the onboarding wizard's first step's scores
(performance, accessibility, best practices) with production settings.

``python -m bench.lighthouse [--runs 3] [--customers 1000]`` (the bench's own database, as
``make bench``; needs Node's ``npx`` and Chromium, ``CHROME_PATH``, by default /usr/bin/chromium),
or ``make bench BENCH_ARGS="--only lighthouse"`` (the full ``make bench`` runs it too; the quick
run does not). It builds a license with ``--customers`` customers, serves the portal under
gunicorn with ``DEBUG=0`` after ``collectstatic`` (WhiteNoise: compressed files with hashed names,
as in production), and runs Lighthouse's default mobile preset (an emulated mid-range phone,
throttled 4G and CPU, simulated) on both pages, signed in through a session cookie. Prints each
run's scores and metrics, then the medians.

It needs the npm registry (``npx --yes lighthouse@12.2.3``, the last 12.x known to run on Node
20, unless ``LIGHTHOUSE`` names an installed binary); a score is not a ratio to a reference.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys

CATEGORIES = ["performance", "accessibility", "best-practices"]
TARGET = 95  # mobile performance, each page (median of the runs)
METRICS = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
]


def lighthouse(url: str, cookie: str, save: str | None = None) -> dict:
    command = shlex.split(os.environ.get("LIGHTHOUSE", "npx --yes lighthouse@12.2.3"))
    result = subprocess.run(
        [
            *command,
            url,
            "--only-categories=" + ",".join(CATEGORIES),
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--extra-headers=" + json.dumps({"Cookie": cookie}),
        ],
        env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        capture_output=True,
        text=True,
        check=True,
    )
    if save:
        with open(save, "w") as fh:
            fh.write(result.stdout)
    report = json.loads(result.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(report["runtimeError"])
    audits = report["audits"]
    # What Lighthouse says would save time (its "opportunities"), largest first.
    savings = sorted(
        (
            (a.get("metricSavings") or {}).get("LCP") or a.get("numericValue") or 0,
            a["id"],
        )
        for a in audits.values()
        if (a.get("details") or {}).get("type") == "opportunity" and (a.get("score") or 0) < 1
    )
    return {
        **{c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "opportunities": {name: f"{ms:.0f} ms" for ms, name in reversed(savings) if ms},
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        **{m: audits[m]["displayValue"] for m in METRICS if m in audits},
    }


def pages(customers: int) -> tuple[dict[str, str], str]:
    """The pages' paths (the wizard's first step is where its start redirects) and the cookie."""
    from django.urls import reverse

    from bench.data import license_with
    from bench.http import _session_cookie

    license, user = license_with(customers)
    cookie = _session_cookie(user)
    return {
        "license page": reverse("licenses:license_detail", kwargs={"pk": license.pk}),
        "wizard, first step": reverse("onboarding:wizard", kwargs={"license_pk": license.pk}),
    }, cookie


def _first_step(port: int, path: str, cookie: str) -> str:
    """Where the wizard's start redirects: its first step (of a run kept in the session)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 302:
        raise RuntimeError(f"{path}: HTTP {response.status}, not a redirect to the first step")
    return response.getheader("Location")


def measure(*, runs: int, customers: int, report: str | None = None) -> dict[str, dict]:
    """Each page's runs (scores and metrics), under gunicorn with production settings."""
    from bench.http import _free_port, start_gunicorn

    paths, cookie = pages(customers)
    port = _free_port()
    server = start_gunicorn(port)
    results: dict[str, list[dict]] = {}
    try:
        paths["wizard, first step"] = _first_step(port, paths["wizard, first step"], cookie)
        for name, path in paths.items():
            url = f"http://127.0.0.1:{port}{path}"
            results[name] = []
            for run in range(runs):
                result = lighthouse(url, cookie, save=report)
                if result["final_url"] != url:  # a redirect to the login page scores that page
                    raise RuntimeError(f"Lighthouse ended on {result['final_url']}, not {url}")
                results[name].append(result)
                print(f"{name}, run {run + 1}: {json.dumps(result)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def run(*, runs: int = 3, customers: int = 1_000) -> list:
    """The bench section: each page's median scores; the target is performance >= 95."""
    import shutil

    from bench.common import Row

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not (os.environ.get("LIGHTHOUSE") or shutil.which("npx")) or not os.path.exists(chrome):
        print(f"  lighthouse: skipped, no npx (Node) or no Chromium at {chrome}", flush=True)
        return []
    rows = []
    for name, results in measure(runs=runs, customers=customers).items():
        for category in CATEGORIES:
            median = statistics.median(r[category] for r in results)
            target = f"≥ {TARGET}" if category == "performance" else "reported"
            ok = median >= TARGET if category == "performance" else None
            rows.append(
                Row(
                    f"Lighthouse mobile {category}, {name} ({customers:,} customers)",
                    median,
                    None,
                    "",
                    target,
                    ok,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--report", help="save the last run's Lighthouse JSON report here")
    args = parser.parse_args(argv)

    from bench.common import prepare

    prepare()

    results = measure(runs=args.runs, customers=args.customers, report=args.report)
    for name, runs in results.items():
        medians = {c: statistics.median(r[c] for r in runs) for c in CATEGORIES}
        print(
            f"{name}, {args.customers:,} customers: mobile medians of {len(runs)}: "
            + ", ".join(f"{c} {v:.0f}" for c, v in medians.items())
            + f" (performance runs: {[r['performance'] for r in runs]})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
