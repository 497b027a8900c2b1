"""The suite's own house rules: shared helpers live in tests/helpers/, shared fixtures once.

A test module that imports another test module runs that module's import (and its fixtures'
names) wherever it is used, and breaks when the other file moves or is renamed; a fixture defined
twice under one name means two different things to two readers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TESTS = ROOT / "tests"

# Fixtures and helpers with one meaning across the suite, each defined in one place.
DEFINED_ONCE = {
    "world": "tests/conftest.py",
    "staff_client": "tests/conftest.py",
    "administrator_client": "tests/conftest.py",
    "messages_of": "tests/helpers/messages.py",
    "db_state": "tests/helpers/state.py",
}


def modules() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(), str(path))
        for path in sorted(TESTS.rglob("*.py"))
    }


def imported_test_modules(tree: ast.Module) -> list[str]:
    """The test modules (``test_*``) that ``tree`` imports, absolutely or relatively."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
            if node.level:  # from . import test_x
                names += [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [name for name in names if name.rsplit(".", 1)[-1].startswith("test_")]
    return found


def test_no_test_module_imports_another():
    offenders = {
        path: imports
        for path, tree in modules().items()
        if (imports := imported_test_modules(tree))
    }
    assert offenders == {}, "move what they share to tests/helpers/"


def test_shared_fixtures_and_helpers_are_defined_once():
    where: dict[str, list[str]] = {name: [] for name in DEFINED_ONCE}
    for path, tree in modules().items():
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in where:
                where[node.name].append(path)
    assert where == {name: [path] for name, path in DEFINED_ONCE.items()}


def test_no_test_asks_for_admin_client():
    """pytest-django's ``admin_client`` is a superuser: a test asking for it by habit would pass
    as vendor staff where a partner's Administrator (``administrator_client``) or the vendor's
    staff (``staff_client``) was meant."""
    askers = [
        f"{path}::{node.name}"
        for path, tree in modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and "admin_client" in {arg.arg for arg in node.args.args}
    ]
    assert askers == []


def test_every_test_module_is_in_a_layer_folder():
    """tests/ itself holds conftest.py, the factories and the Schemathesis hooks; a test module
    goes to the folder of what it drives (docs/pages/development/testing.md: Where a test goes)."""
    loose = sorted(path.name for path in TESTS.glob("test_*.py"))
    assert loose == []
