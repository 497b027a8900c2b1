"""Verbose names (translatable) of the onboarding models' fields: no change to the tables."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("licenses", "0014_event_source_vendor_admin"),
        ("onboarding", "0004_onboarding_draft"),
        ("partners", "0007_languages"),
        ("shipping", "0006_appliance_translations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="onboardingdraft",
            options={
                "verbose_name": "onboarding draft",
                "verbose_name_plural": "onboarding drafts",
            },
        ),
        migrations.AlterModelOptions(
            name="onboardingrequest",
            options={
                "ordering": ["-submitted_at", "-id"],
                "verbose_name": "onboarding request",
                "verbose_name_plural": "onboarding requests",
            },
        ),
        migrations.AlterModelOptions(
            name="shipment",
            options={
                "ordering": ["onboarding_request_id", "id"],
                "verbose_name": "shipment",
                "verbose_name_plural": "shipments",
            },
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="customer",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="onboarding_request",
                to="licenses.customeraccount",
                verbose_name="customer",
            ),
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="hosting_region",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ca", "Canada"),
                    ("us", "United States"),
                    ("eu", "United Kingdom / EU"),
                    ("au", "Australia"),
                ],
                max_length=2,
                verbose_name="hosting region",
            ),
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="license",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="onboarding_requests",
                to="licenses.volumelicense",
                verbose_name="license",
            ),
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="partner",
            field=models.ForeignKey(
                help_text="The partner that submitted the order.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="onboarding_requests",
                to="partners.partner",
                verbose_name="partner",
            ),
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="submitted_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="submitted at"
            ),
        ),
        migrations.AlterField(
            model_name="onboardingrequest",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="onboarding_requests",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="address",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shipments",
                to="shipping.address",
                verbose_name="address",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="appliance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shipments",
                to="shipping.appliance",
                verbose_name="appliance",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="carrier",
            field=models.CharField(
                blank=True,
                choices=[
                    ("purolator", "Purolator"),
                    ("canada_post", "Canada Post"),
                    ("ups", "UPS"),
                    ("fedex", "FedEx"),
                    ("dhl", "DHL"),
                ],
                max_length=20,
                verbose_name="carrier",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="created at"
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="delivered at"),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="onboarding_request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="shipments",
                to="onboarding.onboardingrequest",
                verbose_name="onboarding request",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="role",
            field=models.CharField(
                choices=[
                    ("primary", "Primary appliance"),
                    ("additional", "Additional network sensor"),
                ],
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="shipped_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="shipped at"),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("shipped", "Shipped"),
                    ("delivered", "Delivered"),
                ],
                default="pending",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="shipment",
            name="tracking_number",
            field=models.CharField(blank=True, max_length=60, verbose_name="tracking number"),
        ),
    ]
