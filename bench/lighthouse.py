"""Lighthouse, mobile: the license page's performance score with production settings.

``python -m bench.lighthouse [--runs 3] [--customers 1000]`` (the bench's own database, as
``make bench``; needs Node's ``npx`` and Chromium, ``CHROME_PATH``, by default /usr/bin/chromium).
It builds a license with ``--customers`` customers, serves the portal under gunicorn with
``DEBUG=0`` after ``collectstatic`` (WhiteNoise: compressed files with hashed names, as in
production), and runs Lighthouse's default mobile preset (an emulated mid-range phone, throttled
4G and CPU, simulated) on the license page, signed in through a session cookie. Prints each run's
performance score and metrics, then the median score.

Not part of ``make bench``: it needs a browser and the npm registry (``npx --yes lighthouse@12``
unless ``LIGHTHOUSE`` names an installed binary), and a score is not a ratio to a reference.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys

METRICS = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
]


def lighthouse(url: str, cookie: str, save: str | None = None) -> dict:
    command = shlex.split(os.environ.get("LIGHTHOUSE", "npx --yes lighthouse@12"))
    result = subprocess.run(
        [
            *command,
            url,
            "--only-categories=performance",
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
        "score": round(report["categories"]["performance"]["score"] * 100),
        "opportunities": {name: f"{ms:.0f} ms" for ms, name in reversed(savings) if ms},
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        **{m: audits[m]["displayValue"] for m in METRICS if m in audits},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--report", help="save the last run's Lighthouse JSON report here")
    args = parser.parse_args(argv)

    from bench.common import prepare

    prepare()

    from django.urls import reverse

    from bench.data import license_with
    from bench.http import _free_port, _session_cookie, start_gunicorn

    license, user = license_with(args.customers)
    cookie = _session_cookie(user)
    port = _free_port()
    url = f"http://127.0.0.1:{port}" + reverse("licenses:license_detail", kwargs={"pk": license.pk})
    server = start_gunicorn(port)
    try:
        scores = []
        for run in range(args.runs):
            result = lighthouse(url, cookie, save=args.report)
            if result["final_url"] != url:  # a redirect to the login page would score that page
                raise RuntimeError(f"Lighthouse ended on {result['final_url']}, not {url}")
            scores.append(result["score"])
            print(f"run {run + 1}: {json.dumps(result)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"license page, {args.customers:,} customers: mobile performance score, median of "
        f"{len(scores)}: {statistics.median(scores):.0f} (runs: {scores})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
