"""A pool whose users change day by day through the real services, under a controlled clock
(the seat forecast's tests and backtest)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from lmp.partners.models import Partner
from tests.helpers.clock import ControlledClock

# Noon in Toronto (the project's time zone): a day's changes stay on that local day.
START = dt.datetime(2026, 1, 1, 17, 0, tzinfo=dt.UTC)
DAY = 24 * 3600
_names = itertools.count(1)


class SeatHistory:
    """A license created at ``start`` with one base customer; ``day(n)`` moves the clock a day
    on and changes the users allocated by ``n``: a new customer onboarded with ``n`` users, or
    the base customer edited down by ``-n`` (``offboard`` takes a customer's users to 0)."""

    def __init__(
        self,
        *,
        partner: Partner,
        commitment: int,
        base_users: int,
        tier: str = ServiceTier.COMPLETE,
        start: dt.datetime = START,
    ) -> None:
        self.clock = ControlledClock(start)
        self.clock.start()
        self.partner = partner
        self.license = services.license_save(
            license=VolumeLicense(
                partner=partner,
                tier=tier,
                seat_commitment=commitment,
                renewal_date=(start + dt.timedelta(days=900)).date(),
                price_per_user=Decimal("14.50"),
            )
        )
        self.base = self.onboard(base_users)
        self.base_users = base_users

    def onboard(self, users: int) -> CustomerAccount:
        n = next(_names)
        return services.customer_create(
            partner=self.partner,
            license=self.license,
            legal_name=f"Forecast Customer {n}",
            admin_email=f"it@forecast{n}.example",
            tier_users=users,
        )

    def day(self, change: int = 0) -> None:
        """One day later, ``change`` users more (a new customer) or fewer (the base customer)."""
        self.clock.advance(seconds=DAY)
        if change > 0:
            self.onboard(change)
        elif change < 0:
            self.base_users += change
            services.customer_update(
                customer=self.base,
                legal_name=None,
                tier_users=self.base_users,
                cloud_users=None,
                sat_users=None,
            )

    def offboard(self, customer: CustomerAccount) -> None:
        services.customer_offboard(customer=customer)

    def refreshed(self) -> VolumeLicense:
        self.license.refresh_from_db()
        return self.license

    def stop(self) -> None:
        self.clock.stop()
