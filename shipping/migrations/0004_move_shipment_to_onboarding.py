"""Shipment moves to the onboarding app (onboarding 0003): state only.

A shipment belongs to an onboarding order, and its foreign key to the order was the one thing
that made shipping depend on onboarding. The table keeps its name (``shipping_shipment``), rows,
constraints and indexes.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shipping", "0003_address_is_default")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Shipment")],
            database_operations=[],
        ),
    ]
