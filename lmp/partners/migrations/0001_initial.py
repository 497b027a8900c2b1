"""Partner and Membership, moved here from the licenses app: state only.

Their tables were created by licenses 0001/0002 and keep their names (``licenses_partner``,
``licenses_membership``) and rows. This migration only tells Django's model state that the
partners app now owns them; licenses 0008 takes them out of the licenses state. It depends on no
app of the project, so partners stays at the bottom of the stack (partners ← licenses ← shipping
← onboarding). On a fresh database it may run before licenses 0001 creates the tables: it does
nothing to the database.

The content types (and with them the permissions and admin log entries) follow the models, so
staff keep their partner permissions.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["partner", "membership"]


def content_types_move(from_app: str, to_app: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            # A content type already made for the new home (by a migrate that stopped half-way)
            # wins; the old one is then stale and left to remove_stale_contenttypes.
            if ContentType.objects.using(db).filter(app_label=to_app, model=model).exists():
                continue
            ContentType.objects.using(db).filter(app_label=from_app, model=model).update(
                app_label=to_app
            )

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Partner",
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
                        ("name", models.CharField(max_length=200, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, editable=False
                            ),
                        ),
                    ],
                    options={"db_table": "licenses_partner", "ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="Membership",
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
                                choices=[("administrator", "Administrator"), ("member", "Member")],
                                default="member",
                                max_length=20,
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to="partners.partner",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="membership",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "licenses_membership",
                        "ordering": ["partner__name", "user__username"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_move("licenses", "partners"),
            content_types_move("partners", "licenses"),
            elidable=False,
        ),
    ]
