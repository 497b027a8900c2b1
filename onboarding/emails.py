"""The e-mails of an onboarding order, queued in its transaction (sent by the e-mail worker).

Two messages, each to its own reader: the order to the partner user who submitted it (with the link
to the order in the License Management Portal), and a welcome / MDR Portal invitation to the
customer's administrator (no partner portal link, no partner-only figures).

Each is written in its reader's language: the welcome in the customer's language chosen in the
wizard (``OnboardingRequest.language``), the order and shipment news in each partner login's
(``lmp.partners.languages.by_language``). Subjects, bodies and the labels they show (tiers,
statuses, the catalogue's names) are rendered inside ``translation.override``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from licenses.models import CustomerAccount
from licenses.selectors import customer_allocations
from lmp.outbox.services import email_enqueue
from lmp.partners import languages, roles
from lmp.partners.selectors import partner_member_emails
from onboarding.models import OnboardingRequest, Shipment
from shipping.choices import ApplianceRole, ShipmentStatus

logger = logging.getLogger(__name__)

# Where the customer's administrator creates their MDR Portal account.
DEFAULT_MDR_PORTAL_URL = "https://portal.mdr-vendor.example/"


def _enqueue(
    *, kind: str, template: str, subject: str, to: str | list[str], context: dict, about: str
):
    """Queue one message from ``emails/<template>.txt`` and its ``.html`` alternative (rendered in
    the active language: call it inside ``translation.override``)."""
    email_enqueue(
        kind=kind,
        to=[to] if isinstance(to, str) else list(to),
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


def welcome_language(*, customer: CustomerAccount, order: OnboardingRequest | None) -> str:
    """The welcome's language: the one chosen in the wizard for the customer, else (a customer
    made by the API or the demo, with no order) its managing partner's default language."""
    if order is not None:
        return languages.supported(order.language) or languages.DEFAULT
    return languages.of_partner(customer.sub_partner or customer.partner)


def _welcome_context(*, customer: CustomerAccount, order: OnboardingRequest | None) -> dict:
    """The welcome's (and the order mail's) context, from the customer's order when it has one
    (demo data and the API's customers have none: no sensors then). Built in the e-mail's
    language: the tier's label is translated here."""
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
    _welcome_send(customer=customer, order=order, about=about)


def _welcome_send(
    *, customer: CustomerAccount, order: OnboardingRequest | None, about: str
) -> None:
    """The welcome to the customer's administrator as the account is now: its current address and
    name (both can change after onboarding, on the Edit page), in the customer's language."""
    portal = getattr(settings, "MDR_PORTAL_URL", DEFAULT_MDR_PORTAL_URL).rstrip("/")
    with translation.override(welcome_language(customer=customer, order=order)):
        context = _welcome_context(customer=customer, order=order)
        welcome_context = {
            **context,
            "invitation_url": f"{portal}/invitations/accept?"
            + urlencode({"email": customer.admin_email, "account": customer.legal_name}),
        }
        _enqueue(
            kind="onboarding welcome",
            template="onboarding_welcome",
            subject=_("Welcome to %(tier)s: create your MDR Portal account for %(customer)s")
            % {"tier": context["tier"], "customer": customer.legal_name},
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
    submitter = order.submitted_by.email if order.submitted_by else ""
    if submitter:
        detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
        allocations = customer_allocations(customer=order.customer)
        # The submitter's own language (its choice, else its partner's default).
        for language, to in languages.by_language([submitter], partner=order.partner).items():
            with translation.override(language):
                context = _welcome_context(customer=order.customer, order=order)
                partner_context = {
                    **context,
                    "allocations": allocations,
                    "detail_url": site_url.rstrip("/") + detail if site_url else "",
                }
                _enqueue(
                    kind="onboarding order",
                    template="onboarding_submitted",
                    subject=_("Onboarding submitted: %(customer)s (%(tier)s)")
                    % {"customer": order.legal_name, "tier": context["tier"]},
                    to=to,
                    context=partner_context,
                    about=f"onboarding request {order.pk}",
                )
    else:
        logger.warning(
            "Onboarding request %s: the submitting user has no e-mail address; "
            "only the customer's welcome is sent",
            request_id,
        )
    _welcome_send(customer=order.customer, order=order, about=f"onboarding request {order.pk}")


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


def _shipment_words(shipment: Shipment, legal_name: str) -> dict:
    """A shipment's news in the active language, by its status (shipped or delivered) and role:
    the subject, the heading and the sentence of what happened (whole sentences, translatable)."""
    values = {"appliance": shipment.appliance.name, "customer": legal_name}
    primary = shipment.role == ApplianceRole.PRIMARY
    if shipment.status == ShipmentStatus.DELIVERED:
        subject = _("Delivered: %(appliance)s for %(customer)s")
        heading = _("%(appliance)s has been delivered")
        if primary:
            sentence = _("The primary appliance of %(customer)s has been delivered.")
        else:
            sentence = _("An additional network sensor of %(customer)s has been delivered.")
    else:
        subject = _("Shipped: %(appliance)s for %(customer)s")
        heading = _("%(appliance)s has shipped")
        if primary:
            sentence = _("The primary appliance of %(customer)s has shipped.")
        else:
            sentence = _("An additional network sensor of %(customer)s has shipped.")
    return {
        "subject": subject % values,
        "heading": heading % values,
        "sentence": sentence % values,
    }


def shipment_news_read(shipment_id: int) -> Shipment:
    """The shipment with what its news (e-mail and webhook event) tells: appliance, address and
    the order with its submitter and license."""
    return Shipment.objects.select_related(
        "appliance", "address", "onboarding_request__submitted_by", "onboarding_request__license"
    ).get(pk=shipment_id)


def shipment_email_enqueue(*, shipment: Shipment, site_url: str = "") -> None:
    """Queue "shipped" or "delivered" (the shipment's status now) to the partner, in the
    transaction that changed the status; ``shipment`` as ``shipment_news_read`` gives it. One
    e-mail per language of its recipients."""
    order = shipment.onboarding_request
    to = _shipment_recipients(order)
    if not to:
        logger.warning("Shipment %s: the partner has no address to tell it went out", shipment.pk)
        return
    status = shipment.status  # "shipped" or "delivered"
    detail = reverse("onboarding:request_detail", kwargs={"pk": order.pk})
    for language, addresses in languages.by_language(to, partner=order.partner_id).items():
        with translation.override(language):
            words = _shipment_words(shipment, order.legal_name)
            context = {
                "shipment": shipment,
                "order": order,
                "detail_url": site_url.rstrip("/") + detail if site_url else "",
                "heading": words["heading"],
                "sentence": words["sentence"],
            }
            email_enqueue(
                kind=f"shipment {status}",
                to=addresses,
                subject=words["subject"],
                body=render_to_string("emails/shipment_status.txt", context),
                html=render_to_string("emails/shipment_status.html", context),
                about=f"shipment {shipment.pk} of onboarding request {order.pk}",
            )
