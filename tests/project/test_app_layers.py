"""The apps form a stack, and every module under ``lmp/`` has its place in it.

The rule, checked on every app of the project (``USES`` must name each of them, as installed):

- ``USES`` lists, for each app, the apps it uses directly. An app's modules import, its models
  point at and its migrations depend on only itself, the apps it uses and the kernel; migrations
  already applied may keep the ``HISTORICAL_EDGES``.
- No edge that no code needs: each app listed in ``USES[app]`` is imported by a module of
  ``app`` or pointed at by one of its models (a migration alone keeps no edge: it is history).
- ``USES`` has no cycle, so the apps form a stack; an app's layer is one above the highest app
  it uses, bottom first: outbox; partners; accounts, shipping, webhooks; licenses; billing,
  onboarding; api, demo. No app uses demo (the demo data): it is at the top.
- The kernel, ``lmp/core/``, imports no app and no wiring; every app may use it.
- The wiring, the rest of ``lmp/`` (settings, urls, wsgi, error views, middleware, formats, the
  static bundle finder), sits above every app: it may import anything, and no app or kernel
  module imports it (settings are read through ``django.conf``).

Relative imports are banned (ruff's TID252, ``pyproject.toml``), so the absolute imports read
here are all of them; the test also fails on one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

ROOT = Path(settings.BASE_DIR)
KERNEL = "lmp.core"

# Each app of the project: its package, and the apps it uses directly (see the docstring).
PACKAGES = {
    "outbox": "lmp.outbox",
    "partners": "lmp.partners",
    "accounts": "lmp.accounts",
    "webhooks": "lmp.webhooks",
    "shipping": "shipping",
    "licenses": "licenses",
    "billing": "lmp.billing",
    "onboarding": "onboarding",
    "api": "lmp.api",
    "demo": "lmp.demo",
}
USES = {
    "outbox": set(),
    "partners": {"outbox"},  # the invitation e-mail
    "accounts": {"partners", "outbox"},  # who must use two factors; the password reset e-mail
    "webhooks": {"partners"},
    "shipping": {"partners"},
    "licenses": {"partners", "webhooks", "outbox"},
    "billing": {"licenses", "partners", "outbox", "webhooks"},
    "onboarding": {"licenses", "partners", "shipping", "webhooks", "outbox"},
    "api": {"billing", "licenses", "onboarding", "partners"},
    "demo": {"accounts", "billing", "licenses", "partners", "shipping"},
}

# Migration dependencies on an app not in USES, kept because migrations already applied to
# existing databases are history: they can only go when the apps' migrations are squashed.
# No new migration may be added here; the test below also fails when an entry no longer exists.
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
    # Address.partner pointed at licenses.Partner until Partner moved to partners (licenses 0009).
    (("shipping", "0001_initial"), ("licenses", "0001_initial")),
    (("shipping", "0003_address_is_default"), ("licenses", "0007_license_holder_count")),
}


def _layer_of(module: str) -> str | None:
    """The app a module belongs to, "kernel", "wiring", or None (Django, a library, ``lmp``)."""
    for label, package in PACKAGES.items():
        if module == package or module.startswith(package + "."):
            return label
    if module == KERNEL or module.startswith(KERNEL + "."):
        return "kernel"
    if module.startswith("lmp."):
        return "wiring"
    return None


def _app_label(name: str) -> str | None:
    return name if name in USES else None


def _may_use(app: str, other: str | None) -> bool:
    return other in (None, app, "kernel") or other in USES[app]


def test_every_app_of_the_project_has_its_place():
    project = {init.parent.name for init in ROOT.glob("*/__init__.py")}  # lmp, licenses, ...
    ours = [c.label for c in apps.get_app_configs() if c.name.split(".")[0] in project]
    assert sorted(ours) == sorted(USES) == sorted(PACKAGES)
    for label, package in PACKAGES.items():
        assert apps.get_app_config(label).name == package
    assert "lmp.demo" in settings.INSTALLED_APPS


def test_the_apps_form_a_stack_with_the_demo_on_top():
    layers: dict[str, int] = {}

    def layer(app: str, path: tuple[str, ...] = ()) -> int:
        assert app not in path, f"a cycle: {' → '.join((*path, app))}"
        if app not in layers:
            layers[app] = 1 + max((layer(used, (*path, app)) for used in USES[app]), default=-1)
        return layers[app]

    for app in USES:
        layer(app)
    assert [app for app, uses in USES.items() if "demo" in uses] == []


def test_models_point_only_at_the_apps_they_use():
    wrong = []
    for app in USES:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            for field in model._meta.get_fields():
                if field.is_relation and not field.auto_created:
                    target = _app_label(field.related_model._meta.app_label)
                    if not _may_use(app, target):
                        wrong.append(f"{model._meta.label}.{field.name} → {target}")
    assert wrong == []


def _migration_edges(loader: MigrationLoader) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    """(migration, migration it depends on) between two of the project's apps."""
    edges = set()
    for key, migration in loader.disk_migrations.items():
        for parent in migration.dependencies:
            edges.add((key, parent))
        for child in migration.run_before:  # "run_before" is a dependency declared backwards
            edges.add((tuple(child), key))
    return {
        (child, parent)
        for child, parent in edges
        if child[0] in USES and parent[0] in USES and child[0] != parent[0]
    }


def test_migrations_depend_only_on_the_apps_they_use():
    edges = _migration_edges(MigrationLoader(None, ignore_no_migrations=True))
    outside = {(child, parent) for child, parent in edges if parent[0] not in USES[child[0]]}
    assert outside - HISTORICAL_EDGES == set()
    assert HISTORICAL_EDGES - outside == set(), "a historical edge is gone: drop it from the list"


def test_partners_migrations_depend_on_no_other_app_of_the_project():
    # Except on the hand-over of the tables licenses created (HISTORICAL_EDGES).
    edges = _migration_edges(MigrationLoader(None, ignore_no_migrations=True))
    assert [e for e in edges if e[0][0] == "partners" and e not in HISTORICAL_EDGES] == []


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it; "." for a relative import."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.add(".")
            elif node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _app_imports() -> dict[str, dict[str, set[str]]]:
    """For each app, the layer of each module it imports: {app: {layer: {"file imports x"}}}."""
    found: dict[str, dict[str, set[str]]] = {app: {} for app in USES}
    for app, package in PACKAGES.items():
        for path in _modules(package):
            relative = path.relative_to(ROOT).as_posix()
            for module in _imports(path):
                layer = "relative" if module == "." else _layer_of(module)
                if layer is not None and layer != app:
                    found[app].setdefault(layer, set()).add(f"{relative} imports {module}")
    return found


def test_app_code_imports_only_the_apps_it_uses_and_the_kernel():
    wrong = [
        line
        for app, layers in _app_imports().items()
        for layer, lines in layers.items()
        if layer not in USES[app] and layer != "kernel"
        for line in sorted(lines)
    ]
    assert wrong == []


def test_every_use_listed_is_needed_by_some_code():
    needed = {app: set(layers) for app, layers in _app_imports().items()}
    for app in USES:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            for field in model._meta.get_fields():
                if field.is_relation and not field.auto_created:
                    needed[app].add(field.related_model._meta.app_label)
    unneeded = sorted(f"{app} → {used}" for app in USES for used in USES[app] - needed[app])
    assert unneeded == []


def test_the_kernel_imports_no_app_and_no_wiring():
    wrong = [
        f"{path.relative_to(ROOT).as_posix()} imports {module}"
        for path in _modules(KERNEL)
        for module in _imports(path)
        if module == "." or _layer_of(module) not in (None, "kernel")
    ]
    assert wrong == []
