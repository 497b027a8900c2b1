"""Every page state the accessibility tests check (tests/browser/*_axe.py and the other tests
that use ``Audit``) is valid HTML for the Nu HTML Checker: 0 errors.

The pages are recorded by ``Audit.check`` while those tests run; this test is ordered after them
(tests/browser/conftest.py) and checks them all in one Java run. Without Java it skips, unless
LMP_REQUIRE_JAVA is set (CI), where it fails.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import html_check

AT_LEAST = 60  # of the page states the Audit tests check: fewer in CI means they did not all run


def _required() -> bool:
    return os.environ.get("LMP_REQUIRE_JAVA", "").strip().lower() in {"1", "true", "yes"}


def _counted(page: str, message: dict) -> bool:
    """An error, except the one Django's own admin script makes in the browser: inlines.js sets
    autocomplete="off" on its formsets' hidden TOTAL/MIN/MAX_NUM_FORMS inputs after load (the
    HTML Django serves has none; the DOM is what is checked here)."""
    if message.get("type") != "error":
        return False
    return not (
        ": Admin " in page
        and "must not have an “autocomplete” attribute" in message.get("message", "")
        and "_FORMS" in message.get("extract", "")
    )


def test_every_page_state_the_axe_tests_check_is_valid_html():
    if not html_check.java():
        message = "no Java: the Nu HTML Checker needs it (apt-get install default-jre-headless)"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    pages = dict(html_check.PAGES)
    if _required():
        assert len(pages) >= AT_LEAST, f"only {len(pages)} page states were recorded"
    if not pages:
        pytest.skip("no page recorded: run this with the tests that use Audit (tests/browser/)")
    found = html_check.vnu_messages(pages)
    # Errors only: vnu's warnings ("info" with subType "warning") are advice, not conformance.
    errors = {
        name: [html_check.describe(m) for m in messages if _counted(name, m)]
        for name, messages in found.items()
    }
    errors = {name: lines for name, lines in errors.items() if lines}
    report = "\n".join(f"{name}:\n  " + "\n  ".join(lines) for name, lines in errors.items())
    count = sum(len(lines) for lines in errors.values())
    assert errors == {}, f"{count} HTML errors on {len(errors)} of {len(pages)} pages:\n{report}"
