"""The appliance catalogue in English and Canadian French (shipping/translation.py): one column per
language for the name, description and throughput; the existing text becomes the English one."""

from django.db import migrations, models
from django.db.models import F


def english_from_existing(apps, schema_editor):
    """Each model's current text is its English text (French stays blank: it falls back)."""
    Appliance = apps.get_model("shipping", "Appliance")
    Appliance.objects.update(
        name_en=F("name"), description_en=F("description"), throughput_en=F("throughput")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shipping", "0005_address_appliance_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="appliance",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="appliance",
            name="description_fr_ca",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="appliance",
            name="name_en",
            field=models.CharField(
                max_length=100, null=True, unique=True, verbose_name="Model name"
            ),
        ),
        migrations.AddField(
            model_name="appliance",
            name="name_fr_ca",
            field=models.CharField(
                max_length=100, null=True, unique=True, verbose_name="Model name"
            ),
        ),
        migrations.AddField(
            model_name="appliance",
            name="throughput_en",
            field=models.CharField(
                blank=True,
                help_text="e.g. Up to 1 Gbps",
                max_length=50,
                null=True,
                verbose_name="Rated throughput",
            ),
        ),
        migrations.AddField(
            model_name="appliance",
            name="throughput_fr_ca",
            field=models.CharField(
                blank=True,
                help_text="e.g. Up to 1 Gbps",
                max_length=50,
                null=True,
                verbose_name="Rated throughput",
            ),
        ),
        migrations.RunPython(english_from_existing, migrations.RunPython.noop, elidable=True),
    ]
