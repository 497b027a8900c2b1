"""The seat policy: which user counts a customer has, their limits, and how many it may be given.

One home for these rules: the unallocated seats, what a customer may be given, the commitment's
floor (what is allocated), a purchase's headroom, the seat labels. The models, the services, the
forms (portal Edit, admin, onboarding details, purchase), the tables and the exports call this
module; the pages hand the same figures to ``static/js/seats.js`` through data attributes
(``Allowance.data_attrs``). The database holds the invariant on its own too: the allocation
triggers keep ``VolumeLicense.allocated`` and its CHECK refuses a pool sold beyond its commitment
(migration 0003).

How many users a customer may be given of a pool = the pool's unallocated seats + the seats the
customer holds there now (0 when onboarding). The messages say it that way, so their number
matches the dashboard's "unallocated".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from licenses.choices import (
    SAT_USERS_LABEL,
    SEAT_COMMITMENT_LABEL,
    TIER_USERS_LABELS,
    ServiceTier,
    ThresholdUnit,
)
from lmp.core.l10n import count as count_text

if TYPE_CHECKING:
    from licenses.models import VolumeLicense

# PostgreSQL's integer column tops out here; larger numbers are refused with a message, not a 500.
MAX_SEATS = 2_147_483_647
# The most users one purchase adds (more: the partner's account manager arranges it).
MAX_PURCHASE_USERS = 100_000

TIER_USERS = "tier_users"
CLOUD_USERS = "cloud_users"
SAT_USERS = "sat_users"
CLOUD_USERS_LABEL = gettext_lazy("MDR Cloud Users")

SAT_COMPLETE_ONLY = gettext_lazy("Beauceron SAT is only available with MDR Complete.")
CLOUD_TIER_NO_CLOUD_USERS = gettext_lazy(
    "Customers of the MDR Cloud license hold only MDR Cloud users."
)
NO_CLOUD_LICENSE = gettext_lazy("There is no MDR Cloud license to take MDR Cloud users from.")


def tier_name(tier: str) -> str:
    """e.g. "MDR Complete"."""
    return ServiceTier(tier).label


def users_label(tier: str) -> str:
    """The label partners know a tier's seats by, e.g. "MDR Complete Users" (lazy: in the
    reader's language; history stores its English, ``choices.what_key``)."""
    return gettext_lazy(TIER_USERS_LABELS[ServiceTier(tier).value])


@dataclass(frozen=True)
class Count:
    """One user count a customer has: its field name, its label and its limits."""

    field: str
    label: str
    minimum: int = 0
    maximum: int = MAX_SEATS
    # The pool it takes seats from: "tier" (the customer's own license), "cloud", or None for
    # Beauceron SAT users, which take no seats of their own and are bounded by the tier users.
    pool: str | None = None
    help_text: str = ""


def tier_count(tier: str) -> Count:
    """The customer's users of its own license's tier (at least 1: that is what it bought)."""
    return Count(
        TIER_USERS,
        users_label(tier),
        minimum=1,
        pool="tier",
        help_text=_("Taken from the %(tier)s license.") % {"tier": tier_name(tier)},
    )


CLOUD_COUNT = Count(
    CLOUD_USERS,
    CLOUD_USERS_LABEL,
    pool="cloud",
    help_text=gettext_lazy(
        "Cloud-monitoring-only users, in addition to and separate from the tier users."
    ),
)
SAT_COUNT = Count(
    SAT_USERS,
    SAT_USERS_LABEL,
    help_text=gettext_lazy(
        "Security awareness training add-on (MDR Complete only), at most the tier users."
    ),
)


def has_cloud_users(*, tier: str, has_cloud: bool) -> bool:
    """MDR Cloud users: for a tier other than Cloud, when the partner has a Cloud pool."""
    return tier != ServiceTier.CLOUD and has_cloud


def has_sat_users(*, tier: str) -> bool:
    """Beauceron SAT is an add-on of MDR Complete only."""
    return tier == ServiceTier.COMPLETE


def count_fields(*, tier: str, has_cloud: bool) -> tuple[Count, ...]:
    """The counts a customer of ``tier`` has, in the product's order, labelled.

    ``has_cloud``: its partner has an MDR Cloud license. Forms build their fields from this, and a
    table or export its per-tier count columns.
    """
    counts = [tier_count(tier)]
    if has_cloud_users(tier=tier, has_cloud=has_cloud):
        counts.append(CLOUD_COUNT)
    if has_sat_users(tier=tier):
        counts.append(SAT_COUNT)
    return tuple(counts)


def count_check(value: object, *, count: Count) -> int:
    """``value`` as a whole number within the count's limits, else a ValidationError on it."""
    label = count.label
    if isinstance(value, bool) or not isinstance(value, int):  # bools are not numbers
        # Translators: %(label)s is a field's label, e.g. "MDR Complete Users".
        message = _("%(label)s must be a whole number.") % {"label": label}
        raise ValidationError({count.field: message})
    if value < count.minimum:
        if count.minimum == 0:
            message = _("%(label)s cannot be negative.") % {"label": label}
            raise ValidationError({count.field: message})
        message = _("%(label)s must be at least %(minimum)s.") % {
            "label": label,
            "minimum": count_text(count.minimum),
        }
        raise ValidationError({count.field: message})
    if value > count.maximum:
        message = _("%(label)s must be at most %(maximum)s.") % {
            "label": label,
            "maximum": count_text(count.maximum),
        }
        raise ValidationError({count.field: message})
    return value


def sat_message(*, tier: str, tier_users: int) -> str:
    """The refusal of more Beauceron SAT users than tier users."""
    return ngettext(
        "Beauceron SAT users cannot be more than the %(count)s %(tier)s user.",
        "Beauceron SAT users cannot be more than the %(count)s %(tier)s users.",
        tier_users,
    ) % {"count": count_text(tier_users), "tier": tier_name(tier)}


def sat_check(*, tier: str, tier_users: int, sat_users: int) -> None:
    """SAT users only on MDR Complete, and never more than the tier users."""
    if sat_users and not has_sat_users(tier=tier):
        raise ValidationError({SAT_USERS: SAT_COMPLETE_ONLY})
    if sat_users > tier_users:
        raise ValidationError({SAT_USERS: sat_message(tier=tier, tier_users=tier_users)})


def counts_check(
    *,
    tier: str,
    has_cloud: bool,
    tier_users: object,
    cloud_users: object = 0,
    sat_users: object = 0,
) -> tuple[int, int, int]:
    """Check a customer's three counts against its tier (not the pools); returns them as ints.

    The first rule broken is raised, on its field, in this order: each count's limits, then
    cloud users where there are none, then SAT users.
    """
    tier_users = count_check(tier_users, count=tier_count(tier))
    cloud_users = count_check(cloud_users, count=CLOUD_COUNT)
    sat_users = count_check(sat_users, count=SAT_COUNT)
    if cloud_users and tier == ServiceTier.CLOUD:
        raise ValidationError({CLOUD_USERS: CLOUD_TIER_NO_CLOUD_USERS})
    if cloud_users and not has_cloud:
        raise ValidationError({CLOUD_USERS: NO_CLOUD_LICENSE})
    sat_check(tier=tier, tier_users=tier_users, sat_users=sat_users)
    return tier_users, cloud_users, sat_users


def unallocated(license: VolumeLicense) -> int:
    """Seats of the pool no active customer holds (0 while its commitment is not set).

    ``allocated`` is kept by the allocation triggers (the sum of the active allocations' seats).
    """
    if license.seat_commitment is None:
        return 0
    return unallocated_of(commitment=license.seat_commitment, allocated=license.allocated)


def unallocated_of(*, commitment: int, allocated: int) -> int:
    """The seats of a commitment that ``allocated`` users leave (a statement's unallocated line)."""
    return commitment - allocated


# A license's seat commitment has the limits of a count of users (0..MAX_SEATS).
COMMITMENT_COUNT = Count("seat_commitment", SEAT_COMMITMENT_LABEL)


def commitment_message(*, allocated: int) -> str:
    """The refusal of a seat commitment below what is already allocated."""
    return ngettext(
        "The seat commitment cannot be lower than the %(count)s seat already allocated.",
        "The seat commitment cannot be lower than the %(count)s seats already allocated.",
        allocated,
    ) % {"count": count_text(allocated)}


def commitment_check(value: object, *, allocated: int) -> int:
    """A new seat commitment: a whole number within its limits and not below ``allocated`` (the
    license's CHECK holds the same floor at the write); returns it as an int."""
    commitment = count_check(value, count=COMMITMENT_COUNT)
    if commitment < allocated:
        raise ValidationError({COMMITMENT_COUNT.field: commitment_message(allocated=allocated)})
    return commitment


# The figure an Administrator plans for the renewal (licenses.services.renewals).
RENEWAL_COMMITMENT_COUNT = Count("new_commitment", gettext_lazy("Commitment at renewal"))


# One change planned per license at a time (the service checks it; a partial unique constraint too).
RENEWAL_ALREADY_SCHEDULED = gettext_lazy(
    "A change is already scheduled for this renewal: cancel it first."
)


def renewal_floor_message(*, allocated: int) -> str:
    """The refusal of a commitment at renewal below what is allocated (scheduled or applied)."""
    return ngettext(
        "%(count)s user is allocated; the commitment at renewal cannot be lower.",
        "%(count)s users are allocated; the commitment at renewal cannot be lower.",
        allocated,
    ) % {"count": count_text(allocated)}


def renewal_fits(*, commitment: int, allocated: int) -> bool:
    """Whether a commitment at renewal holds what is allocated (checked when planned, applied)."""
    return commitment >= allocated


def renewal_commitment_check(value: object, *, allocated: int, current: int) -> int:
    """A commitment for the renewal: a whole number, not below ``allocated`` and not the
    ``current`` commitment (nothing to plan); returns it as an int."""
    figure = count_check(value, count=RENEWAL_COMMITMENT_COUNT)
    field = RENEWAL_COMMITMENT_COUNT.field
    if not renewal_fits(commitment=figure, allocated=allocated):
        raise ValidationError({field: renewal_floor_message(allocated=allocated)})
    if figure == current:
        raise ValidationError(
            {field: _("This is the commitment already: choose a higher or lower figure.")}
        )
    return figure


def purchase_count(*, commitment: int) -> Count:
    """The users one purchase may add to a license that commits to ``commitment`` now: at most
    ``MAX_PURCHASE_USERS``, and never past ``MAX_SEATS`` in all."""
    return Count(
        "users",
        gettext_lazy("Additional users"),
        minimum=1,
        maximum=min(MAX_PURCHASE_USERS, MAX_SEATS - commitment),
    )


def users_phrase(n: int, tier: str) -> str:
    """e.g. "100 MDR Complete users"."""
    return ngettext("%(count)s %(tier)s user", "%(count)s %(tier)s users", n) % {
        "count": count_text(n),
        "tier": tier_name(tier),
    }


def available_message(*, tier: str, unallocated: int, held: int = 0) -> str:
    """Why a pool of ``tier`` cannot give what was asked, with the figures the dashboard shows.

    ``held`` is what the customer holds there now: it may keep those, so they count as available
    to it, and the message says so rather than show a number the dashboard does not.
    """
    name = tier_name(tier)
    unallocated = max(unallocated, 0)
    available = unallocated + held
    if held <= 0:
        if available <= 0:
            return _("No %(tier)s users are available.") % {"tier": name}
        return ngettext(
            "Only %(count)s %(tier)s user is available.",
            "Only %(count)s %(tier)s users are available.",
            available,
        ) % {"count": count_text(available), "tier": name}
    if unallocated == 0:
        return _(
            "No %(tier)s users are unallocated: this customer can have at most the %(held)s it "
            "holds."
        ) % {"tier": name, "held": count_text(held)}
    return _(
        "Only %(available)s are available to this customer (%(unallocated)s unallocated plus "
        "the %(held)s it holds)."
    ) % {
        "available": users_phrase(available, tier),
        "unallocated": count_text(unallocated),
        "held": count_text(held),
    }


# The code of a refusal for want of seats in the pool (``Allowance.error``).
SEATS_UNAVAILABLE = "seats_unavailable"


@dataclass(frozen=True)
class Allowance:
    """How many users one customer may hold of one pool: the unallocated seats plus its own."""

    field: str
    tier: str  # the pool's tier
    seat_commitment: int
    unallocated: int
    held: int

    @property
    def available(self) -> int:
        return self.unallocated + self.held

    def remaining(self, wanted: int) -> int:
        """The pool's unallocated seats once the customer holds ``wanted`` (negative: too many)."""
        return self.available - wanted

    def message(self) -> str:
        return available_message(tier=self.tier, unallocated=self.unallocated, held=self.held)

    def error(self) -> ValidationError:
        """The refusal of more users than the pool has, on the count's field.

        Its code, ``SEATS_UNAVAILABLE``, lets the API answer 409 (a conflict with the pool's
        state, not bad input).
        """
        return ValidationError({self.field: ValidationError(self.message(), SEATS_UNAVAILABLE)})

    def check(self, wanted: int) -> None:
        """Refuse ``wanted`` above what is available, on the count's field."""
        if wanted > self.available:
            raise self.error()

    def data_attrs(self) -> dict[str, str]:
        """The figures ``static/js/seats.js`` needs, as ``data-seats-*`` attributes."""
        return {
            "data-seats-available": str(self.available),
            "data-seats-held": str(self.held),
            "data-seats-unallocated": str(self.unallocated),
        }


def allowance(*, license: VolumeLicense, held: int = 0, field: str = TIER_USERS) -> Allowance:
    """What a customer holding ``held`` seats of ``license`` (as last read) may have of it."""
    return Allowance(
        field=field,
        tier=license.tier,
        seat_commitment=license.seat_commitment or 0,
        unallocated=unallocated(license),
        held=held,
    )


def can_onboard(license: VolumeLicense) -> bool:
    """A new customer needs at least one tier user, so the pool must have one unallocated."""
    return unallocated(license) >= tier_count(license.tier).minimum


def low_seats_level(license: VolumeLicense) -> int | None:
    """The low-seats threshold in seats: a number of users, or a percentage of the commitment
    (rounded up, so 5 % of 1,990 is 100). None when the partner set no threshold."""
    threshold = license.low_seats_threshold
    if threshold is None:
        return None
    if license.low_seats_unit == ThresholdUnit.PERCENT:
        return -(-(license.seat_commitment or 0) * threshold // 100)
    return threshold


def is_low_on_seats(license: VolumeLicense) -> bool:
    """Unallocated has fallen below the threshold (never without one)."""
    level = low_seats_level(license)
    return level is not None and unallocated(license) < level
