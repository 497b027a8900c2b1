"""Commitment changes planned for a renewal, and a license's term.

SQLite rebuilds the license table to add a column, and its allocation triggers name that table:
they are dropped first and created again after (as 0007 and 0011 do).
"""

import importlib

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


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
        ('licenses', '0018_admin_scale'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_create, elidable=False),
        migrations.AddField(
            model_name='volumelicense',
            name='term_months',
            field=models.PositiveSmallIntegerField(default=12, help_text='How far the renewal date moves on at each renewal.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='term (months)'),
        ),
        migrations.RunPython(sqlite_triggers_create, sqlite_triggers_drop, elidable=False),
        migrations.CreateModel(
            name='ScheduledCommitmentChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('new_commitment', models.PositiveIntegerField(verbose_name='commitment at renewal')),
                ('renewal_date', models.DateField(verbose_name='renewal date')),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('cancelled', 'Cancelled'), ('applied', 'Applied'), ('refused', 'Refused')], default='scheduled', max_length=10, verbose_name='status')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='scheduled at')),
                ('previous_commitment', models.PositiveIntegerField(blank=True, null=True, verbose_name='previous commitment')),
                ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='applied at')),
                ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='cancelled at')),
                ('refused_at', models.DateTimeField(blank=True, null=True, verbose_name='refused at')),
                ('refusal_reason', models.CharField(blank=True, default='', max_length=200, verbose_name='refusal reason')),
                ('cancelled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='cancelled by')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='scheduled by')),
                ('license', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='commitment_changes', to='licenses.volumelicense', verbose_name='license')),
            ],
            options={
                'verbose_name': 'scheduled commitment change',
                'verbose_name_plural': 'scheduled commitment changes',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['status', 'renewal_date'], name='commitment_change_due')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'scheduled')), fields=('license',), name='commitment_change_one_scheduled', violation_error_message='A change is already scheduled for this renewal: cancel it first.')],
            },
        ),
    ]
