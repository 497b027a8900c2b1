"""A license as it stood at the end of a past day, read in SQL: the license page "as of" a date.

``licenses.history_state.license_state_at`` folds a license's events in Python and is the
reference; this module asks the database the same question, so the customer table as it stood
can be searched, sorted and paginated in the database like the live one. Each figure of a
customer is the ``to`` of its latest event up to the instant (a baseline before a change at the
same instant, as the fold orders them), a correlated subquery per figure served by the
(customer, what, at) index of migration 0017. A customer is on the list from its first event, as
in the fold; an offboarded customer holds nothing. tests/properties/test_history_as_of.py checks
that both give the same answer on random histories.

The annotations keep the live table's names (``license_users``, ``cloud_users``, ``sat_users``,
``name_key``); the legal name, status and offboarding date as they stood are ``AS_OF_FIELDS``,
which the table and its filter read instead of the model's columns.
"""

from __future__ import annotations

import copy
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower

from licenses.choices import (
    LEGAL_NAME_LABEL,
    PRICE_LABEL,
    RENEWAL_LABEL,
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    STATUS_LABEL,
    TIER_USERS_LABELS,
    CustomerStatus,
    ServiceTier,
    what_key,
)
from licenses.history_state import baseline_first
from licenses.models import AllocationEvent, CustomerAccount, VolumeLicense
from licenses.selectors import VisibleLicense, cloud_pool_for, customer_scope, license_is_own
from lmp.partners.models import Partner

# The table's columns whose value as it stood is an annotation (the model's own column holds
# today's): the legal name, the status and the offboarding date then.
AS_OF_FIELDS = {
    "legal_name": "legal_name_then",
    "status": "status_then",
    "offboarded_at": "offboarded_at_then",
}


def as_of_instant(day: dt.date) -> dt.datetime:
    """The end of ``day`` in the portal's time zone: the last instant before the next midnight.

    The queries read events ``at <= instant``, as ``license_state_at`` does; a microsecond before
    midnight is the database's last instant of the day, so the next day's midnight is excluded.
    """
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return midnight - dt.timedelta(microseconds=1)


def _latest(instant: dt.datetime, **filters) -> QuerySet[AllocationEvent]:
    """A customer's events up to ``instant``, the one the fold applies last first."""
    # The fold applies events by (at, baseline before a change, id): the last is the greatest.
    return AllocationEvent.objects.filter(
        customer=OuterRef("pk"), at__lte=instant, **filters
    ).order_by("-at", baseline_first().desc(), "-id")


def _count_then(instant: dt.datetime, **filters) -> Coalesce:
    return Coalesce(
        Subquery(_latest(instant, **filters).values("to_value")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


# ``cloud_pool`` not given: the selector reads it (``cloud_pool_for``).
_READ = object()


def license_customers_as_of(
    *,
    partner: Partner,
    license: VolumeLicense,
    instant: dt.datetime,
    cloud_pool: VolumeLicense | None | object = _READ,
) -> QuerySet[CustomerAccount]:
    """The customers of ``license`` as they stood at ``instant``, with the live table's columns.

    The scope is ``customer_table``'s (the owner sees every customer, a sub-partner its own);
    the rows are the customers that were on the license then. ``license_users`` (users of this
    pool), ``cloud_users``, ``sat_users``, ``legal_name_then``, ``status_then`` and
    ``offboarded_at_then`` are their values then; ``name_key`` sorts by the name then.
    ``cloud_pool``: the MDR Cloud pool its customers' cloud users come from, when the caller
    has read it (``cloud_pool_for``).
    """
    if license_is_own(partner=partner, license=license):
        qs = CustomerAccount.objects.all()
    else:
        qs = customer_scope(partner=partner)
    any_event = AllocationEvent.objects.filter(customer=OuterRef("pk"), at__lte=instant)
    if license.tier == ServiceTier.CLOUD:
        # Customers of every tier: those onboarded onto it, and those with cloud users on it.
        qs = qs.filter(Q(license=license) | Exists(any_event.filter(license=license)))
    else:
        qs = qs.filter(license=license)
    qs = qs.filter(Exists(any_event))  # onboarded by then
    users_what = TIER_USERS_LABELS[license.tier]
    status = Coalesce(
        Subquery(_latest(instant, what=what_key(STATUS_LABEL)).values("to_text")[:1]),
        Value(CustomerStatus.ACTIVE),
        output_field=CharField(),
    )
    qs = qs.annotate(
        status_then=status,
        # Every onboarding records the name; a customer's current name stands in otherwise.
        legal_name_then=Coalesce(
            Subquery(_latest(instant, what=what_key(LEGAL_NAME_LABEL)).values("to_text")[:1]),
            F("legal_name"),
            output_field=CharField(),
        ),
    )
    active = Q(status_then=CustomerStatus.ACTIVE)

    def held(expression) -> Case:
        """What an active customer held; an offboarded one holds nothing."""
        return Case(When(active, then=expression), default=Value(0), output_field=IntegerField())

    cloud = cloud_pool_for(license=license) if cloud_pool is _READ else cloud_pool
    cloud_users = (
        _count_then(instant, license=cloud.pk, what=TIER_USERS_LABELS[ServiceTier.CLOUD])
        if cloud is not None
        else Value(0)
    )
    return qs.annotate(
        license_users=held(_count_then(instant, license=license.pk, what=users_what)),
        cloud_users=held(cloud_users),
        sat_users=held(_count_then(instant, what=what_key(SAT_USERS_LABEL))),
        offboarded_at_then=Case(
            When(active, then=Value(None)),
            default=F("offboarded_at"),
            output_field=DateTimeField(),
        ),
        name_key=Lower("legal_name_then"),
    ).select_related("sub_partner", "license")


@dataclass(frozen=True)
class LicenseThen:
    """A license's figures as they stood: None for its terms before it existed."""

    license: VolumeLicense
    instant: dt.datetime
    existed: bool
    seat_commitment: int | None
    price_per_user: Decimal | None
    renewal_date: dt.date | None
    allocated: int
    customer_count: int  # the active customers the partner saw on it
    managed_users: int  # a sub-partner's customers' users on it

    def as_license(self) -> VolumeLicense:
        """A read-only stand-in of the license with its figures then, for the pages to show.

        Never saved: a copy whose terms and ``allocated`` are those of the instant (a term the
        history does not know keeps today's, which only data older than the baseline lacks).
        """
        then = copy.copy(self.license)
        then.seat_commitment = self.seat_commitment or 0
        if self.price_per_user is not None:
            then.price_per_user = self.price_per_user
        if self.renewal_date is not None:
            then.renewal_date = self.renewal_date
        then.allocated = self.allocated
        then.holder_count = self.customer_count
        then.existed_then = self.existed
        return then

    def visible(self, *, is_own: bool) -> VisibleLicense:
        """The license as ``VisibleLicense`` (what the pages read), with its figures then."""
        return VisibleLicense(
            self.as_license(),
            is_own,
            self.customer_count,
            None if is_own else self.managed_users,
        )


def _terms_then(licenses: QuerySet[VolumeLicense], instant: dt.datetime):
    """Each license's commitment, price and renewal date then, and whether it existed (1 query)."""
    own = AllocationEvent.objects.filter(
        license=OuterRef("pk"), customer__isnull=True, at__lte=instant
    ).order_by("-at", baseline_first().desc(), "-id")

    def latest(label, field):
        return Subquery(own.filter(what=what_key(label)).values(field)[:1])

    return licenses.order_by().annotate(
        existed=Exists(own),
        commitment_then=latest(SEAT_COMMITMENT_LABEL, "to_value"),
        price_then=latest(PRICE_LABEL, "to_text"),
        renewal_then=latest(RENEWAL_LABEL, "to_text"),
    )


def _license_then(
    *,
    partner: Partner,
    license: VolumeLicense,
    terms: VolumeLicense,
    instant: dt.datetime,
    cloud_pool: VolumeLicense | None | object = _READ,
) -> LicenseThen:
    """One license's figures then from its terms row and one aggregate of its customers."""
    if terms.existed:
        # The pool's own figures (every customer on it) and the partner's share of them.
        customers = license_customers_as_of(
            partner=license.partner, license=license, instant=instant, cloud_pool=cloud_pool
        ).filter(status_then=CustomerStatus.ACTIVE)
        mine = Q() if license_is_own(partner=partner, license=license) else Q(sub_partner=partner)
        figures = customers.order_by().aggregate(
            allocated=Coalesce(Sum("license_users"), 0),
            count=Count("pk", filter=mine),
            managed=Coalesce(Sum("license_users", filter=mine), 0),
        )
    else:
        figures = {"allocated": 0, "count": 0, "managed": 0}
    return LicenseThen(
        license=license,
        instant=instant,
        existed=terms.existed,
        seat_commitment=(terms.commitment_then or 0) if terms.existed else None,
        price_per_user=Decimal(terms.price_then) if terms.price_then else None,
        renewal_date=dt.date.fromisoformat(terms.renewal_then) if terms.renewal_then else None,
        allocated=figures["allocated"],
        customer_count=figures["count"],
        managed_users=figures["managed"],
    )


def license_then(
    *,
    partner: Partner,
    license: VolumeLicense,
    instant: dt.datetime,
    cloud_pool: VolumeLicense | None | object = _READ,
) -> LicenseThen:
    """The license's dashboard as it stood at ``instant``: two queries whatever its size."""
    terms = _terms_then(VolumeLicense.objects.filter(pk=license.pk), instant).get()
    return _license_then(
        partner=partner, license=license, terms=terms, instant=instant, cloud_pool=cloud_pool
    )


def licenses_then(
    *, partner: Partner, licenses: list[VolumeLicense], instant: dt.datetime
) -> dict[int, LicenseThen]:
    """Each of ``licenses`` as it stood at ``instant`` (the License tab), by primary key.

    One query for their terms, one aggregate per license that existed then.
    """
    terms = {
        row.pk: row
        for row in _terms_then(
            VolumeLicense.objects.filter(pk__in=[lic.pk for lic in licenses]), instant
        )
    }
    return {
        lic.pk: _license_then(partner=partner, license=lic, terms=terms[lic.pk], instant=instant)
        for lic in licenses
    }
