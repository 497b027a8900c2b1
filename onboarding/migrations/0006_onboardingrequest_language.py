"""The customer's language, chosen in the wizard: the welcome e-mail to its MDR Portal
administrator is written in it. Orders submitted before it were all English."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0005_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="onboardingrequest",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("fr-ca", "Français")],
                default="en",
                help_text="The language of the welcome e-mail to the customer's MDR Portal administrator.",
                max_length=10,
                verbose_name="Customer language",
            ),
        ),
    ]
