"""Low-seats thresholds on licenses, the alerts sent (once each), and a note on history events.

SQLite rebuilds the license table to add a column, and its allocation triggers name that table:
they are dropped first and created again after (as 0007 does).
"""

import importlib

from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


def _triggers():
    return importlib.import_module("licenses.migrations.0007_license_holder_count")


def sqlite_triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _triggers().SQLITE_DROP:
            schema_editor.execute(statement)


def sqlite_triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _triggers().SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('licenses', '0010_customer_name_unique_per_manager'),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_create, elidable=False),
        migrations.AddField(
            model_name='allocationevent',
            name='note',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='volumelicense',
            name='low_seats_threshold',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='Low-seats threshold'),
        ),
        migrations.AddField(
            model_name='volumelicense',
            name='low_seats_unit',
            field=models.CharField(choices=[('users', 'users'), ('percent', '% of the commitment')], default='users', max_length=10, verbose_name='Threshold unit'),
        ),
        migrations.CreateModel(
            name='LicenseAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('renewal', 'Renewal reminder'), ('low_seats', 'Low seats')], max_length=20)),
                ('key', models.CharField(max_length=40)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('recipients', models.TextField(blank=True, default='')),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('license', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='licenses.volumelicense')),
            ],
            options={
                'ordering': ['-sent_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('license', 'kind', 'key'), name='license_alert_sent_once')],
            },
        ),
        migrations.RunPython(sqlite_triggers_create, sqlite_triggers_drop, elidable=False),
    ]
