"""One run of the Customer Onboarding wizard: its id, its stored answers, its appliances, its order.

A run is started by "New Customer" and named by a UUID in the URL; its formtools storage is a row
of its own (``OnboardingDraft``, ``DraftStorage``), so any number of tabs keep separate runs, even
when their requests overlap. The same UUID is the order's idempotency token: the submit service
recognises a run submitted twice.

What a run keeps of a step it validated is JSON (the row stores JSON), never a model instance:
``WizardRun.validated``. The appliances of a network-sensor order are ``ApplianceUnit``s with stable
ids (``primary``, ``additional-<appliance id>-<n>``), so an address typed for one appliance stays
with that appliance when the deployment step is edited.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from formtools.wizard.storage.base import BaseStorage

from licenses.choices import DeploymentSolution, HostingRegion
from licenses.models import VolumeLicense
from lmp.partners.models import Partner
from onboarding.choices import IncidentAnswer, ShipTo
from onboarding.models import OnboardingDraft
from onboarding.services import ApplianceLine, OnboardingOrder
from shipping.choices import ApplianceRole
from shipping.models import Address, Appliance

STEP_TITLES = {
    "incident": gettext_lazy("Incident check"),
    "details": gettext_lazy("Customer details"),
    "deployment": gettext_lazy("Deployment solution"),
    "shipping": gettext_lazy("Shipping"),
    "review": gettext_lazy("Review and submit"),
}

# Which step shows a field the submit service may refuse (stale pools, a name taken meanwhile).
FIELD_STEPS = {
    "incident": "incident",
    "legal_name": "details",
    "website": "details",
    "sub_partner": "details",
    "admin_email": "details",
    "language": "details",
    "tier_users": "details",
    "cloud_users": "details",
    "sat_users": "details",
    "deployment": "deployment",
    "hosting_region": "deployment",
    "primary_appliance": "deployment",
    "ship_to": "shipping",
}

# A run nobody has touched for this long (an abandoned tab) is forgotten when its user starts one.
DRAFT_LIFETIME = timedelta(days=7)
PREFIX = "onboarding_"


def run_prefix(run: uuid.UUID) -> str:
    """The formtools storage prefix of one run."""
    return f"{PREFIX}{run.hex}"


class DraftStorage(BaseStorage):
    """formtools' storage of one run, in its ``OnboardingDraft`` row: read once, saved once.

    Only the run's own user's row is read or written; an unknown run reads as empty (the view then
    starts a fresh one). Rows are made by ``run_start`` alone.
    """

    def __init__(self, prefix, request=None, file_storage=None):
        super().__init__(prefix, request, file_storage)
        self.run = uuid.UUID(prefix.removeprefix(PREFIX))
        draft = self._drafts().only("data").first()
        self.data = json.loads(draft.data) if draft is not None else None
        if not self.data:
            self.init_data()
        self._stored = copy.deepcopy(self.data)

    def _drafts(self):
        return OnboardingDraft.objects.filter(pk=self.run, user_id=self.request.user.pk)

    def save(self) -> None:
        """Write what this request changed of the run (nothing when it changed nothing)."""
        if self.data != self._stored:
            self._drafts().update(data=json.dumps(self.data), updated_at=timezone.now())
            self._stored = copy.deepcopy(self.data)

    def delete(self) -> None:
        """Forget the run: its row goes, and nothing of it is saved again."""
        self._drafts().delete()
        self.init_data()
        self._stored = copy.deepcopy(self.data)


def run_start(*, request, license: VolumeLicense) -> uuid.UUID:
    """A fresh run on ``license`` for this user; its runs untouched for a week are dropped."""
    run = uuid.uuid4()
    user = request.user
    OnboardingDraft.objects.filter(
        user_id=user.pk, updated_at__lt=timezone.now() - DRAFT_LIFETIME
    ).delete()
    OnboardingDraft.objects.create(id=run, user_id=user.pk)
    storage = DraftStorage(run_prefix(run), request)
    storage.extra_data = {"license": license.pk}
    storage.current_step = "incident"
    storage.save()
    return run


@dataclass(frozen=True)
class ApplianceUnit:
    """One physical appliance of an order, named by an id that survives edits of the order."""

    key: str
    role: str
    appliance: Appliance
    number: int = 0

    @property
    def title(self) -> str:
        if self.role == ApplianceRole.PRIMARY:
            return _("Primary appliance")
        return _("Additional sensor %(number)s") % {"number": self.number}

    @property
    def label(self) -> str:
        return f"{self.title} — {self.appliance.name}"


def appliance_units(
    *, primary_id: int | None, counts: dict[str, int], appliances: dict[int, Appliance]
) -> list[ApplianceUnit]:
    """The primary appliance, then each additional model's units in catalogue order.

    The n-th additional unit of a model is ``additional-<model id>-<n>`` whatever the other
    models' counts are, so lowering one model's count only drops that model's last units.
    """
    if primary_id is None or primary_id not in appliances:
        return []
    units = [ApplianceUnit("primary", ApplianceRole.PRIMARY, appliances[primary_id])]
    ordered = sorted(
        (appliances[int(pk)] for pk, n in counts.items() if n and int(pk) in appliances),
        key=lambda a: (a.sort_order, a.name),
    )
    number = 0
    for appliance in ordered:
        for ordinal in range(1, counts[str(appliance.pk)] + 1):
            number += 1
            key = f"additional-{appliance.pk}-{ordinal}"
            units.append(ApplianceUnit(key, ApplianceRole.ADDITIONAL, appliance, number))
    return units


def step_record(step: str, data: dict) -> dict:
    """What a run keeps of a validated step: plain JSON values, ids instead of instances."""
    if step == "incident":
        return {"incident": data["incident"]}
    if step == "details":
        keys = (
            "legal_name",
            "website",
            "admin_email",
            "language",
            "tier_users",
            "cloud_users",
            "sat_users",
        )
        sub_partner = data.get("sub_partner")
        return {**{k: data.get(k) for k in keys}, "sub_partner": getattr(sub_partner, "pk", None)}
    if step == "deployment":
        primary = data.get("primary_appliance")
        return {
            "deployment": data["deployment"],
            "hosting_region": data.get("hosting_region") or "",
            "primary": getattr(primary, "pk", None),
            "counts": {str(pk): n for pk, n in data.get("additional_counts", {}).items()},
        }
    if step == "shipping":
        return {"ship_to": data["ship_to"], "assignments": data["assignments"]}
    return {}


class WizardRun:
    """The stored state of one run, on top of its formtools storage."""

    def __init__(self, storage) -> None:
        self.storage = storage

    @property
    def extra(self) -> dict:
        return self.storage.extra_data

    @property
    def license_id(self) -> int | None:
        return self.extra.get("license")

    @property
    def validated(self) -> dict[str, dict]:
        return self.extra.setdefault("validated", {})

    def is_complete(self, step: str) -> bool:
        record = self.validated.get(step)
        return record is not None and (
            step != "incident" or record.get("incident") == IncidentAnswer.NO
        )

    def allowed(self, step: str | None, active: list[str]) -> str:
        """``step`` if every step before it is complete, else the first step that is not."""
        first_open = next((s for s in active if not self.is_complete(s)), active[-1])
        if step in active and active.index(step) <= active.index(first_open):
            return step
        return first_open

    def keep(self, step: str, data: dict, steps: list[str]) -> None:
        """Record a validated step; the steps after it are checked again on their Continue."""
        self.forget(step, steps, keep_step=True)
        self.validated[step] = step_record(step, data)
        if step == "deployment":  # an address stays with its unit; a unit gone takes it along
            keys = {unit.key for unit in self.units}
            self.entries = [e for e in self.entries if e["unit"] in keys]

    def forget(self, step: str, steps: list[str], keep_step: bool = False) -> None:
        later = steps[steps.index(step) + (1 if keep_step else 0) :] if step in steps else [step]
        for name in later:
            self.validated.pop(name, None)
        self.extra["validated"] = self.validated
        self.__dict__.pop("units", None)

    @cached_property
    def units(self) -> list[ApplianceUnit]:
        deployment = self.validated.get("deployment") or {}
        counts = deployment.get("counts", {})
        ids = {deployment.get("primary"), *(int(pk) for pk in counts)} - {None}
        appliances = Appliance.objects.in_bulk(ids) if ids else {}
        return appliance_units(
            primary_id=deployment.get("primary"), counts=counts, appliances=appliances
        )

    @property
    def entries(self) -> list[dict]:
        return list(self.extra.get("shipping_entries", []))

    @entries.setter
    def entries(self, value: list[dict]) -> None:
        self.extra["shipping_entries"] = value

    def shipping_kwargs(self) -> dict:
        """What the shipping step's form depends on from this run."""
        return {
            "units": self.units,
            "entries": self.entries,
            "adding": bool(self.extra.get("adding")),
        }

    def address_add(self, unit: str, address: dict | None, active: list[str]) -> None:
        """The shipping step's Add: one more appliance has its address (it must Continue again).

        ``address`` None is the partner's default address, as the submit service reads it.
        """
        self.extra["adding"] = False
        self.entries = [*self.entries, {"unit": unit, "address": address}]
        self.extra["shipping_initial"] = {"ship_to": ShipTo.PER_APPLIANCE}
        if address is not None:
            self.extra["shipping_initial"]["country"] = address["country"]
        self.forget("shipping", active)

    def address_remove(self, unit: str, active: list[str]) -> None:
        self.entries = [e for e in self.entries if e["unit"] != unit]
        self.extra["shipping_initial"] = {"ship_to": ShipTo.PER_APPLIANCE}
        self.forget("shipping", active)

    def order(self, *, token: uuid.UUID, partner: Partner, license: VolumeLicense):
        """The one value the submit service takes, built from what the run validated."""
        details, deployment = self.validated["details"], self.validated["deployment"]
        sensors = deployment["deployment"] == DeploymentSolution.NETWORK_SENSORS
        shipping = self.validated.get("shipping", {}) if sensors else {}
        assignments = shipping.get("assignments", {})
        missing = [u.label for u in self.units if sensors and u.key not in assignments]
        if missing:
            raise ValidationError(
                {
                    "ship_to": _("Add an address for: %(appliances)s.")
                    % {"appliances": ", ".join(missing)}
                }
            )
        sub_partner = (
            Partner.objects.filter(pk=details["sub_partner"]).first()
            if details.get("sub_partner")
            else None
        )
        return OnboardingOrder(
            token=token,
            partner=partner,
            license=license,
            incident_answer=self.validated["incident"]["incident"],
            legal_name=details["legal_name"],
            admin_email=details["admin_email"],
            tier_users=details["tier_users"],
            cloud_users=details.get("cloud_users") or 0,
            sat_users=details.get("sat_users") or 0,
            # A run started before the language was asked: the service's default (English).
            language=details.get("language") or settings.LANGUAGE_CODE,
            website=details.get("website") or "",
            sub_partner=sub_partner,
            deployment=deployment["deployment"],
            hosting_region=deployment.get("hosting_region", ""),
            ship_to=shipping.get("ship_to", ""),
            appliances=tuple(
                ApplianceLine(u.key, u.appliance.pk, u.role, assignments.get(u.key))
                for u in (self.units if sensors else [])
            ),
        )

    def refuse(self, exc: ValidationError, active: list[str]) -> tuple[str, str]:
        """Keep the service's refusal for the step showing its field (else the review): that
        step must be continued again. Returns the step and the message to flash."""
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        wanted = {FIELD_STEPS.get(field, "review") for field in errors}
        step = next((s for s in active if s in wanted), "review")
        self.forget(step, active)
        self.keep_refusal(step, errors)
        first = next(iter(errors.values()))[0]
        return step, _("Nothing was submitted: %(reason)s Check “%(step)s” and continue.") % {
            "reason": first,
            "step": STEP_TITLES[step],
        }

    def keep_refusal(self, step: str, errors: dict[str, list[str]]) -> None:
        """Keep why ``step`` was refused (its own POST, or the service at submit) for its page.

        Every POST is answered with a redirect, and the page that follows checks the step again
        against the pools as they are then: without this, seats freed in between would leave
        the partner back on the step with no reason given.
        """
        self.extra.setdefault("refusals", {})[step] = errors

    def with_refusal(self, form):
        """``form`` with the errors its step was last refused with, shown once."""
        for field, messages in self.extra.get("refusals", {}).pop(form.prefix, {}).items():
            for message in messages:
                if message not in form.errors.get(field, []):
                    form.add_error(field if field in form.fields else None, message)
        return form

    def summary(self, *, default_address: Address | None) -> dict:
        """What the review step shows."""
        deployment = self.validated.get("deployment") or {}
        shipping = self.validated.get("shipping") or {}
        assignments = shipping.get("assignments", {})
        rows = []
        if deployment.get("deployment") == DeploymentSolution.NETWORK_SENSORS:
            for unit in self.units:
                data = assignments.get(unit.key)
                rows.append(
                    {"unit": unit, "address": default_address if data is None else Address(**data)}
                )
        details = self.validated.get("details") or {}
        return {
            "details": details,
            "language_label": dict(settings.LANGUAGES).get(details.get("language"), ""),
            "deployment": deployment,
            "units": self.units if rows else [],
            "deployment_label": DeploymentSolution(deployment["deployment"]).label
            if deployment.get("deployment")
            else "",
            "hosting_region_label": dict(HostingRegion.choices).get(
                deployment.get("hosting_region"), ""
            ),
            "ship_to_label": ShipTo(shipping["ship_to"]).label if shipping.get("ship_to") else "",
            "shipments": rows,
        }


def progress(*, steps: list[str], active: list[str], current: str) -> list[dict]:
    """The progress bar: active steps numbered 1..n like "Step N of n"; a skipped one unnumbered."""
    position = active.index(current) if current in active else 0
    rows = []
    for name in steps:
        if name not in active:
            state, number = "skipped", None
        else:
            index = active.index(name)
            number = index + 1
            state = "done" if index < position else "current" if name == current else "upcoming"
        rows.append({"name": name, "title": STEP_TITLES[name], "state": state, "number": number})
    return rows
