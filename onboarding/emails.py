"""The e-mails sent once an onboarding order is committed.

Two messages, each to its own reader: the order to the partner user who submitted it (with the link
to the order in the License Management Portal), and a welcome / MDR Portal invitation to the
customer's administrator (no partner portal link, no partner-only figures).
"""

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


def _message(*, template: str, subject: str, to: str, context: dict) -> EmailMultiAlternatives:
    """One message from ``emails/<template>.txt`` and its ``.html`` alternative."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def onboarding_email_send(*, request_id: int, site_url: str = "") -> None:
    """Send the partner its order and the customer's MDR Portal administrator a welcome.

    Runs from ``transaction.on_commit``: the order is already saved, so a mail server that is down
    is logged rather than turned into an error page for an order that went through; each message
    is sent on its own, so one failure does not keep the other from going out.
    """
    order = (
        OnboardingRequest.objects.select_related(
            "customer", "license", "partner", "sub_partner", "submitted_by"
        )
        .prefetch_related("shipments__appliance", "shipments__address")
        .get(pk=request_id)
    )
    portal = getattr(settings, "MDR_PORTAL_URL", DEFAULT_MDR_PORTAL_URL).rstrip("/")
    tier = order.license.get_tier_display()
    shipments = list(order.shipments.all())
    context = {
        "order": order,
        "customer": order.customer,
        "tier": tier,
        "shipments": shipments,
        "incident_phone": settings.INCIDENT_RESPONSE_PHONE,
        "incident_email": settings.INCIDENT_RESPONSE_EMAIL,
    }
    messages = []
    submitter = order.submitted_by.email if order.submitted_by else ""
    if submitter:
        detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
        partner_context = {
            **context,
            "allocations": customer_allocations(customer=order.customer),
            "detail_url": site_url.rstrip("/") + detail if site_url else "",
        }
        messages.append(
            (
                "order",
                _message(
                    template="onboarding_submitted",
                    subject=f"Onboarding submitted: {order.legal_name} ({tier})",
                    to=submitter,
                    context=partner_context,
                ),
            )
        )
    else:
        logger.warning(
            "Onboarding request %s: the submitting user has no e-mail address; "
            "only the customer's welcome is sent",
            request_id,
        )
    welcome_context = {
        **context,
        "invitation_url": f"{portal}/invitations/accept?"
        + urlencode({"email": order.admin_email, "account": order.legal_name}),
    }
    messages.append(
        (
            "welcome",
            _message(
                template="onboarding_welcome",
                subject=f"Welcome to {tier}: create your MDR Portal account for {order.legal_name}",
                to=order.admin_email,
                context=welcome_context,
            ),
        )
    )
    for kind, message in messages:
        try:
            message.send()
        except Exception:
            logger.exception(
                "Could not send the onboarding e-mail (%s) for request %s", kind, request_id
            )
