"""What the API says and accepts. Reads come from the portal's selectors, writes go to its
services: the serializers here only shape figures and check the JSON's types."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from licenses import policy
from licenses.choices import (
    AllocationEventKind,
    AllocationEventSource,
    Currency,
    HostingRegion,
    ServiceTier,
)
from licenses.forecast import STATUSES, Forecast, seat_forecast
from licenses.models import AllocationEvent, CustomerAccount, ScheduledCommitmentChange
from licenses.selectors import VisibleLicense, commitment_changes_scheduled
from lmp.billing.models import Statement, StatementLicense, StatementLine
from lmp.partners.models import Partner
from onboarding.models import OnboardingRequest, Shipment


def license_figures(visible: VisibleLicense) -> dict:
    """The dashboard of a license page, as the partner may see it (``visible.is_own``).

    The owner sees the commercial terms and what the pool holds in all; a sub-partner the
    users available to it, its own customers and their users (``licenses.selectors``).
    """
    license, own = visible.license, visible.is_own
    return {
        "id": license.pk,
        "tier": license.tier,
        "tier_name": license.get_tier_display(),
        "owner": license.partner.name,
        "is_own": own,
        "renewal_date": license.renewal_date,
        "unallocated": license.unallocated,
        "customer_count": visible.customer_count,
        "seat_commitment": license.seat_commitment if own else None,
        "allocated": license.allocated if own else None,
        "managed_users": visible.managed_users,
        "price_per_user": license.price_per_user if own else None,
        "monthly_total": license.monthly_total if own else None,
        "currency": license.currency if own else None,
        "low_seats_threshold": license.low_seats_level if own else None,
        "is_low_on_seats": policy.is_low_on_seats(license) if own else None,
    }


class LicenseSerializer(serializers.Serializer):
    """A license with its dashboard figures; owner-only figures are null for a sub-partner."""

    id = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=ServiceTier.choices)
    tier_name = serializers.CharField()
    owner = serializers.CharField(help_text="The partner that owns the license.")
    is_own = serializers.BooleanField(help_text="False for a license shared with you.")
    renewal_date = serializers.DateField()
    unallocated = serializers.IntegerField(help_text="Users available to allocate.")
    customer_count = serializers.IntegerField(help_text="Customers you see on it.")
    seat_commitment = serializers.IntegerField(allow_null=True)
    allocated = serializers.IntegerField(allow_null=True)
    managed_users = serializers.IntegerField(
        allow_null=True, help_text="A sub-partner's: the users its customers hold."
    )
    price_per_user = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    monthly_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    low_seats_threshold = serializers.IntegerField(
        allow_null=True, help_text="In users (a percentage is converted), null when unset."
    )
    is_low_on_seats = serializers.BooleanField(allow_null=True)


class ForecastSerializer(serializers.Serializer):
    """The seat forecast: when the pool's unallocated users run out at its last 90 days' pace."""

    status = serializers.ChoiceField(
        choices=[(s, s) for s in STATUSES],
        help_text="runs_out; not_running_out (the pace is flat, falling, or more than three "
        "years from running out); not_enough_history (under 30 days); already_out.",
    )
    window_days = serializers.IntegerField(
        help_text="The days of history the pace was measured over: 90, or fewer for a younger "
        "pool (under 30: not enough history)."
    )
    net_users = serializers.IntegerField(
        allow_null=True,
        help_text="Users allocated minus users released over the window (null without enough "
        "history).",
    )
    runs_out_on = serializers.DateField(
        allow_null=True, help_text="The day the unallocated users run out (runs_out only)."
    )
    days_left = serializers.IntegerField(
        allow_null=True, help_text="Days from today to runs_out_on (runs_out only)."
    )
    text = serializers.CharField(
        help_text="The forecast as a sentence, in the language of the response (Accept-Language)."
    )


def license_forecast(visible: VisibleLicense) -> Forecast | None:
    """The owner's seat forecast (a sub-partner does not see the pool's allocation: null)."""
    return seat_forecast(visible.license) if visible.is_own else None


class ScheduledCommitmentSerializer(serializers.Serializer):
    """The seat commitment an Administrator planned for the renewal (applied on that date)."""

    new_commitment = serializers.IntegerField(
        help_text="The seat commitment from the renewal date (an absolute figure)."
    )
    renewal_date = serializers.DateField(help_text="The renewal it applies at.")
    created_at = serializers.DateTimeField(help_text="When it was scheduled.")


def license_scheduled_commitment(
    visible: VisibleLicense, *, partner: Partner
) -> ScheduledCommitmentChange | None:
    """The change scheduled for the owner's license's renewal (a sub-partner sees none)."""
    if not visible.is_own:
        return None
    changes = commitment_changes_scheduled(partner=partner, licenses=[visible.license])
    return changes.get(visible.license.pk)


class LicenseDetailSerializer(LicenseSerializer):
    """A license with its dashboard figures and, for its owner, the seat forecast and the
    commitment planned for its renewal."""

    forecast = ForecastSerializer(
        allow_null=True, help_text="Null on a license shared with you (its owner's figure)."
    )
    scheduled_commitment = ScheduledCommitmentSerializer(
        allow_null=True,
        help_text="The commitment planned for the renewal; null when none is scheduled, and on "
        "a license shared with you.",
    )


class OptionalURLField(serializers.URLField):
    """A web site, or null when the customer has none (the model keeps an empty text)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A model's choice that may be left empty (``blank=True``, e.g. the carrier of a shipment
    not yet sent): null in the API rather than an empty text outside the documented enum."""

    def to_representation(self, value):
        if value == "" and self.allow_null:
            return None
        return super().to_representation(value)


class ReadModelSerializer(serializers.ModelSerializer):
    """A model as the API reads it out: an empty optional choice is null."""

    serializer_choice_field = BlankAsNullChoiceField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is BlankAsNullChoiceField and model_field.blank:
            kwargs["allow_null"] = True
        return field_class, kwargs


class CountField(serializers.IntegerField):
    """A user count: its limits are in the schema, and checked by the policy with its messages.

    No DRF validators (min_value / max_value would answer with DRF's words): the service refuses
    a count outside ``count``'s limits with the message the portal's forms show.
    """

    def __init__(self, *, count: policy.Count, **kwargs):
        super().__init__(**kwargs)
        self.min_value = count.minimum
        self.max_value = count.maximum


class StrictSerializer(serializers.Serializer):
    """A request body that refuses fields it does not have (400 naming them), rather than
    ignoring a misspelt or read-only field and answering as if it had been applied."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("“%(name)s” is not a field this request takes.") % {"name": name}]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


# The limits of the counts whatever the license's tier (the tier only changes the labels).
TIER_COUNT = policy.tier_count(ServiceTier.COMPLETE)
# The most changes one batch request takes.
MAX_BATCH = 1000


class CustomerSerializer(ReadModelSerializer):
    """A customer as its license's table shows it: the users it holds now."""

    sub_partner = serializers.CharField(source="sub_partner.name", default=None, allow_null=True)
    website = OptionalURLField(help_text="Null when the customer has none.")
    tier_users = serializers.IntegerField(help_text="Users of its license's tier.")
    cloud_users = serializers.IntegerField(help_text="Separate MDR Cloud users.")
    sat_users = serializers.IntegerField(help_text="Beauceron SAT users (MDR Complete).")

    class Meta:
        model = CustomerAccount
        fields = [
            "id",
            "legal_name",
            "website",
            "admin_email",
            "status",
            "sub_partner",
            "deployment",
            "hosting_region",
            "onboarded_at",
            "offboarded_at",
            "license",
            "tier_users",
            "cloud_users",
            "sat_users",
        ]
        read_only_fields = fields


class CustomerCreateSerializer(StrictSerializer):
    """Onboard a fully virtual customer (no appliances to ship) onto the license in the URL."""

    legal_name = serializers.CharField(max_length=200, trim_whitespace=False)
    admin_email = serializers.EmailField(max_length=254)
    # Left out when the customer has no web site (no default: a client would send it).
    website = serializers.URLField(max_length=300, required=False)
    hosting_region = serializers.ChoiceField(choices=HostingRegion.choices)
    tier_users = CountField(count=TIER_COUNT)
    cloud_users = CountField(count=policy.CLOUD_COUNT, required=False)
    sat_users = CountField(count=policy.SAT_COUNT, required=False)


class CustomerUpdateSerializer(StrictSerializer):
    """Change a customer's legal name, contact details and users; a field left out keeps its
    value. The web site and e-mail are checked by the portal's own rules (licenses.contact)."""

    legal_name = serializers.CharField(max_length=200, required=False, trim_whitespace=False)
    website = serializers.URLField(
        max_length=300, required=False, allow_null=True, help_text="Null removes the web site."
    )
    admin_email = serializers.EmailField(max_length=254, required=False)
    tier_users = CountField(count=TIER_COUNT, required=False)
    cloud_users = CountField(count=policy.CLOUD_COUNT, required=False)
    sat_users = CountField(count=policy.SAT_COUNT, required=False)


class BatchChangeSerializer(StrictSerializer):
    """One customer's change in a batch; a field left out keeps its value."""

    customer = serializers.IntegerField(help_text="The customer's id.")
    legal_name = serializers.CharField(max_length=200, required=False, trim_whitespace=False)
    tier_users = CountField(count=TIER_COUNT, required=False)
    cloud_users = CountField(count=policy.CLOUD_COUNT, required=False)
    sat_users = CountField(count=policy.SAT_COUNT, required=False)
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The customer's version as you read it: the `id` of its latest event in "
        "its history. A customer changed since is refused (409). Left out: no check.",
    )


class BatchSerializer(StrictSerializer):
    """Up to 1,000 changes of customers of one license, applied all together or not at all."""

    # A ListField, so the schema says maxItems; an empty batch changes nothing.
    changes = serializers.ListField(child=BatchChangeSerializer(), max_length=MAX_BATCH)


class ChangeSerializer(serializers.Serializer):
    """One field a write changed."""

    label = serializers.CharField()
    old = serializers.JSONField()
    new = serializers.JSONField()


class CustomerUpdatedSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    changes = ChangeSerializer(many=True)


class BatchRowSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The change's position in `changes` (from 0).")
    customer = serializers.IntegerField()
    changes = ChangeSerializer(many=True)


class BatchResultSerializer(serializers.Serializer):
    changed = BatchRowSerializer(many=True)
    unchanged = serializers.IntegerField(help_text="Changes that asked for what already was.")


class OffboardedSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    released = serializers.DictField(
        child=serializers.IntegerField(), help_text="Users returned, by license id."
    )


class EventSerializer(serializers.ModelSerializer):
    """One change in the allocation history, with who made it as the history page says it."""

    kind = serializers.ChoiceField(choices=AllocationEventKind.choices)
    source = serializers.ChoiceField(choices=AllocationEventSource.choices)
    actor = serializers.CharField(source="actor_api")
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    customer_name = serializers.CharField(
        source="customer.legal_name", default=None, allow_null=True
    )
    license = serializers.IntegerField(source="license_id")
    from_value = serializers.JSONField(source="from_api", help_text="A count or a text.")
    to_value = serializers.JSONField(source="to_api", help_text="A count or a text.")

    class Meta:
        model = AllocationEvent
        fields = [
            "id",
            "at",
            "kind",
            "source",
            "actor",
            "license",
            "customer",
            "customer_name",
            "what",
            "from_value",
            "to_value",
            "note",
        ]
        read_only_fields = fields


class ShipmentSerializer(ReadModelSerializer):
    # The catalogue's English name whatever the Accept-Language, as in the webhooks: a script
    # matches on it; only the problems' title and detail follow the language.
    appliance = serializers.CharField(source="appliance.name_en")
    address = serializers.CharField(source="address.one_line_en")

    class Meta:
        model = Shipment
        fields = [
            "id",
            "appliance",
            "role",
            "address",
            "status",
            "carrier",
            "tracking_number",
            "created_at",
            "shipped_at",
            "delivered_at",
        ]
        read_only_fields = fields


class OnboardingOrderSerializer(ReadModelSerializer):
    submitted_by = serializers.CharField(
        source="submitted_by.get_username", default=None, allow_null=True
    )
    shipments = ShipmentSerializer(many=True)

    class Meta:
        model = OnboardingRequest
        fields = [
            "id",
            "license",
            "customer",
            "submitted_at",
            "submitted_by",
            "legal_name",
            "admin_email",
            "tier_users",
            "cloud_users",
            "sat_users",
            "deployment",
            "hosting_region",
            "ship_to",
            "shipments",
        ]
        read_only_fields = fields


MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-11"})
class MonthField(serializers.Field):
    """A month as the URLs write it (``2026-11``), from its first day."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"


@extend_schema_field(
    {"type": "string", "pattern": MONTH_PATTERN, "nullable": True, "example": "2026-10"}
)
class OptionalMonthField(MonthField):
    """A month or null (DRF writes a null attribute as null without asking the field)."""


class StatementTotalSerializer(serializers.Serializer):
    """What a statement bills in one currency."""

    currency = serializers.ChoiceField(choices=Currency.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    adjustments = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatementSerializer(ReadModelSerializer):
    """A month-end statement: its month, when it closed, its totals per currency."""

    month = MonthField()
    totals = StatementTotalSerializer(many=True, help_text="One per currency of its licenses.")

    class Meta:
        model = Statement
        fields = ["month", "period_end", "closed_at", "totals"]
        read_only_fields = fields


class StatementLicenseSerializer(ReadModelSerializer):
    """One license's part of a statement: its terms at the month's end and its totals."""

    tier_name = serializers.CharField(source="get_tier_display")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = StatementLicense
        fields = [
            "license",
            "tier",
            "tier_name",
            "currency",
            "seat_commitment",
            "allocated",
            "price_per_user",
            "amount",
            "adjustments",
            "total",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    """A statement with its licenses (its lines: ``lines/``, in cursor pages)."""

    licenses = StatementLicenseSerializer(many=True, source="licenses_list")

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "licenses"]
        read_only_fields = fields


class StatementLineSerializer(ReadModelSerializer):
    """One line: a customer's users on a license, a license's unallocated users, or an
    adjustment of an earlier month (``adjusts``; its ``users`` may be negative)."""

    license = serializers.IntegerField(source="statement_license.license_id")
    tier = serializers.ChoiceField(source="statement_license.tier", choices=ServiceTier.choices)
    currency = serializers.ChoiceField(
        source="statement_license.currency", choices=Currency.choices
    )
    adjusts = OptionalMonthField()

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "license",
            "tier",
            "kind",
            "customer",
            "legal_name",
            "users",
            "peak_users",
            "sat_users",
            "price_per_user",
            "amount",
            "currency",
            "adjusts",
        ]
        read_only_fields = fields
