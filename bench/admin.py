"""Admin: the vendor staff's lists at a million rows each, against the same list at 10 rows.

The scale section's database (1,000,000 customers over 1,000 partners; loaded here when it has
not run) gets one history event, one onboarding order and one shipment per customer, set-based
as the scale section loads its customers. Each of the four lists (customers, allocation events,
onboarding orders, shipments) is then opened as staff open it, and searched, in process; the
reference is the same page filtered to the small partner's 10 rows, in the same database and the
same run. Targets: a list ≤ 300 ms, a search ≤ 500 ms.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.urls import reverse

from bench.common import Row, interleaved_medians

LIST_MS = 300
SEARCH_MS = 500


def _scale_data(*, total: int, partners: int, big: int):
    """The scale section's partners (loaded now if it has not run): (big license, small one)."""
    from bench import scale
    from licenses.models import VolumeLicense

    licenses = VolumeLicense.objects.filter(partner__name__startswith="Scale partner ").order_by(
        "partner__name"
    )
    if licenses.count() < 2:
        scale.load(total=total, partners=partners, big=big)
    return licenses[0], licenses[1]


def _load(staff) -> dict[str, float]:
    """One event, one order and one shipment (to the partner's address) per customer."""
    from shipping.models import Appliance

    steps: dict[str, float] = {}
    started = time.perf_counter()
    appliance = Appliance.objects.order_by("pk").first() or Appliance.objects.create(
        name="Bench sensor", form_factor="rack_1u", site_size="small", throughput="1 Gbps"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO shipping_address
                (partner_id, label, recipient, company, line1, line2, city, region,
                 postal_code, country, phone, is_default)
            SELECT p.id, 'Head office', 'Receiving', p.name, '1 Main St', '',
                   'City ' || p.id, 'QC', 'H0H 0H0', 'CA', '', true
            FROM licenses_partner p
            WHERE p.name LIKE 'Scale partner %%'
              AND NOT EXISTS (SELECT 1 FROM shipping_address a WHERE a.partner_id = p.id)
            """
        )
        cur.execute(
            """
            INSERT INTO licenses_allocationevent
                (license_id, customer_id, actor_id, at, kind, source, what,
                 from_value, to_value, from_text, to_text, note)
            SELECT c.license_id, c.id, %s, c.onboarded_at, 'onboarded', 'portal',
                   'MDR Complete Users', 0, 5, '', '', ''
            FROM licenses_customeraccount c
            WHERE c.legal_name LIKE 'Customer %%'
            """,
            [staff.pk],
        )
        steps["events"] = time.perf_counter() - started
        cur.execute(
            """
            INSERT INTO onboarding_onboardingrequest
                (token, partner_id, license_id, customer_id, submitted_at, incident_answer,
                 legal_name, website, admin_email, tier_users, cloud_users, sat_users,
                 deployment, hosting_region, ship_to, language)
            SELECT md5(c.id::text)::uuid, c.partner_id, c.license_id, c.id, c.onboarded_at, 'no',
                   c.legal_name, c.website, c.admin_email, 5, 0, 0,
                   'network_sensors', '', 'default', 'en'
            FROM licenses_customeraccount c
            WHERE c.legal_name LIKE 'Customer %%'
            """
        )
        steps["orders"] = time.perf_counter() - started - sum(steps.values())
        cur.execute(
            """
            INSERT INTO shipping_shipment
                (onboarding_request_id, appliance_id, role, address_id, status, carrier,
                 tracking_number, created_at, shipped_at, delivered_at)
            SELECT o.id, %s, 'primary', a.id,
                   CASE WHEN o.id %% 50 = 0 THEN 'pending' ELSE 'delivered' END,
                   CASE WHEN o.id %% 50 = 0 THEN '' ELSE 'purolator' END,
                   CASE WHEN o.id %% 50 = 0 THEN '' ELSE '3312' || lpad(o.id::text, 8, '0') END,
                   o.submitted_at,
                   CASE WHEN o.id %% 50 = 0 THEN NULL ELSE o.submitted_at END,
                   CASE WHEN o.id %% 50 = 0 THEN NULL ELSE o.submitted_at END
            FROM onboarding_onboardingrequest o
            JOIN shipping_address a ON a.partner_id = o.partner_id
            WHERE o.legal_name LIKE 'Customer %%'
            """,
            [appliance.pk],
        )
        steps["shipments"] = time.perf_counter() - started - sum(steps.values())
    with connection.cursor() as cur:
        for table in (
            "licenses_allocationevent",
            "onboarding_onboardingrequest",
            "shipping_shipment",
            "shipping_address",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
    steps["VACUUM ANALYZE"] = time.perf_counter() - started - sum(steps.values())
    return steps


def run(*, total: int, partners: int, big: int, repeat: int) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from licenses.models import AllocationEvent, CustomerAccount
    from onboarding.models import OnboardingRequest, Shipment

    big_license, small_license = _scale_data(total=total, partners=partners, big=big)
    staff, _ = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    steps = _load(staff) if not AllocationEvent.objects.filter(actor=staff).exists() else {}
    device, _ = TOTPDevice.objects.get_or_create(user=staff, name="bench", confirmed=True)
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    small = small_license.partner
    address = small.addresses.get()
    lists = {
        "customers": (CustomerAccount, {"partner__id__exact": small.pk}),
        "allocation events": (AllocationEvent, {"license__id__exact": small_license.pk}),
        "onboarding orders": (OnboardingRequest, {"partner__id__exact": small.pk}),
        "shipments": (Shipment, {"address__id__exact": address.pk}),
    }
    # A term that matches a few rows of the whole table (one customer's name, its orders…),
    # and the reference: the same search in the small partner's 10 rows.
    sample = CustomerAccount.objects.filter(license=big_license).order_by("pk").last()
    term = sample.legal_name.split()[1]  # "0099999": a word of one name

    def page(model, params):
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

        def get():
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return get

    rows = []
    if steps:
        rows.append(
            Row(
                f"admin: data load, one event, order and shipment per customer ({total:,})",
                sum(steps.values()),
                None,
                "s",
                "reported",
                None,
                note=", ".join(f"{k} {v:.1f} s" for k, v in steps.items()),
            )
        )
    for name, (model, small_filter) in lists.items():
        rows_in_db = model.objects.count()
        fns = {
            "list": page(model, {}),
            "list10": page(model, small_filter),
            "search": page(model, {"q": term}),
            "search10": page(model, {"q": term, **small_filter}),
        }
        times = interleaved_medians(fns, repeat=repeat)
        rows.append(
            Row(
                f"admin: {name} list, {rows_in_db:,} rows vs 10 (ms)",
                times["list"],
                times["list10"],
                "ms",
                f"≤ {LIST_MS} ms",
                times["list"] <= LIST_MS,
            )
        )
        rows.append(
            Row(
                f"admin: {name} search, {rows_in_db:,} rows vs 10 (ms)",
                times["search"],
                times["search10"],
                "ms",
                f"≤ {SEARCH_MS} ms",
                times["search"] <= SEARCH_MS,
            )
        )
    return rows
