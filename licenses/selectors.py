"""Reads, always starting from the signed-in user's partner so no page can forget tenancy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
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
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from licenses import policy
from licenses.choices import (
    RENEWAL_REMINDER_DAYS,
    AlertKind,
    CommitmentChangeStatus,
    CustomerStatus,
    ServiceTier,
)
from licenses.models import (
    AllocationEvent,
    CustomerAccount,
    ScheduledCommitmentChange,
    SeatAllocation,
    VolumeLicense,
)
from lmp.core.l10n import count
from lmp.partners.models import Partner

# The product's order of the tiers (Core, Complete, Cloud), not the alphabet's.
TIER_RANK = {tier: rank for rank, tier in enumerate(ServiceTier.values)}


def _visible_licenses(partner: Partner) -> QuerySet[VolumeLicense]:
    """Licenses the partner owns or that are shared with it."""
    # pk IN (...) rather than EXISTS: the same plan, and the ORM builds it in half the time.
    shared = VolumeLicense.sub_partners.through.objects.filter(partner_id=partner.pk)
    return VolumeLicense.objects.filter(
        Q(partner_id=partner.pk) | Q(pk__in=shared.values("volumelicense_id"))
    )


def _managed_customers(partner: Partner) -> QuerySet[SeatAllocation]:
    """Active allocations of the customers a sub-partner manages (its share of a pool)."""
    return SeatAllocation.objects.filter(active=True, customer__sub_partner=partner).order_by()


def license_is_own(*, partner: Partner, license: VolumeLicense) -> bool:
    """Whether ``partner`` owns ``license``; else it is a sub-partner the license is shared with.

    The one test of ownership behind every page. Only the owner sees the license's commercial
    terms: its price per user, monthly total and seat commitment, and what the pool holds in all
    (allocated, by the owner's customers too); and only the owner sees every customer on it and
    its commitment's history. A sub-partner sees what it needs to work: the users available (the
    pool's unallocated), its own customers and their users, the renewal date. Pages read it as
    ``VisibleLicense.is_own``, which ``license_list`` and ``license_get`` answer.
    """
    return license.partner_id == partner.pk


@dataclass(frozen=True)
class VisibleLicense:
    """A license as one partner sees it: what ``license_list`` and ``license_get`` answer, and
    what the license pages, the onboarding pages and the API read.

    ``is_own``: the partner owns it (``license_is_own``), else it is shared with it.
    ``customer_count``: the customers the partner sees on it. ``managed_users``: a sub-partner's
    customers' users on it; None for the owner, who sees the pool's own figures instead.
    """

    license: VolumeLicense
    is_own: bool
    customer_count: int
    managed_users: int | None = None


def _visible(*, partner: Partner, licenses: list[VolumeLicense]) -> list[VisibleLicense]:
    """What the partner may see of each license: ``is_own`` and its own counts.

    The owner's ``customer_count`` is the counter the allocation triggers keep on the license
    row; only a sub-partner's needs its customers (one query, only if it has a share), which also
    give its ``managed_users`` (their users there).
    """
    own = {lic.pk: license_is_own(partner=partner, license=lic) for lic in licenses}
    shared = [pk for pk, is_own in own.items() if not is_own]
    managed = (
        {
            license_pk: (count, users)
            for license_pk, count, users in _managed_customers(partner)
            .filter(license__in=shared)
            .values_list("license")
            .annotate(n=Count("pk"), users=Sum("seats"))
        }
        if shared
        else {}
    )
    return [
        VisibleLicense(lic, True, lic.holder_count)
        if own[lic.pk]
        else VisibleLicense(lic, False, *managed.get(lic.pk, (0, 0)))
        for lic in licenses
    ]


def license_list(*, partner: Partner) -> list[VisibleLicense]:
    """Licenses the partner owns or that are shared with it, as it sees them.

    In the product's tier order; within a tier its own licenses come before shared ones.
    """
    # A partner has a handful of licenses: one plain query, counted and sorted here. (The ORM
    # took longer to build a query that did both than the database took to run it.)
    licenses = list(_visible_licenses(partner).select_related("partner").order_by())
    return sorted(
        _visible(partner=partner, licenses=licenses),
        key=lambda seen: (
            TIER_RANK.get(seen.license.tier, len(TIER_RANK)),
            not seen.is_own,
            seen.license.partner.name.casefold(),
            seen.license.pk,
        ),
    )


def license_get(*, partner: Partner, pk: int) -> VisibleLicense:
    """One license the partner may see, as it sees it (as license_list does), or 404."""
    # Every partner page starts here, so it is one plain query for the owner.
    license = get_object_or_404(_visible_licenses(partner).select_related("partner"), pk=pk)
    return _visible(partner=partner, licenses=[license])[0]


def cloud_license_for(*, partner: Partner | int) -> VolumeLicense | None:
    """The MDR Cloud license a partner's customers draw their cloud users from, if any."""
    # One per partner and tier; order_by(): the model's ordering would join the partner table.
    return VolumeLicense.objects.filter(partner=partner, tier=ServiceTier.CLOUD).order_by().first()


def cloud_pool_for(*, license: VolumeLicense) -> VolumeLicense | None:
    """The MDR Cloud pool a customer of ``license`` takes its separate cloud users from, if any.

    None for the MDR Cloud license itself: its customers hold only its own users (the policy).
    """
    if not policy.has_cloud_users(tier=license.tier, has_cloud=True):
        return None
    return cloud_license_for(partner=license.partner_id)


def customer_scope(*, partner: Partner) -> QuerySet[CustomerAccount]:
    """Customers the partner may see: its own, and those it manages as a sub-partner."""
    return CustomerAccount.objects.filter(Q(partner=partner) | Q(sub_partner=partner))


def customer_table(
    *, partner: Partner, license: VolumeLicense, every_row: bool = False
) -> QuerySet[CustomerAccount]:
    """Customers holding seats of ``license`` with their tier, cloud and SAT users (one query).

    The owner sees every customer on the license; a sub-partner only those it manages. The users
    are those a customer holds now: an offboarded customer's allocations are kept for history but
    no longer active, so it holds 0 of each (and the sums equal what the licenses say is allocated).
    """
    # Every customer on a license belongs to its owner, so the owner needs no scope filter (and
    # without it the page's count is an index-only scan); a sub-partner sees only its own.
    if license_is_own(partner=partner, license=license):
        qs = CustomerAccount.objects.all()
    else:
        qs = customer_scope(partner=partner)
    if license.tier == ServiceTier.CLOUD:
        # The MDR Cloud pool also serves other tiers' customers through their cloud users.
        qs = qs.filter(allocations__license=license)
    else:
        # A Core or Complete pool holds seats only of the customers onboarded onto it (the
        # services allow no other), so filter on the customer's own column: the
        # (license, status, lower(legal_name), id) index then serves page 1 in order.
        qs = qs.filter(license=license)
    # The primary allocation is a LEFT JOIN on its unique (customer, license) key, which
    # PostgreSQL drops from a count() that does not use it.
    qs = qs.annotate(
        primary_alloc=FilteredRelation(
            "allocations",
            condition=Q(allocations__license=F("license")) & Q(allocations__active=True),
        ),
    )
    if every_row:
        # A reader of every row (the export) is best served by a join for the cloud users too.
        qs = qs.annotate(
            cloud_alloc=FilteredRelation(
                "allocations",
                condition=Q(allocations__tier=ServiceTier.CLOUD)
                & ~Q(allocations__license=F("license"))
                & Q(allocations__active=True),
            ),
        )
        cloud_users = F("cloud_alloc__seats")
    else:
        # A page of 50: a correlated subquery, evaluated only for the page's rows (a join there
        # would stay in the pager's counts).
        cloud = (
            SeatAllocation.objects.filter(
                customer=OuterRef("pk"), tier=ServiceTier.CLOUD, active=True
            )
            .exclude(license=OuterRef("license"))
            .order_by()
        )
        cloud_users = Subquery(cloud.values("seats")[:1])
    qs = qs.annotate(
        tier_users=Coalesce(F("primary_alloc__seats"), Value(0)),
        cloud_users=Coalesce(cloud_users, Value(0)),
        sat_users=Coalesce(F("primary_alloc__sat_users"), Value(0)),
    )
    # For readers of instances; the customer table and its export select values instead (the
    # join is then made only for a column that needs it).
    if license.tier == ServiceTier.CLOUD:
        return qs.select_related("sub_partner", "license")  # customers of every tier
    # Every customer here is onboarded onto ``license``: a caller can give each row that object
    # rather than read the same license row again.
    return qs.select_related("sub_partner")


def customer_get(*, partner: Partner, pk: int) -> CustomerAccount:
    """One customer the partner may see, or 404."""
    return get_object_or_404(
        customer_scope(partner=partner).select_related("license", "sub_partner", "partner"),
        pk=pk,
    )


def customer_allocations(*, customer: CustomerAccount) -> dict[str, SeatAllocation | None]:
    """The customer's primary ("tier") and separate MDR Cloud allocations."""
    allocations = list(customer.allocations.select_related("license"))
    primary = next((a for a in allocations if a.license_id == customer.license_id), None)
    cloud = next(
        (
            a
            for a in allocations
            if a.tier == ServiceTier.CLOUD and a.license_id != customer.license_id
        ),
        None,
    )
    return {"primary": primary, "cloud": cloud}


def license_customers(
    *, partner: Partner, license: VolumeLicense, every_row: bool = False
) -> QuerySet[CustomerAccount]:
    """``customer_table`` plus ``license_users`` (seats held on ``license``) and a sort key.

    On a Core or Complete license that is the customer's tier users; on the MDR Cloud license it is
    the tier users of its own Cloud customers and the separate cloud users of everyone else.
    """
    qs = customer_table(partner=partner, license=license, every_row=every_row).annotate(
        license_users=Case(
            When(license_id=license.pk, then=F("tier_users")),
            default=F("cloud_users"),
        ),
        # Names sort the way people read them, whatever the database's collation.
        name_key=Lower("legal_name"),
    )
    if every_row:
        qs = _at_offboarding_annotate(qs, license=license)
    return qs


def _at_offboarding_annotate(
    qs: QuerySet[CustomerAccount], *, license: VolumeLicense
) -> QuerySet[CustomerAccount]:
    """What each offboarded customer held when it was offboarded (the export's columns).

    Offboarding keeps a customer's allocations with their figures, inactive: these read them
    (``*_offboarded``, as the counts are named; None for an active customer). Subqueries inside
    a CASE on the status, so the database runs them for the offboarded rows only (joins cost
    every row of a big export).
    """
    offboarded = Q(status=CustomerStatus.OFFBOARDED)
    held = SeatAllocation.objects.filter(customer=OuterRef("pk"), active=False).order_by()
    own = held.filter(license=OuterRef("license"))
    cloud = held.filter(tier=ServiceTier.CLOUD).exclude(license=OuterRef("license"))

    def when_offboarded(*whens: tuple[Q, QuerySet]) -> Case:
        return Case(
            *(When(condition, then=Subquery(sub[:1])) for condition, sub in whens),
            default=None,
            output_field=IntegerField(),
        )

    return qs.annotate(
        tier_users_offboarded=when_offboarded((offboarded, own.values("seats"))),
        cloud_users_offboarded=when_offboarded((offboarded, cloud.values("seats"))),
        sat_users_offboarded=when_offboarded((offboarded, own.values("sat_users"))),
        license_users_offboarded=when_offboarded(
            (offboarded & Q(license_id=license.pk), own.values("seats")),
            (offboarded, cloud.values("seats")),
        ),
    )


def _events(*, partner: Partner) -> QuerySet[AllocationEvent]:
    """History events the partner may see: its licenses' (owner) and its managed customers'."""
    return AllocationEvent.objects.filter(
        Q(license__partner=partner) | Q(customer__sub_partner=partner)
    ).select_related("actor", "api_key", "customer", "license")


def license_events(*, partner: Partner, license: VolumeLicense) -> QuerySet[AllocationEvent]:
    """The history of one license page: all of it for its owner; a sub-partner sees its customers'.

    The pool's own events, and the MDR Cloud Users of the customers onboarded onto it: the page's
    table shows that column, and an edit there changes them, so its history shows them too (each
    event is recorded once, on the Cloud pool whose seats moved, whose history also lists it).
    """
    events = _events(partner=partner)
    if license.tier == ServiceTier.CLOUD:
        return events.filter(license=license)
    # A subquery, not a read of the Cloud pool: both branches then use the (license, at) index.
    cloud = VolumeLicense.objects.filter(partner_id=license.partner_id, tier=ServiceTier.CLOUD)
    return events.filter(
        Q(license=license) | Q(license__in=cloud.values("pk"), customer__license=license)
    )


def customer_events(*, partner: Partner, customer: CustomerAccount) -> QuerySet[AllocationEvent]:
    """The history of one customer, on every pool it has held seats of."""
    return _events(partner=partner).filter(customer=customer)


def customer_page_get(*, partner: Partner, license_pk: int, pk: int) -> CustomerAccount:
    """A customer's page in one query: the customer, its license, its counts and its Cloud pool.

    The scope of ``license_get`` and of ``customer_table``: the license in the URL is one the
    partner owns or shares, the customer one it owns or manages, onboarded onto that license or
    holding seats of it (the MDR Cloud pool), else 404. Sets ``page_license`` (the URL's
    license), ``cloud_pool`` (the owner's MDR Cloud license, or None) and the counts it holds
    (``tier_users``, ``cloud_users``, ``sat_users``, as ``customer_table`` names them).
    """
    holds = SeatAllocation.objects.filter(customer=OuterRef("pk"), license_id=license_pk)
    cloud = (
        SeatAllocation.objects.filter(customer=OuterRef("pk"), tier=ServiceTier.CLOUD)
        .exclude(license=OuterRef("license"))
        .order_by()
    )
    customers = (
        customer_scope(partner=partner)
        .filter(Exists(holds) | Q(license_id=license_pk))
        .filter(Exists(_visible_licenses(partner).filter(pk=license_pk)))
        .annotate(
            primary_alloc=FilteredRelation(
                "allocations", condition=Q(allocations__license=F("license"))
            ),
            # One per partner and tier (a unique constraint), so this join adds no rows.
            cloud_pool=FilteredRelation(
                "partner__licenses", condition=Q(partner__licenses__tier=ServiceTier.CLOUD)
            ),
        )
        .annotate(
            tier_users=Coalesce(F("primary_alloc__seats"), Value(0)),
            sat_users=Coalesce(F("primary_alloc__sat_users"), Value(0)),
            cloud_users=Coalesce(Subquery(cloud.values("seats")[:1]), Value(0)),
        )
        .select_related("license__partner", "partner", "sub_partner", "cloud_pool")
        .order_by()
    )
    customer = get_object_or_404(customers, pk=pk)
    # The join found no Cloud license: select_related then sets nothing.
    customer.cloud_pool = getattr(customer, "cloud_pool", None)
    if customer.license_id == license_pk:
        customer.page_license = customer.license
    elif customer.cloud_pool is not None and customer.cloud_pool.pk == license_pk:
        customer.page_license = customer.cloud_pool
    else:  # seats of a pool that is neither its own nor its partner's Cloud pool: none exist
        raise Http404("No customer on this license.")
    return customer


def license_terms_list(*, partner: Partner) -> list[VolumeLicense]:
    """The partner's own licenses, with their commercial terms, in the product's tier order.

    Only the owner's: a license shared with the partner has another partner's terms
    (``license_is_own``), which a sub-partner never sees.
    """
    licenses = VolumeLicense.objects.filter(partner=partner).order_by()
    return sorted(licenses, key=lambda lic: (TIER_RANK.get(lic.tier, len(TIER_RANK)), lic.pk))


def renewal_reminder_due(*, license: VolumeLicense, today: dt.date) -> int | None:
    """The reminder (60, 30 or 7 days before renewal) the license is due, None if none.

    The latest mark passed: a license 25 days from renewal is due its 30-day reminder (the 60-day
    one, if it was missed, is not sent late). None once the renewal date has passed.
    """
    days_left = (license.renewal_date - today).days
    if days_left < 0:
        return None
    due = [days for days in RENEWAL_REMINDER_DAYS if days_left <= days]
    return min(due) if due else None


@dataclass(frozen=True)
class Banner:
    """An alert shown on the Licenses tab and the license page."""

    kind: str
    license: VolumeLicense
    text: str


def license_banners(*, partner: Partner, licenses: Iterable[VolumeLicense], today: dt.date):
    """The alerts that are active now for the partner's own licenses among ``licenses``.

    Computed from the figures as they are (the banners never lag behind the alert job): a renewal
    within 60 days, and unallocated below the partner's threshold.
    """
    banners = []
    for license in licenses:
        if not license_is_own(partner=partner, license=license):
            continue
        name = license.get_tier_display()
        if renewal_reminder_due(license=license, today=today) is not None:
            days = (license.renewal_date - today).days
            values = {"tier": name, "days": count(days), "date": date_format(license.renewal_date)}
            if days == 0:
                text = _("%(tier)s renews today, on %(date)s.") % values
            else:
                text = (
                    ngettext(
                        "%(tier)s renews in %(days)s day, on %(date)s.",
                        "%(tier)s renews in %(days)s days, on %(date)s.",
                        days,
                    )
                    % values
                )
            banners.append(Banner(AlertKind.RENEWAL, license, text))
        if policy.is_low_on_seats(license):
            text = _(
                "%(tier)s is low on seats: %(unallocated)s unallocated, below your threshold of "
                "%(level)s."
            ) % {
                "tier": name,
                "unallocated": count(license.unallocated),
                "level": count(license.low_seats_level),
            }
            banners.append(Banner(AlertKind.LOW_SEATS, license, text))
    return banners


def commitment_changes_scheduled(
    *, partner: Partner, licenses: Iterable[VolumeLicense]
) -> dict[int, ScheduledCommitmentChange]:
    """The change scheduled for the renewal of each of ``licenses`` the partner owns, by license
    id (one query; a sub-partner sees none: the commitment is the owner's)."""
    changes = ScheduledCommitmentChange.objects.filter(
        license__in=[lic.pk for lic in licenses],
        license__partner=partner,
        status=CommitmentChangeStatus.SCHEDULED,
    ).select_related("created_by")
    return {change.license_id: change for change in changes}
