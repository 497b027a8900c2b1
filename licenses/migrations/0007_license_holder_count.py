"""VolumeLicense.holder_count: the pool's customers (active allocations), kept by the triggers.

The allocation triggers of 0003 now move two counters of the license row in the same UPDATE:
``allocated`` by the seats and ``holder_count`` by one. Existing rows are counted once here.
"""

import importlib

from django.db import migrations, models

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION licenses_allocation_sync() RETURNS trigger AS $$
BEGIN
    -- Take the old contribution out before adding the new one, so the counter never passes
    -- through a value above the commitment on a legal change.
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.active THEN
        UPDATE licenses_volumelicense
        SET allocated = allocated - OLD.seats, holder_count = holder_count - 1
        WHERE id = OLD.license_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.active THEN
        UPDATE licenses_volumelicense
        SET allocated = allocated + NEW.seats, holder_count = holder_count + 1
        WHERE id = NEW.license_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS licenses_allocation_insert;",
    "DROP TRIGGER IF EXISTS licenses_allocation_delete;",
    "DROP TRIGGER IF EXISTS licenses_allocation_update;",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER licenses_allocation_insert AFTER INSERT ON licenses_seatallocation
    WHEN NEW.active
    BEGIN
        UPDATE licenses_volumelicense
        SET allocated = allocated + NEW.seats, holder_count = holder_count + 1
        WHERE id = NEW.license_id;
    END;
    """,
    """
    CREATE TRIGGER licenses_allocation_delete AFTER DELETE ON licenses_seatallocation
    WHEN OLD.active
    BEGIN
        UPDATE licenses_volumelicense
        SET allocated = allocated - OLD.seats, holder_count = holder_count - 1
        WHERE id = OLD.license_id;
    END;
    """,
    """
    CREATE TRIGGER licenses_allocation_update
    AFTER UPDATE OF seats, active, license_id ON licenses_seatallocation
    BEGIN
        UPDATE licenses_volumelicense
        SET allocated = allocated - (CASE WHEN OLD.active THEN OLD.seats ELSE 0 END),
            holder_count = holder_count - (CASE WHEN OLD.active THEN 1 ELSE 0 END)
        WHERE id = OLD.license_id;
        UPDATE licenses_volumelicense
        SET allocated = allocated + (CASE WHEN NEW.active THEN NEW.seats ELSE 0 END),
            holder_count = holder_count + (CASE WHEN NEW.active THEN 1 ELSE 0 END)
        WHERE id = NEW.license_id;
    END;
    """,
]

BACKFILL = """
UPDATE licenses_volumelicense SET holder_count = (
    SELECT COUNT(*) FROM licenses_seatallocation a
    WHERE a.license_id = licenses_volumelicense.id AND a.active
)
"""


def _previous():
    return importlib.import_module("licenses.migrations.0003_allocation_triggers")


def sqlite_triggers_drop(apps, schema_editor):
    """SQLite rebuilds the license table to add a column; triggers naming it must go first."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def sqlite_triggers_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _previous().forward(apps, schema_editor)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No allocation triggers for the {vendor} backend.")
    schema_editor.execute(BACKFILL)


def reverse(apps, schema_editor):
    """Back to the triggers of 0003, which know only ``allocated`` (on SQLite, after the column)."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    else:
        _previous().reverse(apps, schema_editor)
        _previous().forward(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("licenses", "0006_allocation_cloud_index")]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_restore, elidable=False),
        migrations.AddField(
            model_name="volumelicense",
            name="holder_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(forward, reverse, elidable=False),
    ]
