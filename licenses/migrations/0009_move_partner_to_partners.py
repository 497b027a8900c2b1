"""Partner and Membership leave the licenses app for lmp.partners; the default address column goes.

* ``Partner.default_address`` is dropped (a database change): shipping 0003 has already carried
  each partner's default over to ``Address.is_default``, so licenses no longer points at shipping.
* Everything else is state only: the licenses foreign keys now name ``partners.Partner``, which
  is the same ``licenses_partner`` table (partners 0001), and Partner and Membership leave the
  licenses state. No table is renamed or copied; the rows stay where they are.

This is the last step of the move, so it waits for every app that pointed at licenses.Partner
to point at partners.Partner first (shipping 0003, onboarding 0002).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("licenses", "0008_event_text_values"),
        ("partners", "0001_initial"),
        ("shipping", "0003_address_is_default"),
        ("onboarding", "0002_partner_to_partners"),
    ]

    operations = [
        migrations.RemoveField(model_name="partner", name="default_address"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="volumelicense",
                    name="partner",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="licenses",
                        to="partners.partner",
                    ),
                ),
                migrations.AlterField(
                    model_name="volumelicense",
                    name="sub_partners",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Other partners that share this pool (uncommon).",
                        related_name="shared_licenses",
                        to="partners.partner",
                    ),
                ),
                migrations.AlterField(
                    model_name="customeraccount",
                    name="partner",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="partners.partner",
                    ),
                ),
                migrations.AlterField(
                    model_name="customeraccount",
                    name="sub_partner",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sub_partner_customers",
                        to="partners.partner",
                        verbose_name="Sub-Partner",
                    ),
                ),
                migrations.DeleteModel(name="Membership"),
                migrations.DeleteModel(name="Partner"),
            ],
            database_operations=[],
        ),
    ]
