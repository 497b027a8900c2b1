"""Load the demo data: idempotent, so running it twice leaves the same rows.

On a fresh database the demo's two years are replayed through the services first
(``lmp.demo.history``), so the pages that read history have something to show; it ends on the
figures of ``PARTNERS``. A database seeded before is left as it is (only what is missing comes
back).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from licenses import services
from licenses.choices import Currency, CustomerStatus, ServiceTier
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense
from lmp.accounts.services import authenticator_install
from lmp.billing.models import Statement, TierPrice
from lmp.billing.services import partner_billing_set
from lmp.demo import history
from lmp.demo.authenticator import DEMO_TOTP_KEY_HEX, DEMO_TOTP_USERNAMES, demo_key_base32
from lmp.demo.catalogue import catalogue_seed
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership, Partner
from shipping.models import Address
from shipping.selectors import partner_default_address
from shipping.services import address_save

DEMO_LOGINS = [
    # (username, password, partner name or None for vendor staff, role)
    ("partner", "lmp-demo-2026", "Northwind MSP", PartnerRole.ADMINISTRATOR),
    ("allocator", "lmp-demo-2026", "Northwind MSP", PartnerRole.ALLOCATOR),
    ("viewer", "lmp-demo-2026", "Northwind MSP", PartnerRole.VIEW_ONLY),
    ("billing", "lmp-demo-2026", "Northwind MSP", PartnerRole.BANK_DETAILS_ONLY),
    ("noaccess", "lmp-demo-2026", "Northwind MSP", PartnerRole.NO_LMP_ACCESS),
    ("other", "lmp-other-2026", "Contoso Secure IT", PartnerRole.ADMINISTRATOR),
    ("staff", "lmp-staff-2026", None, None),
]

LIST_PRICES = {
    (ServiceTier.CORE, Currency.CAD): "9.95",
    (ServiceTier.COMPLETE, Currency.CAD): "15.50",
    (ServiceTier.CLOUD, Currency.CAD): "4.95",
    (ServiceTier.CORE, Currency.USD): "7.25",
    (ServiceTier.COMPLETE, Currency.USD): "11.50",
    (ServiceTier.CLOUD, Currency.USD): "3.65",
}

PARTNERS = {
    "Northwind MSP": {
        "address": dict(
            label="Head office",
            recipient="Alex Chen",
            company="Northwind MSP",
            line1="200 King Street West",
            line2="Suite 1400",
            city="Toronto",
            region="ON",
            postal_code="M5H 3T4",
            country="CA",
            phone="+1 416 555 0142",
        ),
        # The Billing page's details (lmp.billing).
        "billing": dict(
            billing_contact_name="Priya Raman",
            billing_email="accounts@northwind-msp.example",
            billing_phone="+1 416 555 0199",
            billing_address="Northwind MSP\nAccounts Payable\n200 King Street West, Suite 1400\n"
            "Toronto ON M5H 3T4\nCanada",
            billing_currency=Currency.CAD,
            purchase_order_number="PO-NW-2026-0147",
            payment_reference="NORTHWIND-MDR",
        ),
        "licenses": [
            (ServiceTier.COMPLETE, 1990, "14.50", Currency.CAD, 240),
            (ServiceTier.CORE, 750, "9.25", Currency.CAD, 120),
            (ServiceTier.CLOUD, 400, "4.75", Currency.CAD, 300),
        ],
        "customers": [
            # legal name, tier, tier users, cloud users, SAT users, web site, admin e-mail
            (
                "Maple Leaf Dental Group",
                ServiceTier.COMPLETE,
                100,
                0,
                60,
                "https://mapleleafdental.example",
                "it@mapleleafdental.example",
            ),
            (
                "Harbourfront Logistics Inc.",
                ServiceTier.COMPLETE,
                100,
                0,
                0,
                "https://harbourfront.example",
                "admin@harbourfront.example",
            ),
            (
                "Rideau Accounting LLP",
                ServiceTier.CORE,
                45,
                10,
                0,
                "https://rideau-cpa.example",
                "office@rideau-cpa.example",
            ),
            ("Prairie Agri Co-op", ServiceTier.CORE, 80, 0, 0, "", "tech@prairieagri.example"),
            (
                "Skyline Architects",
                ServiceTier.CLOUD,
                25,
                0,
                0,
                "https://skyline-arch.example",
                "ops@skyline-arch.example",
            ),
        ],
    },
    "Contoso Secure IT": {
        # Its members read LMP in Canadian French unless they choose otherwise: the demo's
        # French partner (the login "other").
        "language": "fr-ca",
        "address": dict(
            label="Warehouse",
            recipient="Jordan Smith",
            company="Contoso Secure IT",
            line1="1 Market Street",
            city="San Francisco",
            region="CA",
            postal_code="94105",
            country="US",
            phone="+1 415 555 0100",
        ),
        "licenses": [
            (ServiceTier.COMPLETE, 500, "16.00", Currency.USD, 200),
        ],
        "customers": [
            (
                "Globex Corporation",
                ServiceTier.COMPLETE,
                150,
                0,
                0,
                "https://globex.example",
                "security@globex.example",
            ),
        ],
    },
}


class Command(BaseCommand):
    help = "Create (or bring back) the demo partners, licenses, customers and logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="On a fresh database, write today's figures at once instead of replaying the "
            "demo's two years (the browser tests count the rows of that flat demo).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        today = timezone.localdate()
        partners = {name: self._partner(name, spec) for name, spec in PARTNERS.items()}
        fresh = not VolumeLicense.objects.filter(partner__in=partners.values()).exists()
        if fresh and not options["no_history"]:
            # A fresh demo: its two years replayed through the services (lmp.demo.history).
            history.replay(partners=partners, spec=PARTNERS)
        # A demo seeded before (or --no-history): what is missing comes back, today.
        for name, spec in PARTNERS.items():
            partner = partners[name]
            licenses = {}
            for tier, seats, price, currency, days in spec["licenses"]:
                license = VolumeLicense.objects.filter(partner=partner, tier=tier).first()
                if license is None:
                    license = services.license_save(
                        license=VolumeLicense(
                            partner=partner,
                            tier=tier,
                            seat_commitment=seats,
                            price_per_user=Decimal(price),
                            currency=currency,
                            renewal_date=today + dt.timedelta(days=days),
                        )
                    )
                licenses[tier] = license
            for legal_name, tier, users, cloud, sat, site, email in spec["customers"]:
                exists = CustomerAccount.objects.filter(
                    partner=partner, legal_name__iexact=legal_name, status=CustomerStatus.ACTIVE
                ).exists()
                if not exists:
                    services.customer_create(
                        partner=partner,
                        license=licenses[tier],
                        legal_name=legal_name,
                        admin_email=email,
                        website=site,
                        tier_users=users,
                        cloud_users=cloud,
                        sat_users=sat,
                        deployment="virtual",
                        hosting_region="ca",
                    )
        self._logins(partners)
        self._list_prices()
        catalogue_seed()
        self._history_line(partners)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for username, password, partner_name, role in DEMO_LOGINS:
            who = f"{partner_name}, {role.label}" if partner_name else "vendor staff (Django admin)"
            self.stdout.write(f"  {username:9} / {password:16} {who}")
        for name, spec in PARTNERS.items():
            if spec.get("language"):
                usernames = [u for u, _p, partner_name, _r in DEMO_LOGINS if partner_name == name]
                self.stdout.write(
                    f"In French: {' and '.join(usernames)} ({name}'s default language is "
                    f"{spec['language']}); the others read English (any login can switch in the "
                    "menu)."
                )
        self.stdout.write(
            f"Two-factor sign-in: {' and '.join(DEMO_TOTP_USERNAMES)} have an authenticator with "
            f"the demo key {demo_key_base32()}: add it to any authenticator app (time-based), "
            "or run `make totp` for the current code. The other Administrators set one up on "
            "their first sign-in."
        )

    def _history_line(self, partners: dict[str, Partner]) -> None:
        """One line: from when to when the demo's history runs, and its statements."""
        events = AllocationEvent.objects.filter(license__partner__in=partners.values())
        first = events.order_by("at").values_list("at", flat=True).first()
        last = events.order_by("-at").values_list("at", flat=True).first()
        if first is None:
            return
        statements = Statement.objects.filter(partner__in=partners.values()).count()
        self.stdout.write(
            f"The demo's history spans from {timezone.localdate(first):%Y-%m-%d} to "
            f"{timezone.localdate(last):%Y-%m-%d}: {events.count()} changes, "
            f"{statements} month-end statements."
        )

    def _partner(self, name: str, spec: dict) -> Partner:
        partner, _ = Partner.objects.get_or_create(name=name)
        if "language" in spec and partner.language != spec["language"]:
            partner.language = spec["language"]
            partner.save(update_fields=["language"])
        if partner_default_address(partner=partner) is None:
            address_save(address=Address(partner=partner, is_default=True, **spec["address"]))
        if "billing" in spec:
            partner_billing_set(partner=partner, actor=None, **spec["billing"])
        return partner

    def _logins(self, partners: dict[str, Partner]) -> None:
        User = get_user_model()
        for username, password, partner_name, role in DEMO_LOGINS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@lmp.example"}
            )
            user.set_password(password)
            user.is_staff = user.is_superuser = partner_name is None
            user.save()
            if partner_name:
                # No language of its own: each login reads its partner's default (see handle).
                Membership.objects.update_or_create(
                    user=user,
                    defaults={"partner": partners[partner_name], "role": role, "language": ""},
                )
            if username in DEMO_TOTP_USERNAMES:
                authenticator_install(user=user, key_hex=DEMO_TOTP_KEY_HEX)

    def _list_prices(self) -> None:
        """The vendor's list prices (staff keep them in admin): what a partner pays for a tier it
        does not hold yet when it buys seats."""
        for (tier, currency), price in LIST_PRICES.items():
            TierPrice.objects.update_or_create(
                tier=tier, currency=currency, defaults={"price_per_user": Decimal(price)}
            )
