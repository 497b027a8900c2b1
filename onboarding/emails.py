"""The e-mails of an onboarding order, queued in its transaction (sent by the e-mail worker).

Two messages, each to its own reader: the order to the partner user who submitted it (with the link
to the order in the License Management Portal), and a welcome / MDR Portal invitation to the
customer's administrator (no partner portal link, no partner-only figures).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from licenses.models import CustomerAccount
from licenses.selectors import customer_allocations
from lmp.outbox.services import email_enqueue
from lmp.partners import roles
from lmp.partners.selectors import partner_member_emails
from onboarding.models import OnboardingRequest, Shipment
from shipping.choices import ShipmentStatus

logger = logging.getLogger(__name__)

# Where the customer's administrator creates their MDR Portal account.
DEFAULT_MDR_PORTAL_URL = "https://portal.mdr-vendor.example/"


def _enqueue(*, kind: str, template: str, subject: str, to: str, context: dict, about: str):
    """Queue one message from ``emails/<template>.txt`` and its ``.html`` alternative."""
    email_enqueue(
        kind=kind,
        to=[to],
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
        about=about,
    )


def _order(request_id: int) -> OnboardingRequest:
    return (
        OnboardingRequest.objects.select_related(
            "customer", "license", "partner", "sub_partner", "submitted_by"
        )
        .prefetch_related("shipments__appliance", "shipments__address")
        .get(pk=request_id)
    )


def _context(order: OnboardingRequest) -> dict:
    return _welcome_context(customer=order.customer, order=order)


def _welcome_context(*, customer: CustomerAccount, order: OnboardingRequest | None) -> dict:
    """The welcome's (and the order mail's) context, from the customer's order when it has one
    (demo data and the API's customers have none: no sensors then)."""
    return {
        "order": order,
        "customer": customer,
        # Who onboarded the customer, as its welcome names them.
        "partner_name": order.partner.name
        if order
        else (customer.sub_partner or customer.partner).name,
        "tier": (order.license if order else customer.license).get_tier_display(),
        "shipments": list(order.shipments.all()) if order else [],
        "incident_phone": settings.INCIDENT_RESPONSE_PHONE,
        "incident_email": settings.INCIDENT_RESPONSE_EMAIL,
    }


def customer_welcome_enqueue(*, customer_id: int) -> None:
    """Queue the welcome to a customer's administrator (the Edit page's and the order page's
    Resend), with its order's sensors when it was onboarded through one."""
    order = (
        OnboardingRequest.objects.filter(customer_id=customer_id)
        .select_related("customer", "license", "partner", "sub_partner", "submitted_by")
        .prefetch_related("shipments__appliance", "shipments__address")
        .first()
    )
    if order is not None:
        customer, about = order.customer, f"onboarding request {order.pk}"
    else:
        customer = CustomerAccount.objects.select_related("license", "partner", "sub_partner").get(
            pk=customer_id
        )
        about = f"customer {customer.pk}"
    _welcome_send(
        customer=customer, context=_welcome_context(customer=customer, order=order), about=about
    )


def _welcome_send(*, customer: CustomerAccount, context: dict, about: str) -> None:
    """The welcome to the customer's administrator as the account is now: its current address and
    name (both can change after onboarding, on the Edit page)."""
    portal = getattr(settings, "MDR_PORTAL_URL", DEFAULT_MDR_PORTAL_URL).rstrip("/")
    welcome_context = {
        **context,
        "invitation_url": f"{portal}/invitations/accept?"
        + urlencode({"email": customer.admin_email, "account": customer.legal_name}),
    }
    _enqueue(
        kind="onboarding welcome",
        template="onboarding_welcome",
        subject=(
            f"Welcome to {context['tier']}: create your MDR Portal account for "
            f"{customer.legal_name}"
        ),
        to=customer.admin_email,
        context=welcome_context,
        about=about,
    )


def onboarding_emails_enqueue(*, request_id: int, site_url: str = "") -> None:
    """Queue the partner's order mail and the customer's MDR Portal administrator's welcome.

    Called in the order's transaction: the mails are saved and sent (by a worker, with retries)
    only if the order commits; each is sent on its own, so one failure does not hold up the other.
    """
    order = _order(request_id)
    context = _context(order)
    submitter = order.submitted_by.email if order.submitted_by else ""
    if submitter:
        detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
        partner_context = {
            **context,
            "allocations": customer_allocations(customer=order.customer),
            "detail_url": site_url.rstrip("/") + detail if site_url else "",
        }
        _enqueue(
            kind="onboarding order",
            template="onboarding_submitted",
            subject=f"Onboarding submitted: {order.legal_name} ({context['tier']})",
            to=submitter,
            context=partner_context,
            about=f"onboarding request {order.pk}",
        )
    else:
        logger.warning(
            "Onboarding request %s: the submitting user has no e-mail address; "
            "only the customer's welcome is sent",
            request_id,
        )
    _welcome_send(customer=order.customer, context=context, about=f"onboarding request {order.pk}")


def _shipment_recipients(order: OnboardingRequest) -> list[str]:
    """The order's submitter and the partner's ``roles.SHIPMENT_EMAILS`` recipients (its active
    Administrators), each address once whatever its case."""
    admins = partner_member_emails(partner=order.partner_id, emails=roles.SHIPMENT_EMAILS)
    submitter = [order.submitted_by.email] if order.submitted_by else []
    unique: dict[str, str] = {}
    for address in [*submitter, *sorted(admins)]:
        if address:
            unique.setdefault(address.lower(), address)
    return list(unique.values())


# A shipment's news by its status: the subject's word, what happened, the address's label.
SHIPMENT_WORDS = {
    ShipmentStatus.SHIPPED: ("Shipped", "has shipped", "Ship to"),
    ShipmentStatus.DELIVERED: ("Delivered", "has been delivered", "Delivered to"),
}


def shipment_news_read(shipment_id: int) -> Shipment:
    """The shipment with what its news (e-mail and webhook event) tells: appliance, address and
    the order with its submitter and license."""
    return Shipment.objects.select_related(
        "appliance", "address", "onboarding_request__submitted_by", "onboarding_request__license"
    ).get(pk=shipment_id)


def shipment_email_enqueue(*, shipment: Shipment, site_url: str = "") -> None:
    """Queue "shipped" or "delivered" (the shipment's status now) to the partner, in the
    transaction that changed the status; ``shipment`` as ``shipment_news_read`` gives it."""
    order = shipment.onboarding_request
    to = _shipment_recipients(order)
    if not to:
        logger.warning("Shipment %s: the partner has no address to tell it went out", shipment.pk)
        return
    status = shipment.status  # "shipped" or "delivered"
    detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    context = {
        "shipment": shipment,
        "order": order,
        "detail_url": site_url.rstrip("/") + detail if site_url else "",
    }
    verb, happened, address_label = SHIPMENT_WORDS[status]
    context |= {"happened": happened, "address_label": address_label}
    email_enqueue(
        kind=f"shipment {status}",
        to=to,
        subject=f"{verb}: {shipment.appliance.name} for {order.legal_name}",
        body=render_to_string("emails/shipment_status.txt", context),
        html=render_to_string("emails/shipment_status.html", context),
        about=f"shipment {shipment.pk} of onboarding request {order.pk}",
    )
