"""The French catalogue is complete and current: what a French reader gets is every string we wrote.

- **Current:** ``make messages-extract`` (makemessages, as ``make messages`` runs it) on a copy of
  the tree finds exactly the entries the committed .po files hold, for Python, templates and
  JavaScript. A new string not yet in the catalogue fails here.
- **Complete:** every entry is translated, none is fuzzy or obsolete, and each translation keeps
  its placeholders (``%(name)s``, ``{name}``) and its HTML tags.
- **Compiled:** the committed .mo files hold the .po files' translations (Django reads the .mo).

The first needs gettext's tools (xgettext, msgmerge); without them it skips, unless
LMP_REQUIRE_GETTEXT is set (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MESSAGES = ROOT / "locale" / "fr_CA" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# What makemessages reads: the code, templates and scripts (its ignores are in the Makefile).
SOURCES = ("lmp", "licenses", "onboarding", "shipping", "templates", "static/js", "locale")

PYTHON_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
BRACE_PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")


def _required() -> bool:
    return os.environ.get("LMP_REQUIRE_GETTEXT", "").strip().lower() in {"1", "true", "yes"}


def _catalogue(domain: str) -> polib.POFile:
    path = MESSAGES / f"{domain}.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make messages`"
    return polib.pofile(str(path))


def _keys(catalogue: polib.POFile) -> set[tuple]:
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural)
        for entry in catalogue
        if not entry.obsolete
    }


def _show(key: tuple) -> str:
    context, msgid, _plural = key
    return f"{context + ' | ' if context else ''}{msgid!r}"


def test_the_catalogue_holds_every_string_of_the_code(tmp_path):
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        message = "no gettext tools: makemessages needs them (apt-get install gettext)"
        if _required():
            pytest.fail(message)
        pytest.skip(message)
    tree = tmp_path / "tree"
    for name in SOURCES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("manage.py", "Makefile"):
        shutil.copy2(ROOT / name, tree / name)
    done = subprocess.run(
        ["make", "--no-print-directory", "messages-extract", f"PY={sys.executable}"],
        cwd=tree,
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    problems = []
    for domain in DOMAINS:
        fresh_path = tree / "locale" / "fr_CA" / "LC_MESSAGES" / f"{domain}.po"
        fresh = _keys(polib.pofile(str(fresh_path))) if fresh_path.exists() else set()
        committed = _keys(_catalogue(domain)) if (MESSAGES / f"{domain}.po").exists() else set()
        problems += [
            f"{domain}: not in the catalogue: {_show(k)}"
            for k in sorted(fresh - committed, key=str)
        ]
        problems += [
            f"{domain}: no longer in the code: {_show(k)}"
            for k in sorted(committed - fresh, key=str)
        ]
    assert not problems, "The catalogue is stale: run `make messages` and translate.\n" + "\n".join(
        problems
    )


def _texts(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(English, French) pairs of an entry: one, or one per plural form."""
    if entry.msgid_plural:
        forms = entry.msgstr_plural
        return [(entry.msgid, forms.get(0, "")), (entry.msgid_plural, forms.get(1, ""))]
    return [(entry.msgid, entry.msgstr)]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_is_translated_keeping_its_placeholders_and_tags(domain):
    if domain == "djangojs" and not (MESSAGES / "djangojs.po").exists():
        pytest.fail("locale/fr_CA/LC_MESSAGES/djangojs.po is missing: run `make messages`")
    catalogue = _catalogue(domain)
    problems = []
    for entry in catalogue:
        where = f"{_show((entry.msgctxt, entry.msgid, None))}"
        if entry.obsolete:
            problems.append(f"obsolete: {where}")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where}")
        for english, french in _texts(entry):
            if not french.strip():
                problems.append(f"untranslated: {where}")
                continue
            if Counter(PYTHON_PLACEHOLDER.findall(english)) != Counter(
                PYTHON_PLACEHOLDER.findall(french)
            ):
                problems.append(f"placeholders differ: {where} → {french!r}")
            if Counter(BRACE_PLACEHOLDER.findall(english)) != Counter(
                BRACE_PLACEHOLDER.findall(french)
            ):
                problems.append(f"placeholders differ: {where} → {french!r}")
            if Counter(TAG.findall(english)) != Counter(TAG.findall(french)):
                problems.append(f"HTML tags differ: {where} → {french!r}")
    assert not problems, f"{domain}.po:\n" + "\n".join(problems)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_the_translated_one(domain):
    po_path, mo_path = MESSAGES / f"{domain}.po", MESSAGES / f"{domain}.mo"
    if not po_path.exists():
        pytest.fail(f"{po_path.relative_to(ROOT)} is missing: run `make messages`")
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} is missing: run `make messages`"

    def table(entries) -> dict:
        return {
            (entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
            for entry in entries
            if entry.msgid
        }

    source = table(polib.pofile(str(po_path)).translated_entries())
    compiled = table(polib.mofile(str(mo_path)))
    stale = sorted((key for key in source if compiled.get(key) != source[key]), key=str)
    assert not stale, "the .mo is not the .po compiled: run `make messages`\n" + "\n".join(
        map(str, stale[:20])
    )
