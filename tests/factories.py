"""factory_boy factories; customers are made through the service so counters stay true."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from licenses import services
from licenses.choices import Currency, ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from lmp.partners.choices import PartnerRole
from lmp.partners.models import Membership, Partner
from shipping.models import Address
from tests.helpers.auth import PASSWORD


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Partner {n} MSP")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    partner = factory.SubFactory(PartnerFactory)
    label = "Head office"
    recipient = "Sam Taylor"
    line1 = factory.Sequence(lambda n: f"{100 + n} Queen Street")
    city = "Ottawa"
    region = "ON"
    postal_code = "K1P 1J9"
    country = "CA"
    is_default = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    # Allocator: everything but the Team page, and no second factor to pass in tests. Tests of
    # Administrators' pages sign in with tests.helpers.auth.verified_login.
    role = PartnerRole.ALLOCATOR


class VolumeLicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolumeLicense

    partner = factory.SubFactory(PartnerFactory)
    tier = ServiceTier.COMPLETE
    seat_commitment = 1990
    renewal_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))
    price_per_user = Decimal("14.50")
    currency = Currency.CAD


_customer_seq = iter(range(1, 10**9))


def make_customer(
    *,
    license: VolumeLicense,
    tier_users: int = 10,
    cloud_users: int = 0,
    sat_users: int = 0,
    legal_name: str | None = None,
    partner: Partner | None = None,
    **extra,
) -> CustomerAccount:
    """Onboard a customer through the real service (so the seat counters are right)."""
    n = next(_customer_seq)
    return services.customer_create(
        partner=partner or license.partner,
        license=license,
        legal_name=legal_name or f"Customer {n:05d} Ltd",
        admin_email=extra.pop("admin_email", f"admin{n}@customer.example"),
        tier_users=tier_users,
        cloud_users=cloud_users,
        sat_users=sat_users,
        **extra,
    )
