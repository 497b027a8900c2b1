"""A partner's default address is now a flag on the address (``Address.is_default``).

``Partner.default_address`` (licenses 0002) pointed from licenses at shipping while shipping's
``Address.partner`` pointed back. Here each partner's current default is carried over to its
address (an old default naming another partner's address is dropped, as the selector always
ignored it); licenses 0008 then drops the old column. A partial unique index keeps one default
per partner. The address's partner now lives in the partners app (partners 0001): state only,
the table is the same.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q, Subquery


def defaults_carry(apps, schema_editor):
    Partner = apps.get_model("licenses", "Partner")
    Address = apps.get_model("shipping", "Address")
    db = schema_editor.connection.alias
    pointed_at = Partner.objects.using(db).filter(
        pk=OuterRef("partner_id"), default_address_id=OuterRef("pk")
    )
    Address.objects.using(db).filter(Exists(pointed_at)).update(is_default=True)


def defaults_restore(apps, schema_editor):
    Partner = apps.get_model("licenses", "Partner")
    Address = apps.get_model("shipping", "Address")
    db = schema_editor.connection.alias
    default = Address.objects.using(db).filter(partner_id=OuterRef("pk"), is_default=True)
    Partner.objects.using(db).update(default_address_id=Subquery(default.values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("shipping", "0002_appliance_shipment"),
        # The old Partner.default_address is read from the licenses state before 0008 drops it.
        ("licenses", "0007_license_holder_count"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="address",
            name="is_default",
            field=models.BooleanField(
                default=False,
                help_text="Where appliances ship unless an onboarding order names another address.",
                verbose_name="Default address",
            ),
        ),
        migrations.RunPython(defaults_carry, defaults_restore, elidable=False),
        migrations.AddConstraint(
            model_name="address",
            constraint=models.UniqueConstraint(
                condition=Q(("is_default", True)),
                fields=("partner",),
                name="address_one_default_per_partner",
                violation_error_message="This partner already has a default address.",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="address",
                    name="partner",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="addresses",
                        to="partners.partner",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
