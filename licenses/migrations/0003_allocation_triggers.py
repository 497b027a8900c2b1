"""Database triggers that keep VolumeLicense.allocated equal to the sum of active allocations.

Together with the CHECK ``0 <= allocated <= seat_commitment`` on the license row they make the
database refuse any write, ORM or raw SQL, that would oversell a pool (see licenses.models).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION licenses_allocation_sync() RETURNS trigger AS $$
BEGIN
    -- Take the old contribution out before adding the new one, so the counter never passes
    -- through a value above the commitment on a legal change.
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.active THEN
        UPDATE licenses_volumelicense SET allocated = allocated - OLD.seats
        WHERE id = OLD.license_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.active THEN
        UPDATE licenses_volumelicense SET allocated = allocated + NEW.seats
        WHERE id = NEW.license_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER licenses_allocation_sync
AFTER INSERT OR UPDATE OF seats, active, license_id OR DELETE ON licenses_seatallocation
FOR EACH ROW EXECUTE FUNCTION licenses_allocation_sync();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS licenses_allocation_sync ON licenses_seatallocation;
DROP FUNCTION IF EXISTS licenses_allocation_sync();
"""

SQLITE_FORWARD = [
    """
    CREATE TRIGGER licenses_allocation_insert AFTER INSERT ON licenses_seatallocation
    WHEN NEW.active
    BEGIN
        UPDATE licenses_volumelicense SET allocated = allocated + NEW.seats
        WHERE id = NEW.license_id;
    END;
    """,
    """
    CREATE TRIGGER licenses_allocation_delete AFTER DELETE ON licenses_seatallocation
    WHEN OLD.active
    BEGIN
        UPDATE licenses_volumelicense SET allocated = allocated - OLD.seats
        WHERE id = OLD.license_id;
    END;
    """,
    """
    CREATE TRIGGER licenses_allocation_update
    AFTER UPDATE OF seats, active, license_id ON licenses_seatallocation
    BEGIN
        UPDATE licenses_volumelicense
        SET allocated = allocated - (CASE WHEN OLD.active THEN OLD.seats ELSE 0 END)
        WHERE id = OLD.license_id;
        UPDATE licenses_volumelicense
        SET allocated = allocated + (CASE WHEN NEW.active THEN NEW.seats ELSE 0 END)
        WHERE id = NEW.license_id;
    END;
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS licenses_allocation_insert;",
    "DROP TRIGGER IF EXISTS licenses_allocation_delete;",
    "DROP TRIGGER IF EXISTS licenses_allocation_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"No allocation triggers for the {vendor} backend.")


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("licenses", "0002_initial")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
