"""The e-mail sent once an onboarding order is committed."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from licenses.selectors import customer_allocations
from onboarding.models import OnboardingRequest

logger = logging.getLogger(__name__)

# Where the customer's administrator creates their MDR Portal account.
DEFAULT_MDR_PORTAL_URL = "https://portal.mdr-vendor.example/"


def onboarding_email_send(*, request_id: int, site_url: str = "") -> None:
    """Tell the submitting user the order is in; CC the MDR Portal administrator's invitation.

    Runs from ``transaction.on_commit``: the order is already saved, so a mail server that is down
    is logged rather than turned into an error page for an order that went through.
    """
    order = (
        OnboardingRequest.objects.select_related(
            "customer", "license", "partner", "sub_partner", "submitted_by"
        )
        .prefetch_related("shipments__appliance", "shipments__address")
        .get(pk=request_id)
    )
    portal = getattr(settings, "MDR_PORTAL_URL", DEFAULT_MDR_PORTAL_URL).rstrip("/")
    context = {
        "order": order,
        "customer": order.customer,
        "allocations": customer_allocations(customer=order.customer),
        "shipments": list(order.shipments.all()),
        "detail_url": (
            site_url.rstrip("/") + reverse("onboarding:request_detail", kwargs={"pk": order.pk})
            if site_url
            else ""
        ),
        "invitation_url": f"{portal}/invitations/accept?"
        + urlencode({"email": order.admin_email, "account": order.legal_name}),
        "incident_phone": settings.INCIDENT_RESPONSE_PHONE,
        "incident_email": settings.INCIDENT_RESPONSE_EMAIL,
    }
    submitter = order.submitted_by.email if order.submitted_by else ""
    to, cc = ([submitter], [order.admin_email]) if submitter else ([order.admin_email], [])
    message = EmailMultiAlternatives(
        subject=f"Onboarding submitted: {order.legal_name} ({order.license.get_tier_display()})",
        body=render_to_string("emails/onboarding_submitted.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=[address for address in cc if address.lower() != submitter.lower()],
    )
    message.attach_alternative(
        render_to_string("emails/onboarding_submitted.html", context), "text/html"
    )
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the onboarding e-mail for request %s", request_id)
