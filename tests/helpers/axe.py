"""axe-core on a page state in Chromium: the serious and critical findings, and the HTML kept."""

from __future__ import annotations

import os
import re

from tests.browser import html_check

BLOCKING = ("serious", "critical")


class Audit:
    """Runs axe on each page state it is given and keeps the serious and critical findings."""

    def __init__(self, page, shot):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.page = page
        self.shot = shot
        self.states: list[str] = []
        self.found: dict[str, list[str]] = {}

    def check(self, state: str) -> None:
        self.page.wait_for_load_state("networkidle")
        # Let CSS transitions (fades, htmx's settling opacity) finish before colours are measured.
        self.page.wait_for_timeout(250)
        # The same state's HTML goes to the Nu HTML Checker (tests/browser/test_html_valid.py).
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
        html_check.record(test, state, self.page.content())
        results = self.axe.run(self.page)
        self.states.append(state)
        lines = []
        for violation in results.response["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            for node in violation["nodes"]:
                summary = (node.get("failureSummary") or "").splitlines()
                lines.append(
                    f"{violation['id']} ({violation['impact']}) {node['target']}: "
                    f"{summary[-1].strip() if summary else ''} {node['html'][:160]}"
                )
        if lines:
            self.found[state] = lines
            self.shot(re.sub(r"\W+", "-", state).strip("-"))

    def assert_clean(self, at_least: int) -> None:
        assert len(self.states) >= at_least, self.states
        report = "\n".join(
            f"{state}:\n  " + "\n  ".join(lines) for state, lines in self.found.items()
        )
        assert self.found == {}, (
            f"serious/critical axe violations on {len(self.found)} of {len(self.states)} "
            f"page states:\n{report}"
        )
