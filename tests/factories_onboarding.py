"""Factories and a test-client driver for the Customer Onboarding wizard."""

from __future__ import annotations

import uuid

import factory
from django.urls import reverse

from licenses.models import VolumeLicense
from lmp.partners.models import Partner
from onboarding import services as onboarding_services
from onboarding.models import OnboardingRequest
from shipping.choices import ApplianceRole, FormFactor, SiteSize
from shipping.models import Appliance

# A deliverable Canadian address, typed the way people type it (the postal code gets tidied).
OTTAWA = {
    "recipient": "Priya Patel",
    "company": "Acme Dental",
    "line1": "55 Metcalfe Street",
    "line2": "Floor 3",
    "city": "Ottawa",
    "region": "ON",
    "postal_code": "k1p 6l5",
    "country": "CA",
    "phone": "+1 613 555 0199",
}
BOSTON = {
    "recipient": "Sam Rivera",
    "company": "Acme Dental (Boston)",
    "line1": "1 Federal Street",
    "line2": "",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02110-1234",
    "country": "US",
    "phone": "",
}


class ApplianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appliance
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"NS-{100 + n} Sensor")
    form_factor = FormFactor.RACK_1U
    site_size = SiteSize.MEDIUM
    throughput = "Up to 1 Gbps"
    description = "Test sensor."
    active = True
    sort_order = factory.Sequence(lambda n: n)


def submit_order(
    *,
    license: VolumeLicense,
    partner: Partner | None = None,
    actor=None,
    token: uuid.UUID | None = None,
    legal_name: str = "Acme Dental Inc.",
    tier_users: int = 25,
    appliances: list[onboarding_services.ApplianceOrder] | None = None,
    **extra,
) -> onboarding_services.Submission:
    """Call the submit service with sensible defaults (virtual unless appliances are given)."""
    sensors = bool(appliances)
    kwargs = dict(
        token=token or uuid.uuid4(),
        partner=partner or license.partner,
        license=license,
        actor=actor,
        incident_answer="no",
        legal_name=legal_name,
        admin_email="it@acme-dental.example",
        tier_users=tier_users,
        deployment="network_sensors" if sensors else "virtual",
        hosting_region="" if sensors else "ca",
        ship_to="default" if sensors else "",
        appliances=appliances or [],
    )
    kwargs.update(extra)
    return onboarding_services.onboarding_submit(**kwargs)


def sensor_orders(
    primary: Appliance, *additional: Appliance, address: dict | None = None
) -> list[onboarding_services.ApplianceOrder]:
    """A primary appliance plus additional sensors, all to ``address`` (None: the default)."""
    orders = [onboarding_services.ApplianceOrder(primary.pk, ApplianceRole.PRIMARY, address)]
    orders += [
        onboarding_services.ApplianceOrder(a.pk, ApplianceRole.ADDITIONAL, address)
        for a in additional
    ]
    return orders


class Wizard:
    """Drives the onboarding wizard with the test client: one POST per step, fields prefixed."""

    DETAILS = {
        "legal_name": "Acme Dental Inc.",
        "website": "https://acme-dental.example",
        "admin_email": "it@acme-dental.example",
        "tier_users": "25",
        "cloud_users": "0",
        "sat_users": "0",
    }

    def __init__(self, client, license: VolumeLicense):
        self.client = client
        self.license = license
        self.url = reverse("onboarding:wizard", kwargs={"license_pk": license.pk})
        self.prefix = f"onboarding_wizard_view_{license.pk}"

    @property
    def management_key(self) -> str:
        return f"{self.prefix}-current_step"

    def start(self):
        return self.client.get(self.url)

    def post(self, step: str, data: dict | None = None, extra: dict | None = None, **headers):
        """POST ``data`` as step ``step`` (keys get the step prefix; ``extra`` is sent as is)."""
        payload = {self.management_key: step}
        payload.update({f"{step}-{key}": value for key, value in (data or {}).items()})
        payload.update(extra or {})
        return self.client.post(self.url, payload, **headers)

    def back(self, to: str, step: str, data: dict | None = None):
        return self.post(step, data, extra={"wizard_goto_step": to})

    @property
    def storage(self) -> dict:
        return self.client.session[f"wizard_{self.prefix}"]

    @property
    def token(self) -> str:
        return self.storage["extra_data"]["token"]

    # The happy path, one step at a time.
    def incident(self, answer: str = "no"):
        return self.post("incident", {"incident": answer})

    def details(self, **overrides):
        return self.post("details", {**self.DETAILS, **overrides})

    def virtual(self, region: str = "ca"):
        return self.post("deployment", {"deployment": "virtual", "hosting_region": region})

    def sensors(self, primary: Appliance, additional: dict[Appliance, int] | None = None):
        data = {"deployment": "network_sensors", "primary_appliance": str(primary.pk)}
        for appliance, count in (additional or {}).items():
            data[f"additional_{appliance.pk}"] = str(count)
        return self.post("deployment", data)

    def ship_default(self):
        return self.post("shipping", {"ship_to": "default"})

    def ship_custom(self, address: dict):
        return self.post("shipping", {"ship_to": "custom", **address})

    def add_address(self, unit: str, address: dict):
        return self.post(
            "shipping",
            {"ship_to": "per_appliance", "unit": unit, **address},
            extra={"add_address": "1"},
        )

    def remove_address(self, unit: str):
        return self.post("shipping", {"ship_to": "per_appliance"}, extra={"remove_address": unit})

    def ship_per_appliance(self):
        return self.post("shipping", {"ship_to": "per_appliance"})

    def review(self, confirm: bool = True, token: str | None = None):
        data = {"confirm": "on"} if confirm else {}
        return self.post("review", data, extra={"onboarding_token": token or self.token})

    def run_virtual(self, **details):
        """Start, answer No, fill the details, go virtual: the wizard is left on the review step."""
        self.start()
        self.incident()
        self.details(**details)
        return self.virtual()


def current_step(response) -> str:
    return response.context["wizard"]["steps"].current


def last_request() -> OnboardingRequest:
    return OnboardingRequest.objects.select_related("customer").latest("id")
