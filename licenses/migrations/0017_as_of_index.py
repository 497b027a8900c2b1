"""The license as of a date reads each customer's latest event of one figure up to an instant
(licenses.history_as_of): an index on (customer, what, at) answers each in one descent."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("licenses", "0016_history_baseline"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="allocationevent",
            index=models.Index(fields=["customer", "what", "at"], name="event_customer_what_at"),
        ),
    ]
