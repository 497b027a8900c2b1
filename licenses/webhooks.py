"""The licenses app's webhook events: what a PSA gets when a customer or a license changes.

Each function builds the event's ``data`` and hands it to ``webhook_event_emit`` in the caller's
transaction. The partner told is the one that manages the customer (its sub-partner, or the owner)
or that holds the license. docs/pages/integrations/webhooks.md documents every
event's data.
"""

from __future__ import annotations

from licenses.models import CustomerAccount, ScheduledCommitmentChange, VolumeLicense
from lmp.webhooks.choices import EventType
from lmp.webhooks.services import webhook_event_emit, webhook_events_emit


def _customer(customer: CustomerAccount) -> dict:
    return {
        "id": customer.pk,
        "legal_name": customer.legal_name,
        "status": customer.status,
        "admin_email": customer.admin_email,
        "sub_partner_id": customer.sub_partner_id,
    }


def _license(license: VolumeLicense) -> dict:
    return {"id": license.pk, "tier": license.tier}


def _counts(tier_users: int, cloud_users: int, sat_users: int) -> dict:
    return {"tier_users": tier_users, "cloud_users": cloud_users, "sat_users": sat_users}


def _manager(customer: CustomerAccount) -> int:
    return customer.sub_partner_id or customer.partner_id


def customer_onboarded(
    *, customer: CustomerAccount, license: VolumeLicense, counts: tuple[int, int, int]
) -> None:
    data = {
        "customer": _customer(customer),
        "license": _license(license),
        "users": _counts(*counts),
    }
    webhook_event_emit(
        partner=_manager(customer), event_type=EventType.CUSTOMER_ONBOARDED, data=data
    )


def allocation_changed(
    *,
    customer: CustomerAccount,
    license: VolumeLicense,
    before: tuple[int, int, int],
    after: tuple[int, int, int],
) -> None:
    data = {
        "customer": _customer(customer),
        "license": _license(license),
        "before": _counts(*before),
        "after": _counts(*after),
    }
    webhook_event_emit(
        partner=_manager(customer), event_type=EventType.ALLOCATION_CHANGED, data=data
    )


def allocations_changed(
    *,
    changes: list[
        tuple[CustomerAccount, VolumeLicense, tuple[int, int, int], tuple[int, int, int]]
    ],
) -> None:
    """``allocation_changed`` for many customers (a bulk edit): one event each, the endpoints of
    each manager read once."""
    by_manager: dict[int, list[dict]] = {}
    for customer, license, before, after in changes:
        by_manager.setdefault(_manager(customer), []).append(
            {
                "customer": _customer(customer),
                "license": _license(license),
                "before": _counts(*before),
                "after": _counts(*after),
            }
        )
    for manager, datas in by_manager.items():
        webhook_events_emit(partner=manager, event_type=EventType.ALLOCATION_CHANGED, datas=datas)


def customer_offboarded(*, customer: CustomerAccount, released: dict[VolumeLicense, int]) -> None:
    primary = next((pool for pool in released if pool.pk == customer.license_id), None)
    data = {
        "customer": _customer(customer),
        "license": {"id": customer.license_id, "tier": primary.tier if primary else None},
        "released": [
            {"license_id": pool.pk, "tier": pool.tier, "users": seats}
            for pool, seats in sorted(released.items(), key=lambda item: item[0].pk)
        ],
    }
    webhook_event_emit(
        partner=_manager(customer), event_type=EventType.CUSTOMER_OFFBOARDED, data=data
    )


def _license_state(license: VolumeLicense) -> dict:
    return _license(license) | {
        "seat_commitment": license.seat_commitment,
        "allocated": license.allocated,
        "unallocated": license.unallocated,
        "renewal_date": license.renewal_date.isoformat(),
    }


def low_seats(*, license: VolumeLicense, threshold: int) -> None:
    data = {"license": _license_state(license), "threshold": threshold}
    webhook_event_emit(
        partner=license.partner_id, event_type=EventType.LICENSE_LOW_SEATS, data=data
    )


def renewal_upcoming(*, license: VolumeLicense, days_left: int) -> None:
    data = {"license": _license_state(license), "days_left": days_left}
    webhook_event_emit(
        partner=license.partner_id, event_type=EventType.LICENSE_RENEWAL_UPCOMING, data=data
    )


def commitment_renewed(*, license: VolumeLicense, change: ScheduledCommitmentChange) -> None:
    """A scheduled commitment change applied at the renewal (the license as it is after it)."""
    data = {
        "license": _license_state(license),
        "renewal_date": change.renewal_date.isoformat(),
        "previous_commitment": change.previous_commitment,
        "new_commitment": change.new_commitment,
    }
    webhook_event_emit(
        partner=license.partner_id, event_type=EventType.LICENSE_COMMITMENT_RENEWED, data=data
    )
