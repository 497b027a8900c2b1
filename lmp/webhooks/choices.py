"""Enumerations of the webhooks app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EventType(models.TextChoices):
    """What a partner's endpoint may subscribe to (the payload's ``type``)."""

    CUSTOMER_ONBOARDED = "customer.onboarded", _("Customer onboarded")
    ALLOCATION_CHANGED = "allocation.changed", _("Allocation changed")
    CUSTOMER_OFFBOARDED = "customer.offboarded", _("Customer offboarded")
    SHIPMENT_SHIPPED = "shipment.shipped", _("Shipment shipped")
    SHIPMENT_DELIVERED = "shipment.delivered", _("Shipment delivered")
    LICENSE_LOW_SEATS = "license.low_seats", _("Low seats")
    LICENSE_RENEWAL_UPCOMING = "license.renewal_upcoming", _("Renewal upcoming")
    LICENSE_COMMITMENT_RENEWED = "license.commitment_renewed", _("Commitment renewed")
    STATEMENT_CLOSED = "statement.closed", _("Month-end statement closed")


# The "Send test event" button's type: every endpoint gets it, whatever it subscribed to.
PING = "ping"


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands: queued → sending → succeeded, or failed after the last try."""

    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    SUCCEEDED = "succeeded", pgettext_lazy("delivery status", "Succeeded")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
