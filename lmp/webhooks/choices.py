"""Enumerations of the webhooks app."""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    """What a partner's endpoint may subscribe to (the payload's ``type``)."""

    CUSTOMER_ONBOARDED = "customer.onboarded", "Customer onboarded"
    ALLOCATION_CHANGED = "allocation.changed", "Allocation changed"
    CUSTOMER_OFFBOARDED = "customer.offboarded", "Customer offboarded"
    SHIPMENT_SHIPPED = "shipment.shipped", "Shipment shipped"
    SHIPMENT_DELIVERED = "shipment.delivered", "Shipment delivered"
    LICENSE_LOW_SEATS = "license.low_seats", "Low seats"
    LICENSE_RENEWAL_UPCOMING = "license.renewal_upcoming", "Renewal upcoming"


# The "Send test event" button's type: every endpoint gets it, whatever it subscribed to.
PING = "ping"


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands: queued → sending → succeeded, or failed after the last try."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
