"""Factories and a test-client driver for the Customer Onboarding wizard."""

from __future__ import annotations

import json
import uuid

import factory
from django.urls import reverse

from licenses.models import VolumeLicense
from lmp.partners.models import Partner
from onboarding import services as onboarding_services
from onboarding.models import OnboardingDraft, OnboardingRequest
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
    appliances: list[onboarding_services.ApplianceLine] | None = None,
    site_url: str = "",
    **extra,
) -> onboarding_services.Submission:
    """Call the submit service with one order of sensible defaults (virtual unless appliances)."""
    sensors = bool(appliances)
    fields = dict(
        token=token or uuid.uuid4(),
        partner=partner or license.partner,
        license=license,
        incident_answer="no",
        legal_name=legal_name,
        admin_email="it@acme-dental.example",
        tier_users=tier_users,
        deployment="network_sensors" if sensors else "virtual",
        hosting_region="" if sensors else "ca",
        ship_to="default" if sensors else "",
        appliances=tuple(appliances or ()),
    )
    fields.update(extra)
    order = onboarding_services.OnboardingOrder(**fields)
    return onboarding_services.onboarding_submit(order=order, actor=actor, site_url=site_url)


def appliance_line(
    appliance: Appliance, role: str, address: dict | None = None, *, n: int = 1
) -> onboarding_services.ApplianceLine:
    """One line of an order, with the unit id the wizard would give it."""
    unit = "primary" if role == ApplianceRole.PRIMARY else f"additional-{appliance.pk}-{n}"
    return onboarding_services.ApplianceLine(unit, appliance.pk, role, address)


def sensor_orders(
    primary: Appliance, *additional: Appliance, address: dict | None = None
) -> list[onboarding_services.ApplianceLine]:
    """A primary appliance plus additional sensors, all to ``address`` (None: the default)."""
    orders = [appliance_line(primary, ApplianceRole.PRIMARY, address)]
    orders += [
        appliance_line(a, ApplianceRole.ADDITIONAL, address, n=i)
        for i, a in enumerate(additional, start=1)
    ]
    return orders


class Wizard:
    """Drives the onboarding wizard with the test client: one POST per step, fields prefixed."""

    DETAILS = {
        "legal_name": "Acme Dental Inc.",
        "website": "https://acme-dental.example",
        "admin_email": "it@acme-dental.example",
        "language": "en",
        "tier_users": "25",
        "cloud_users": "0",
        "sat_users": "0",
    }

    def __init__(self, client, license: VolumeLicense):
        self.client = client
        self.license = license
        # New Customer: it redirects to a fresh run, whose id the step URLs carry.
        self.url = reverse("onboarding:wizard", kwargs={"license_pk": license.pk})
        self.run: str | None = None

    def step_url(self, step: str) -> str:
        kwargs = {"license_pk": self.license.pk, "run": self.run, "step": step}
        return reverse("onboarding:wizard_step", kwargs=kwargs)

    @property
    def prefix(self) -> str:
        return f"onboarding_{uuid.UUID(self.run).hex}"

    @property
    def management_key(self) -> str:
        return f"{self.prefix}-current_step"

    def follow(self, response, **headers):
        """GET a redirect within this run (POST/redirect/GET); ``posted`` is the redirect.

        ``headers`` go with the GET too, as a browser's XMLHttpRequest (htmx) keeps them.
        """
        if response.status_code == 302 and f"/{self.run}/" in response.url:
            page = self.client.get(response.url, **headers)
            page.posted = response
            return page
        return response

    def start(self):
        started = self.client.get(self.url)
        if started.status_code != 302 or "/new/" in started.url:
            return started
        self.run = started.url.rstrip("/").split("/")[-2]
        return self.follow(started)

    def post(self, step: str, data: dict | None = None, extra: dict | None = None, **headers):
        """POST ``data`` as step ``step`` (keys get the step prefix; ``extra`` is sent as is)."""
        payload = {self.management_key: step}
        payload.update({f"{step}-{key}": value for key, value in (data or {}).items()})
        payload.update(extra or {})
        return self.follow(self.client.post(self.step_url(step), payload, **headers), **headers)

    def back(self, to: str, step: str, data: dict | None = None):
        return self.post(step, data, extra={"wizard_goto_step": to})

    @property
    def storage(self) -> dict:
        """What the run has stored so far (its row: ``onboarding.wizard.DraftStorage``)."""
        return json.loads(OnboardingDraft.objects.get(pk=self.run).data)

    @property
    def token(self) -> str:
        """The run's id: the order's idempotency token."""
        return str(uuid.UUID(self.run))

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

    def add_address(self, unit: str, address: dict | None = None, *, source: str | None = None):
        """Add: ``address`` typed, or ``source`` chosen (``previous``, ``default``,
        ``saved-<id>``); without a source the browser would send, the typed address is used."""
        data = {"ship_to": "per_appliance", "unit": unit, **(address or {})}
        if source is not None:
            data["source"] = source
        return self.post("shipping", data, extra={"add_address": "1"})

    def remove_address(self, unit: str):
        return self.post("shipping", {"ship_to": "per_appliance"}, extra={"remove_address": unit})

    def ship_per_appliance(self):
        return self.post("shipping", {"ship_to": "per_appliance"})

    def review(self, confirm: bool = True):
        return self.post("review", {"confirm": "on"} if confirm else {})

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
