"""The apps form a stack, outbox ← partners ← webhooks ← licenses ← billing ← shipping ←
onboarding ← api: each may use the ones below it and none above it, in its models, its
migrations and its imports."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

# Bottom first. An app may depend on the apps before it in this list, never on those after it.
STACK = ["outbox", "partners", "webhooks", "licenses", "billing", "shipping", "onboarding", "api"]
RANK = {label: rank for rank, label in enumerate(STACK)}
ROOT = Path(settings.BASE_DIR)
PACKAGES = {
    "outbox": "lmp.outbox",
    "partners": "lmp.partners",
    "webhooks": "lmp.webhooks",
    "licenses": "licenses",
    "billing": "lmp.billing",
    "shipping": "shipping",
    "onboarding": "onboarding",
    "api": "lmp.api",
}

# Migration dependencies that point up the stack, kept because migrations already applied to
# existing databases are history: they can only go when the apps' migrations are squashed.
# Nothing may be added here; the test below also fails when an entry no longer exists.
HISTORICAL_EDGES = {
    # Partner.default_address → shipping.Address; the column is dropped by licenses 0008.
    (("licenses", "0002_initial"), ("shipping", "0001_initial")),
    # Shipment → onboarding.OnboardingRequest; Shipment moved to onboarding (onboarding 0003).
    (("shipping", "0002_appliance_shipment"), ("onboarding", "0001_initial")),
    # The last step of moving Partner out of licenses waits for every app that pointed at
    # licenses.Partner to point at partners.Partner, and for the default address to be carried.
    (("licenses", "0009_move_partner_to_partners"), ("shipping", "0003_address_is_default")),
    (
        ("licenses", "0009_move_partner_to_partners"),
        ("onboarding", "0002_partner_to_partners"),
    ),
    # The partners tables were created by licenses 0001 and handed over by licenses 0009: a
    # partners migration that alters them must run after the hand-over, or a fresh database
    # alters a table that does not exist yet (seen: "no such table: licenses_partner"). Only
    # this edge, from the first such migration; later ones follow it within partners.
    (("partners", "0002_roles_billing_mfa"), ("licenses", "0009_move_partner_to_partners")),
}

# Modules that may import an app above their own, with the reason.
IMPORT_EXCEPTIONS = {
    # The demo seeder fills every app (partners, licenses, addresses, the catalogue); it is a
    # command, imported by no other module.
    "licenses/management/commands/seed_demo.py",
}


def _app_of(module: str) -> str | None:
    for label, package in PACKAGES.items():
        if module == package or module.startswith(package + "."):
            return label
    return None


def _up_the_stack(app: str, other: str | None) -> bool:
    return other is not None and other in RANK and RANK[other] > RANK[app]


def test_models_point_only_down_the_stack():
    wrong = []
    for app in STACK:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            for field in model._meta.get_fields():
                if field.is_relation and not field.auto_created:
                    target = field.related_model._meta.app_label
                    if _up_the_stack(app, target):
                        wrong.append(f"{model._meta.label}.{field.name} → {target}")
    assert wrong == []


def _migration_edges(loader: MigrationLoader) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    """(migration, migration it depends on) between two of the stack's apps."""
    edges = set()
    for key, migration in loader.disk_migrations.items():
        for parent in migration.dependencies:
            edges.add((key, parent))
        for child in migration.run_before:  # "run_before" is a dependency declared backwards
            edges.add((tuple(child), key))
    return {
        (child, parent)
        for child, parent in edges
        if child[0] in RANK and parent[0] in RANK and child[0] != parent[0]
    }


def test_migrations_depend_only_down_the_stack():
    edges = _migration_edges(MigrationLoader(None, ignore_no_migrations=True))
    upward = {(child, parent) for child, parent in edges if _up_the_stack(child[0], parent[0])}
    assert upward - HISTORICAL_EDGES == set()
    assert HISTORICAL_EDGES - upward == set(), "a historical edge is gone: drop it from the list"


def test_partners_migrations_depend_on_no_other_app_of_the_project():
    # Except on the hand-over of the tables licenses created (HISTORICAL_EDGES).
    edges = _migration_edges(MigrationLoader(None, ignore_no_migrations=True))
    assert [e for e in edges if e[0][0] == "partners" and e not in HISTORICAL_EDGES] == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_app_code_imports_only_down_the_stack():
    wrong = []
    for app, package in PACKAGES.items():
        for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in IMPORT_EXCEPTIONS:
                continue
            for module in _imports(path):
                if _up_the_stack(app, _app_of(module)):
                    wrong.append(f"{relative} imports {module}")
    assert wrong == []
