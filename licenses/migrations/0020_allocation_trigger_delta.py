"""The allocation trigger moves a pool's counter once per changed row, by the difference.

Until now an UPDATE of an active allocation on its own pool took the old seats out and put the new
ones back: two UPDATEs of the license row, even when only the SAT users changed. A bulk edit
changes thousands of allocations of one pool in one transaction, and each UPDATE of the license
row leaves a row version the next must walk past, so those two UPDATEs a row cost it twice the
versions (and four times the time). Now such a change moves ``allocated`` once, by
``NEW.seats - OLD.seats``, and not at all when the seats stay; every other case (insert, delete,
(de)activation, a move to another pool) is as before. The CHECK sees the same final counter. SQLite
(development only) keeps its triggers.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION licenses_allocation_sync() RETURNS trigger AS $$
BEGIN
    -- The same pool, active before and after: one UPDATE by the difference (none without one).
    IF TG_OP = 'UPDATE' AND OLD.active AND NEW.active AND OLD.license_id = NEW.license_id THEN
        IF NEW.seats <> OLD.seats THEN
            UPDATE licenses_volumelicense SET allocated = allocated + (NEW.seats - OLD.seats)
            WHERE id = NEW.license_id;
        END IF;
        RETURN NULL;
    END IF;
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


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("licenses.migrations.0007_license_holder_count")
        schema_editor.execute(previous.POSTGRES_FORWARD)


class Migration(migrations.Migration):
    dependencies = [("licenses", "0019_scheduled_commitment")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
