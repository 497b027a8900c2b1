"""Shipment moves here from the shipping app: state only.

A shipment belongs to an onboarding order, and its foreign key to the order was the one thing
that made shipping depend on onboarding. ``shipping_shipment`` keeps its name, rows, constraints
and indexes (shipping 0004 took the model out of the shipping state). The shipment content type
(and so its permissions and admin history) follows the model.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def content_types_move(from_app: str, to_app: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        if ContentType.objects.using(db).filter(app_label=to_app, model="shipment").exists():
            return  # made by a migrate that stopped half-way: the old one is stale
        ContentType.objects.using(db).filter(app_label=from_app, model="shipment").update(
            app_label=to_app
        )

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0002_partner_to_partners"),
        ("shipping", "0004_move_shipment_to_onboarding"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Shipment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("primary", "Primary appliance"),
                                    ("additional", "Additional network sensor"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending"),
                                    ("shipped", "Shipped"),
                                    ("delivered", "Delivered"),
                                ],
                                default="pending",
                                max_length=20,
                            ),
                        ),
                        (
                            "carrier",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("purolator", "Purolator"),
                                    ("canada_post", "Canada Post"),
                                    ("ups", "UPS"),
                                    ("fedex", "FedEx"),
                                    ("dhl", "DHL"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("tracking_number", models.CharField(blank=True, max_length=60)),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, editable=False),
                        ),
                        ("shipped_at", models.DateTimeField(blank=True, null=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "address",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shipments",
                                to="shipping.address",
                            ),
                        ),
                        (
                            "appliance",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shipments",
                                to="shipping.appliance",
                            ),
                        ),
                        (
                            "onboarding_request",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="shipments",
                                to="onboarding.onboardingrequest",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "shipping_shipment",
                        "ordering": ["onboarding_request_id", "id"],
                        "indexes": [models.Index(fields=["status"], name="shipment_status")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("delivered_at__isnull", True),
                                        ("shipped_at__isnull", True),
                                        ("status", "pending"),
                                    ),
                                    models.Q(
                                        ("delivered_at__isnull", True),
                                        ("shipped_at__isnull", False),
                                        ("status", "shipped"),
                                        models.Q(("carrier", ""), _negated=True),
                                        models.Q(("tracking_number", ""), _negated=True),
                                    ),
                                    models.Q(
                                        ("delivered_at__isnull", False),
                                        ("shipped_at__isnull", False),
                                        ("status", "delivered"),
                                        models.Q(("carrier", ""), _negated=True),
                                        models.Q(("tracking_number", ""), _negated=True),
                                    ),
                                    _connector="OR",
                                ),
                                name="shipment_status_matches_dates_and_tracking",
                                violation_error_message="A shipped or delivered shipment needs a carrier, a tracking number and its dates.",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("role", "primary")),
                                fields=("onboarding_request",),
                                name="shipment_one_primary_per_request",
                                violation_error_message="An onboarding request has only one primary appliance.",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_move("shipping", "onboarding"),
            content_types_move("onboarding", "shipping"),
            elidable=False,
        ),
    ]
