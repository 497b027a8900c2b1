"""Submitting an onboarding order (one call, one transaction) and fulfilling its shipments."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licenses import services as license_services
from licenses.choices import CustomerStatus, DeploymentSolution, HostingRegion
from licenses.models import CustomerAccount, VolumeLicense
from licenses.selectors import cloud_pool_for
from lmp.partners import roles
from lmp.partners.models import Partner
from lmp.webhooks.choices import EventType
from lmp.webhooks.services import webhook_event_emit
from onboarding.choices import IncidentAnswer, ShipTo
from onboarding.emails import (
    customer_welcome_enqueue,
    onboarding_emails_enqueue,
    shipment_email_enqueue,
    shipment_news_read,
)
from onboarding.models import OnboardingRequest, Shipment
from shipping import services as shipping_services
from shipping.choices import ApplianceRole, ShipmentStatus
from shipping.models import Address, Appliance
from shipping.selectors import partner_default_address


@dataclass(frozen=True)
class ApplianceLine:
    """One appliance of the order: its stable unit id, the model, its role, where it goes.

    ``unit`` names the appliance for as long as the wizard run lasts (``primary``,
    ``additional-<appliance id>-<n>``), so its address stays with it whatever else changes;
    ``address`` None means the partner's default address.
    """

    unit: str
    appliance_id: int
    role: str
    address: Mapping[str, str] | None = None


@dataclass(frozen=True)
class OnboardingOrder:
    """Everything one onboarding order asks for; ``token`` is the wizard run that built it."""

    token: uuid.UUID
    partner: Partner
    license: VolumeLicense
    incident_answer: str
    legal_name: str
    admin_email: str
    tier_users: int
    deployment: str
    cloud_users: int = 0
    sat_users: int = 0
    website: str = ""
    sub_partner: Partner | None = None
    hosting_region: str = ""
    ship_to: str = ""
    appliances: tuple[ApplianceLine, ...] = field(default=())
    # The customer's language (settings.LANGUAGES): its administrator's welcome is written in it.
    language: str = settings.LANGUAGE_CODE


@dataclass(frozen=True)
class ShipmentLine:
    """One appliance of an order and the (already saved) address it ships to."""

    appliance: Appliance
    role: str
    address: Address


@dataclass(frozen=True)
class Submission:
    """The request a submit produced, and whether this call created it or found it."""

    request: OnboardingRequest
    created: bool


def _request_for_token(*, token: uuid.UUID, partner: Partner) -> OnboardingRequest | None:
    existing = OnboardingRequest.objects.filter(token=token).first()
    if existing is not None and existing.partner_id != partner.pk:
        # UUID4s do not collide by chance: this is someone replaying another partner's token.
        raise ValidationError(_("This onboarding form is not valid. Start again."))
    return existing


def _check_deployment(
    *,
    deployment: str,
    hosting_region: str,
    ship_to: str,
    appliances: Sequence[ApplianceLine],
) -> None:
    if deployment == DeploymentSolution.VIRTUAL:
        if hosting_region not in HostingRegion.values:
            raise ValidationError({"hosting_region": _("Choose the hosting region.")})
        if appliances:
            raise ValidationError(
                {"deployment": _("A fully virtual deployment ships no appliances.")}
            )
    elif deployment == DeploymentSolution.NETWORK_SENSORS:
        primaries = [a for a in appliances if a.role == ApplianceRole.PRIMARY]
        if len(primaries) != 1:
            raise ValidationError({"primary_appliance": _("Choose the primary appliance.")})
        if any(a.role not in ApplianceRole.values for a in appliances):
            raise ValidationError({"deployment": _("Choose the network sensors again.")})
        if len({a.unit for a in appliances}) != len(appliances):
            raise ValidationError({"deployment": _("Choose the network sensors again.")})
        if ship_to not in ShipTo.values:
            raise ValidationError({"ship_to": _("Choose where to ship the appliances.")})
    else:
        raise ValidationError({"deployment": _("Choose a deployment solution.")})


def _appliances(orders: Sequence[ApplianceLine]) -> dict[int, Appliance]:
    """The ordered models, fetched in one query; a retired or unknown model is refused."""
    ids = {o.appliance_id for o in orders}
    found = {a.pk: a for a in Appliance.objects.filter(pk__in=ids, active=True)}
    if ids - found.keys():
        raise ValidationError(
            {
                "primary_appliance": _(
                    "One of the chosen appliances is no longer offered. Choose the appliances "
                    "again."
                )
            }
        )
    return found


def _addresses(*, partner: Partner, ship_to: str, orders: Sequence[ApplianceLine]) -> list[Address]:
    """One saved address per ordered appliance (identical custom addresses are saved once)."""
    if not orders:
        return []
    if ship_to == ShipTo.DEFAULT or any(o.address is None for o in orders):
        default = partner_default_address(partner=partner)
        if default is None:
            raise ValidationError(
                {
                    "ship_to": _(
                        "Your organisation has no default shipping address; enter an address "
                        "instead."
                    )
                }
            )
    else:
        default = None
    unique: dict[tuple, dict] = {}
    for order in orders:
        if order.address is not None:
            key = tuple(sorted((k, str(v)) for k, v in order.address.items()))
            unique.setdefault(key, order.address)
    created = dict(
        zip(
            unique.keys(),
            shipping_services.addresses_create(partner=partner, addresses=list(unique.values())),
            strict=True,
        )
    )
    return [
        default
        if order.address is None
        else created[tuple(sorted((k, str(v)) for k, v in order.address.items()))]
        for order in orders
    ]


def onboarding_submit(*, order: OnboardingOrder, actor, site_url: str = "") -> Submission:
    """Create the order, the customer, its allocations and its shipments, all or nothing.

    ``order.token`` identifies one run of the wizard: submitting it again (a double click, or Back
    and Submit) returns the first order instead of onboarding the customer twice. This is the one
    place that knows it; the unique token is the backstop for two submits racing. The e-mails (the
    order to the submitting user, a welcome to the MDR Portal administrator) go out once it commits.
    """
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    existing = _request_for_token(token=order.token, partner=order.partner)
    if existing is not None:
        return Submission(existing, created=False)
    try:
        with transaction.atomic():
            return _submit(order=order, actor=actor, site_url=site_url)
    except IntegrityError:
        # Backstop for the unique token: a concurrent submit of the same wizard got there first.
        existing = _request_for_token(token=order.token, partner=order.partner)
        if existing is None:
            raise
        return Submission(existing, created=False)


def _submit(*, order: OnboardingOrder, actor, site_url: str) -> Submission:
    if order.incident_answer != IncidentAnswer.NO:
        raise ValidationError(
            {
                "incident": _(
                    "A customer experiencing a breach or incident cannot be onboarded; contact "
                    "incident response."
                )
            }
        )
    _check_deployment(
        deployment=order.deployment,
        hosting_region=order.hosting_region,
        ship_to=order.ship_to,
        appliances=order.appliances,
    )
    if order.deployment == DeploymentSolution.VIRTUAL:
        order = replace(order, ship_to="")
    else:
        order = replace(order, hosting_region="")
    partner, license, token = order.partner, order.license, order.token

    # Lock the pools in the order customer_create will (primary-key order, no deadlock), then look
    # for the token again: a concurrent submit of the same wizard waited on these locks, and now
    # sees the order the first one committed.
    cloud = cloud_pool_for(license=license)
    license_services.licenses_lock(license_ids=[license.pk, cloud.pk if cloud else None])
    existing = _request_for_token(token=token, partner=partner)
    if existing is not None:
        return Submission(existing, created=False)

    models_by_id = _appliances(order.appliances)
    customer = license_services.customer_create(
        partner=partner,
        license=license,
        legal_name=order.legal_name,
        admin_email=order.admin_email,
        tier_users=order.tier_users,
        cloud_users=order.cloud_users,
        sat_users=order.sat_users,
        website=order.website,
        sub_partner=order.sub_partner,
        deployment=order.deployment,
        hosting_region=order.hosting_region,
        actor=actor,
    )
    request = OnboardingRequest(
        token=token,
        partner=partner,
        license=license,
        customer=customer,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        incident_answer=order.incident_answer,
        legal_name=customer.legal_name,
        website=customer.website,
        sub_partner=customer.sub_partner,
        admin_email=customer.admin_email,
        tier_users=order.tier_users,
        cloud_users=order.cloud_users,
        sat_users=order.sat_users,
        deployment=order.deployment,
        hosting_region=order.hosting_region,
        ship_to=order.ship_to,
        language=order.language,
    )
    # The related rows were just locked or created; the token was checked under the lock above.
    request.full_clean(
        exclude=["partner", "license", "customer", "submitted_by", "sub_partner"],
        validate_unique=False,
        validate_constraints=False,
    )
    request.save()
    addresses = _addresses(partner=partner, ship_to=order.ship_to, orders=order.appliances)
    shipments_create(
        onboarding_request=request,
        lines=[
            ShipmentLine(appliance=models_by_id[line.appliance_id], role=line.role, address=address)
            for line, address in zip(order.appliances, addresses, strict=True)
        ],
    )
    onboarding_emails_enqueue(request_id=request.pk, site_url=site_url)
    return Submission(request, created=True)


def shipments_create(
    *, onboarding_request: OnboardingRequest, lines: Sequence[ShipmentLine]
) -> list[Shipment]:
    """Insert the pending shipments of an order in one query, whatever the number of appliances."""
    primaries = sum(1 for line in lines if line.role == ApplianceRole.PRIMARY)
    if lines and primaries != 1:
        raise ValidationError({"primary_appliance": _("Choose exactly one primary appliance.")})
    objs = []
    for line in lines:
        shipment = Shipment(
            onboarding_request=onboarding_request,
            appliance=line.appliance,
            role=line.role,
            address=line.address,
        )
        # The foreign keys point at rows fetched or created in this transaction.
        shipment.full_clean(
            exclude=["onboarding_request", "appliance", "address"],
            validate_unique=False,
            validate_constraints=False,
        )
        objs.append(shipment)
    return Shipment.objects.bulk_create(objs)


def _locked(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update().select_related("appliance").get(pk=shipment.pk)


@transaction.atomic
def shipment_tracking_set(
    *, shipment: Shipment, carrier: str, tracking_number: str, actor=None
) -> Shipment:
    """Record (or correct) the carrier and tracking number vendor staff got for a shipment."""
    locked = _locked(shipment)
    locked.carrier = (carrier or "").strip()
    locked.tracking_number = " ".join((tracking_number or "").split())
    locked.full_clean(
        exclude=["onboarding_request", "appliance", "address"], validate_constraints=False
    )
    locked.save(update_fields=["carrier", "tracking_number"])
    shipment.carrier, shipment.tracking_number = locked.carrier, locked.tracking_number
    return locked


SHIPMENT_EVENTS = {
    ShipmentStatus.SHIPPED: EventType.SHIPMENT_SHIPPED,
    ShipmentStatus.DELIVERED: EventType.SHIPMENT_DELIVERED,
}


def _shipment_news(shipment_id: int, site_url: str) -> None:
    """Queue the shipment's news (its status now), read once: the e-mail to the partner and the
    event to its webhooks, in the transaction that changed the status."""
    shipment = shipment_news_read(shipment_id)
    shipment_email_enqueue(shipment=shipment, site_url=site_url)
    order = shipment.onboarding_request
    at = shipment.delivered_at or shipment.shipped_at
    data = {
        "shipment": {
            "id": shipment.pk,
            "status": shipment.status,
            # The catalogue's English name, whoever's language marked it shipped.
            "appliance": shipment.appliance.name_en or shipment.appliance.name,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "at": at.isoformat(),
        },
        "order": {
            "id": order.pk,
            "legal_name": order.legal_name,
            "customer_id": order.customer_id,
            "license_id": order.license_id,
        },
    }
    event = SHIPMENT_EVENTS[shipment.status]
    webhook_event_emit(partner=order.partner_id, event_type=event, data=data)


@transaction.atomic
def shipment_mark_shipped(*, shipment: Shipment, actor=None, site_url: str = "") -> Shipment:
    """Pending -> shipped; needs the carrier and tracking number first. The partner is e-mailed
    (queued in this transaction: once per change)."""
    locked = _locked(shipment)
    if locked.status != ShipmentStatus.PENDING:
        if locked.status == ShipmentStatus.DELIVERED:
            message = _("%(appliance)s (shipment %(id)s) is already delivered.")
        else:
            message = _("%(appliance)s (shipment %(id)s) is already shipped.")
        raise ValidationError(message % {"appliance": locked.appliance, "id": locked.pk})
    if not (locked.carrier and locked.tracking_number):
        raise ValidationError(
            _(
                "%(appliance)s (shipment %(id)s) needs a carrier and a tracking number before it "
                "can be marked shipped."
            )
            % {"appliance": locked.appliance, "id": locked.pk}
        )
    locked.status = ShipmentStatus.SHIPPED
    locked.shipped_at = timezone.now()
    locked.save(update_fields=["status", "shipped_at"])
    _shipment_news(locked.pk, site_url)
    return locked


@transaction.atomic
def shipment_mark_delivered(*, shipment: Shipment, actor=None, site_url: str = "") -> Shipment:
    """Shipped -> delivered; the partner is e-mailed (queued in this transaction)."""
    locked = _locked(shipment)
    if locked.status != ShipmentStatus.SHIPPED:
        if locked.status == ShipmentStatus.DELIVERED:
            message = _(
                "%(appliance)s (shipment %(id)s) is already delivered; only shipped appliances "
                "can be marked delivered."
            )
        else:
            message = _(
                "%(appliance)s (shipment %(id)s) is pending; only shipped appliances can be "
                "marked delivered."
            )
        raise ValidationError(message % {"appliance": locked.appliance, "id": locked.pk})
    locked.status = ShipmentStatus.DELIVERED
    locked.delivered_at = timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    _shipment_news(locked.pk, site_url)
    return locked


def customer_welcome_resend(*, actor, customer: CustomerAccount) -> str:
    """Queue the welcome to an active customer's administrator, at its current address (the Edit
    page's and the order page's Resend: an offboarded customer is refused on both); returns the
    address."""
    roles.require(actor, roles.CHANGE_CUSTOMERS)
    with transaction.atomic():
        current = CustomerAccount.objects.select_for_update().order_by().get(pk=customer.pk)
        if current.status != CustomerStatus.ACTIVE:
            raise ValidationError(
                _("%(customer)s is offboarded; an offboarded customer gets no welcome.")
                % {"customer": current.legal_name}
            )
        customer_welcome_enqueue(customer_id=current.pk)
    return current.admin_email
