"""The demo's two years: its licenses and customers replayed through the real services.

On a fresh database the seed does not write the demo's final figures at once: it replays how they
came about, under the demo clock (``lmp.demo.clock``), from about 24 months ago to yesterday.
Licenses are created and renewed (``license_save``), customers onboarded, edited and one offboarded
(``customer_create``, ``customer_update``, ``customer_offboard``), seats bought
(``seats_purchase``), and each month is closed when it ends (``statement_close_partner``), so every
history event is one a service wrote, the history rebuild (``licenses.history_state``) ends on the
live figures, and the usage chart, the seat forecast, the license as of a past date and the
statements have something to show.

The story ends on the figures of ``seed_demo.PARTNERS`` (its last step of each customer is the
customer's figures there; ``replay`` checks it). MDR Complete at Northwind grows over the last 90
days (a new customer, another one growing), so its seat forecast gives a run-out date.

The months are closed while the partners have no members yet (the logins are created after the
replay), so no statement e-mail is queued: a new demo's worker does not send two years of them.
Only the demo partners are closed (``statement_close_partner``, not ``statements_close`` for every
partner): another partner of the same database is not the demo's to close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from lmp.billing.closing import month_bounds, statement_close_partner
from lmp.billing.services import seats_purchase
from lmp.demo.clock import demo_clock
from lmp.partners.models import Partner

# The local time of day the replayed changes are made at (one minute apart within a day).
WORKING_HOURS = dt.time(10, 0)
# When a month is closed: this long after it ended (the monthly job runs in the night).
CLOSE_AFTER = dt.timedelta(hours=2)


@dataclass(frozen=True)
class LicenseStory:
    """A license from its creation: ``commitment`` and ``price`` then (the price changes to the
    final one at its last renewal), and ``purchases`` (days ago, users) that raise it."""

    created: int  # days ago
    commitment: int
    price: str
    purchases: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class CustomerStory:
    """A customer from its onboarding: ``steps`` are (days ago, tier users, cloud users, SAT
    users), the first its onboarding; ``offboarded`` the day it left (None: still active).

    A customer of ``seed_demo.PARTNERS`` ends on its figures there; a customer only of the story
    (it left) carries its own contact details."""

    legal_name: str
    tier: str
    steps: tuple[tuple[int, int, int, int], ...]
    offboarded: int | None = None
    website: str = ""
    admin_email: str = ""


LICENSES = {
    "Northwind MSP": {
        ServiceTier.COMPLETE: LicenseStory(
            created=730, commitment=990, price="13.95", purchases=((200, 1000),)
        ),
        ServiceTier.CORE: LicenseStory(created=700, commitment=750, price="8.95"),
        ServiceTier.CLOUD: LicenseStory(created=540, commitment=400, price="4.75"),
    },
    "Contoso Secure IT": {
        ServiceTier.COMPLETE: LicenseStory(created=600, commitment=500, price="15.00"),
    },
}

CUSTOMERS = {
    "Northwind MSP": (
        CustomerStory(
            "Maple Leaf Dental Group",
            ServiceTier.COMPLETE,
            (
                (700, 20, 0, 0),
                (560, 30, 0, 20),
                (420, 40, 0, 30),
                (300, 45, 0, 30),
                (200, 35, 0, 30),
                (120, 30, 0, 25),
                (75, 50, 0, 40),
                (45, 70, 0, 50),
                (20, 85, 0, 60),
                (6, 100, 0, 60),
            ),
        ),
        CustomerStory(
            "Bytown Legal Services",
            ServiceTier.COMPLETE,
            (
                (620, 40, 0, 0),
                (500, 60, 0, 20),
                (400, 85, 0, 20),
                (300, 110, 0, 40),
                (180, 120, 0, 40),
            ),
            offboarded=130,
            website="https://bytownlegal.example",
            admin_email="it@bytownlegal.example",
        ),
        CustomerStory(
            "Harbourfront Logistics Inc.",
            ServiceTier.COMPLETE,
            ((80, 40, 0, 0), (55, 60, 0, 0), (35, 80, 0, 0), (15, 100, 0, 0)),
        ),
        CustomerStory(
            "Prairie Agri Co-op",
            ServiceTier.CORE,
            ((690, 50, 0, 0), (520, 60, 0, 0), (380, 70, 0, 0), (230, 80, 0, 0)),
        ),
        CustomerStory(
            "Rideau Accounting LLP",
            ServiceTier.CORE,
            ((450, 30, 0, 0), (300, 40, 10, 0), (100, 45, 10, 0)),
        ),
        CustomerStory(
            "Skyline Architects",
            ServiceTier.CLOUD,
            ((520, 15, 0, 0), (260, 20, 0, 0), (60, 25, 0, 0)),
        ),
    ),
    "Contoso Secure IT": (
        CustomerStory(
            "Globex Corporation",
            ServiceTier.COMPLETE,
            ((580, 80, 0, 0), (400, 110, 0, 0), (200, 130, 0, 0), (40, 150, 0, 0)),
        ),
    ),
}


class StoryMismatch(ValueError):
    """The story does not end on ``seed_demo.PARTNERS``' figures."""


@dataclass
class _Replay:
    partners: dict[str, Partner]
    spec: dict  # seed_demo.PARTNERS
    today: dt.date
    licenses: dict[tuple[str, str], VolumeLicense]
    customers: dict[tuple[str, str], CustomerAccount]


def _instant(today: dt.date, days_ago: int, minute: int) -> dt.datetime:
    day = today - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, WORKING_HOURS)) + dt.timedelta(
        minutes=minute
    )


def _renewals(story: LicenseStory, final: dt.date, today: dt.date) -> tuple[dt.date, list]:
    """The renewal date the license starts with, and the yearly renewals since (dates), from
    its final renewal date back, a year apart."""
    created = today - dt.timedelta(days=story.created)
    dates = [final]
    while dates[-1] - dt.timedelta(days=365) > created:
        dates.append(dates[-1] - dt.timedelta(days=365))
    dates.reverse()  # the first renewal date after its creation, …, the final one
    return dates[0], [d for d in dates[:-1] if d < today]


def _spec_licenses(spec: dict) -> dict[str, tuple]:
    return {row[0]: row for row in spec["licenses"]}


def _spec_customers(spec: dict) -> dict[str, tuple]:
    return {row[0]: row for row in spec["customers"]}


def _actions(state: _Replay) -> list[tuple[dt.datetime, Callable[[], None]]]:
    """Every replayed change with its instant (unsorted)."""
    today = state.today
    actions: list[tuple[dt.datetime, Callable[[], None]]] = []
    minute = 0

    def at(days_ago: int) -> dt.datetime:
        nonlocal minute
        minute += 1  # one minute apart, in the order written here, whatever the day
        return _instant(today, days_ago, minute % 480)

    for name, stories in LICENSES.items():
        licenses = _spec_licenses(state.spec[name])
        for tier, story in stories.items():
            _tier, seats, price, currency, days = licenses[tier]
            final_renewal = today + dt.timedelta(days=days)
            first, renewals = _renewals(story, final_renewal, today)
            if story.commitment + sum(users for _d, users in story.purchases) != seats:
                raise StoryMismatch(f"{name} {tier}: the story does not end on {seats} seats.")
            start_price = story.price if renewals else price
            actions.append(
                (
                    at(story.created),
                    _license_create(state, name, tier, story, start_price, currency, first),
                )
            )
            for i, renewed_on in enumerate(renewals):
                last = i == len(renewals) - 1
                actions.append(
                    (
                        at((today - renewed_on).days),
                        _license_renew(state, name, tier, renewed_on, price if last else None),
                    )
                )
            for days_ago, users in story.purchases:
                actions.append((at(days_ago), _purchase(state, name, tier, users)))
    for name, stories in CUSTOMERS.items():
        customers = _spec_customers(state.spec[name])
        for story in stories:
            final = customers.get(story.legal_name)
            if final is not None:
                _legal, tier, users, cloud, sat, site, email = final
                if story.offboarded is not None or story.steps[-1][1:] != (users, cloud, sat):
                    raise StoryMismatch(f"{story.legal_name}: the story does not end as specified.")
            else:
                site, email = story.website, story.admin_email
            first, *edits = story.steps
            actions.append((at(first[0]), _onboard(state, name, story, first, site, email)))
            for step in edits:
                actions.append((at(step[0]), _edit(state, name, story.legal_name, step)))
            if story.offboarded is not None:
                actions.append((at(story.offboarded), _offboard(state, name, story.legal_name)))
    return actions


def _license_create(state, name, tier, story, price, currency, renewal):
    def run():
        state.licenses[name, tier] = services.license_save(
            license=VolumeLicense(
                partner=state.partners[name],
                tier=tier,
                seat_commitment=story.commitment,
                price_per_user=Decimal(price),
                currency=currency,
                renewal_date=renewal,
            )
        )

    return run


def _license_renew(state, name, tier, renewed_on, price):
    def run():
        license = VolumeLicense.objects.get(pk=state.licenses[name, tier].pk)
        license.renewal_date = renewed_on + dt.timedelta(days=365)
        if price is not None:
            license.price_per_user = Decimal(price)
        state.licenses[name, tier] = services.license_save(license=license)

    return run


def _purchase(state, name, tier, users):
    def run():
        seats_purchase(
            actor=None,
            partner=state.partners[name],
            tier=tier,
            users=users,
            token=f"demo-{state.partners[name].pk}-{tier}-{users}",
        )

    return run


def _onboard(state, name, story, step, site, email):
    def run():
        _days, users, cloud, sat = step
        state.customers[name, story.legal_name] = services.customer_create(
            partner=state.partners[name],
            license=state.licenses[name, story.tier],
            legal_name=story.legal_name,
            admin_email=email,
            website=site,
            tier_users=users,
            cloud_users=cloud,
            sat_users=sat,
            deployment="virtual",
            hosting_region="ca",
        )

    return run


def _edit(state, name, legal_name, step):
    def run():
        _days, users, cloud, sat = step
        services.customer_update(
            customer=state.customers[name, legal_name],
            legal_name=None,
            tier_users=users,
            cloud_users=cloud,
            sat_users=sat,
        )

    return run


def _offboard(state, name, legal_name):
    def run():
        services.customer_offboard(customer=state.customers[name, legal_name])

    return run


def _months(first: dt.datetime, now: dt.datetime) -> list[tuple[dt.datetime, dt.date]]:
    """Each month that ended between ``first`` and ``now``, with when it is closed."""
    month = timezone.localtime(first).date().replace(day=1)
    closes = []
    while True:
        _start, end = month_bounds(month)
        if end > now:
            return closes
        closes.append((min(end + CLOSE_AFTER, now), month))
        month = end.date()


def replay(*, partners: dict[str, Partner], spec: dict) -> tuple[dt.datetime, dt.datetime]:
    """Replay the demo's two years for ``partners`` (fresh: no license yet) through the
    services, closing each month as it ends; returns the first and last replayed instants."""
    now = timezone.now()
    state = _Replay(
        partners=partners, spec=spec, today=timezone.localdate(now), licenses={}, customers={}
    )
    actions = _actions(state)
    first = min(instant for instant, _run in actions)
    for closed_at, month in _months(first, now):
        actions.append((closed_at, _close(partners, month, closed_at)))
    actions.sort(key=lambda action: action[0])
    with demo_clock(first) as clock:
        for instant, run in actions:
            clock.set(instant)
            run()
    return first, actions[-1][0]


def _close(partners: dict[str, Partner], month: dt.date, closed_at: dt.datetime):
    def run():
        for partner in sorted(partners.values(), key=lambda p: p.pk):
            statement_close_partner(partner_id=partner.pk, month=month, closed_at=closed_at)

    return run
