"""An onboarding order's partner and sub-partner are now partners.Partner: state only.

The columns point at the same ``licenses_partner`` table as before (partners 0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0001_initial"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="onboardingrequest",
                    name="partner",
                    field=models.ForeignKey(
                        help_text="The partner that submitted the order.",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="onboarding_requests",
                        to="partners.partner",
                    ),
                ),
                migrations.AlterField(
                    model_name="onboardingrequest",
                    name="sub_partner",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="Sub-Partner",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
