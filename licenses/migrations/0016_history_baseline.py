"""History that can rebuild any moment: a baseline for what existed before it recorded everything.

Until now the history recorded counts but not a customer's legal name at onboarding, its status,
a license's price or renewal date, nor anything from before migration 0005. For each customer and
license, each figure whose history does not open with its onboarding (or creation) gets one
baseline event (kind "baseline", source "system", no actor), dated when the customer was
onboarded (a license: its first event or its first customer's onboarding), holding the value
before its first recorded change or, with no change recorded, what it holds now. An offboarded
customer whose status was never recorded gets a baseline "Status active → offboarded" dated
when it was offboarded. Counts of 0 need none (the rebuild starts every count at 0).

Set-based and batched: customers are read by primary key in batches of ``BATCH`` (keyset, never
all at once), each batch with one query for its allocations and one for its events, written
with one ``bulk_create``; memory stays flat at any size. Reversed, it deletes the baseline events
(only this migration writes that kind).
"""


from django.db import migrations, models
from django.db.models import Min
from django.utils import timezone

BATCH = 2000
BASELINE, SYSTEM = "baseline", "system"
# The kinds that open a figure's history: nothing was held before them.
OPENING = {"onboarded", BASELINE}
# History's "what", as stored (English), frozen here as this migration knows them.
TIER_USERS = {"core": "MDR Core Users", "complete": "MDR Complete Users", "cloud": "MDR Cloud Users"}
SAT, NAME, STATUS = "Beauceron SAT Users", "Legal name", "Status"
COMMITMENT, PRICE, RENEWAL = "Seat commitment", "Price per user per month", "Renewal date"


def _openings(rows):
    """Per (entity, license, what): (the first event's kind, from_value, from_text, at), from
    rows ordered by entity, at, id."""
    first = {}
    for key, kind, from_value, from_text, at in rows:
        first.setdefault(key, (kind, from_value, from_text, at))
    return first


def _baseline(Event, *, license_id, customer_id, what, value, at):
    numbers = isinstance(value, int)
    return Event(
        license_id=license_id,
        customer_id=customer_id,
        kind=BASELINE,
        source=SYSTEM,
        what=what,
        from_value=0 if numbers else None,
        to_value=value if numbers else None,
        from_text="",
        to_text="" if numbers else value,
        at=at,
    )


def _opening_value(first, key, current):
    """None when the figure's history opens by itself; else the value it held before."""
    seen = first.get(key)
    if seen is None:
        return current
    kind, from_value, from_text, _at = seen
    if kind in OPENING:
        return None
    return from_text if isinstance(current, str) else from_value


def licenses_baseline(Event, License, Customer, now):
    first_event = dict(
        Event.objects.values("license_id").annotate(first=Min("at")).values_list("license_id", "first")
    )
    first_customer = dict(
        Customer.objects.values("license_id")
        .annotate(first=Min("onboarded_at"))
        .values_list("license_id", "first")
    )
    rows = (
        Event.objects.filter(customer__isnull=True)
        .order_by("license_id", "at", "id")
        .values_list("license_id", "what", "kind", "from_value", "from_text", "at")
    )
    first = _openings(((lic, what), *rest) for lic, what, *rest in rows.iterator())
    events = []
    for lic in License.objects.order_by("pk").iterator():
        at = min(
            (t for t in (first_event.get(lic.pk), first_customer.get(lic.pk)) if t), default=now
        )
        for what, current in (
            (COMMITMENT, lic.seat_commitment),
            (PRICE, f"{lic.price_per_user:.2f}"),
            (RENEWAL, lic.renewal_date.isoformat()),
        ):
            value = _opening_value(first, (lic.pk, what), current)
            if value:  # a count of 0 or no text: nothing to open with
                events.append(
                    _baseline(Event, license_id=lic.pk, customer_id=None, what=what, value=value, at=at)
                )
    Event.objects.bulk_create(events, batch_size=BATCH)


def customers_baseline(Event, Customer, Allocation):
    last = 0
    while True:
        batch = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list(
                "pk", "license_id", "license__tier", "legal_name", "status", "onboarded_at",
                "offboarded_at",
            )[:BATCH]
        )
        if not batch:
            return
        last = batch[-1][0]
        ids = [row[0] for row in batch]
        held = {}  # (customer, license) -> (seats, sat_users), active or not (the rows stay)
        for customer_id, license_id, seats, sat in Allocation.objects.filter(
            customer_id__in=ids
        ).values_list("customer_id", "license_id", "seats", "sat_users"):
            held[(customer_id, license_id)] = (seats, sat)
        rows = (
            Event.objects.filter(customer_id__in=ids)
            .order_by("customer_id", "at", "id")
            .values_list("customer_id", "license_id", "what", "kind", "from_value", "from_text", "at")
        )
        first = _openings(((c, lic, what), *rest) for c, lic, what, *rest in rows.iterator())
        earliest, seen = {}, set()
        for (c, lic, what), (_kind, _v, _t, at) in first.items():
            earliest[c] = min(at, earliest.get(c, at))
            seen.add((c, lic, what))
        events = []
        for pk, own, tier, name, status, onboarded_at, offboarded_at in batch:
            at = min(onboarded_at, earliest.get(pk, onboarded_at))
            figures = [(own, NAME, name)]
            seats, sat = held.get((pk, own), (0, 0))
            figures += [(own, TIER_USERS[tier], seats), (own, SAT, sat)]
            # MDR Cloud users: the pools the customer holds, or held, beside its own.
            others = {lic for (c, lic) in held if c == pk and lic != own}
            others |= {lic for (c, lic, what) in seen if c == pk and lic != own}
            for lic in sorted(others):
                figures.append((lic, TIER_USERS["cloud"], held.get((pk, lic), (0, 0))[0]))
            for lic, what, current in figures:
                value = _opening_value(first, (pk, lic, what), current)
                if value:
                    events.append(
                        _baseline(Event, license_id=lic, customer_id=pk, what=what, value=value, at=at)
                    )
            if status == "offboarded" and not any(
                (pk, lic, STATUS) in seen for lic in {own, *others}
            ):
                status_event = _baseline(
                    Event, license_id=own, customer_id=pk, what=STATUS, value="offboarded",
                    at=offboarded_at or at,
                )
                status_event.from_text = "active"
                events.append(status_event)
        Event.objects.bulk_create(events, batch_size=BATCH)


def baseline_add(apps, schema_editor):
    Event = apps.get_model("licenses", "AllocationEvent")
    License = apps.get_model("licenses", "VolumeLicense")
    Customer = apps.get_model("licenses", "CustomerAccount")
    Allocation = apps.get_model("licenses", "SeatAllocation")
    licenses_baseline(Event, License, Customer, timezone.now())
    customers_baseline(Event, Customer, Allocation)


def baseline_remove(apps, schema_editor):
    Event = apps.get_model("licenses", "AllocationEvent")
    Event.objects.filter(kind=BASELINE).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('licenses', '0015_admin_labels'),
    ]

    operations = [
        migrations.AlterField(
            model_name='allocationevent',
            name='kind',
            field=models.CharField(choices=[('onboarded', 'Onboarded'), ('edited', 'Edited'), ('offboarded', 'Offboarded'), ('commitment_changed', 'Commitment changed'), ('terms_changed', 'Terms changed'), ('baseline', 'Baseline')], max_length=20, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='allocationevent',
            name='source',
            field=models.CharField(choices=[('portal', 'Portal'), ('admin', 'Vendor admin'), ('api', 'API'), ('system', 'System')], default='portal', max_length=10, verbose_name='source'),
        ),
        migrations.RunPython(baseline_add, baseline_remove, elidable=False),
    ]
