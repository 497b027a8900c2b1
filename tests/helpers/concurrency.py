"""Real concurrent jobs on PostgreSQL: one thread and database connection each, released at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection

JOIN_TIMEOUT = 30  # seconds; a thread still running after this is a hang (and fails the test)


def race(jobs: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Run the jobs at once, one thread and connection each; ("ok"|"refused"|"error", value)."""
    barrier = threading.Barrier(len(jobs), timeout=JOIN_TIMEOUT)
    results: list[tuple[str, object]] = [("error", "did not finish")] * len(jobs)

    def worker(index: int, job: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so the barrier releases real work
            barrier.wait()
            results[index] = ("ok", job())
        except ValidationError as exc:
            results[index] = ("refused", exc)
        except BaseException as exc:  # noqa: BLE001 — reported by the test, not lost in a thread
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(i, job), daemon=True) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a job hung"
    errors = [value for kind, value in results if kind == "error"]
    assert errors == [], f"unexpected errors: {errors!r}"
    return results


def outcomes(results) -> list[str]:
    return [kind for kind, _ in results]
