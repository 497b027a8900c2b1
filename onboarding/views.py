"""Customer Onboarding tab: pick a license, run the wizard, see the confirmation and past orders."""

from __future__ import annotations

import uuid
from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import SessionWizardView, normalize_name

from licenses.choices import DeploymentSolution, ServiceTier
from licenses.models import VolumeLicense
from licenses.selectors import (
    cloud_license_for,
    customer_allocations,
    license_get,
    license_list,
)
from lmp.partners.mixins import PartnerMixin
from onboarding.choices import IncidentAnswer, ShipTo
from onboarding.forms import (
    CustomerDetailsForm,
    DeploymentForm,
    IncidentForm,
    ReviewForm,
    ShippingForm,
)
from onboarding.selectors import (
    onboarding_request_for_token,
    onboarding_request_get,
    onboarding_request_list,
)
from onboarding.services import ApplianceOrder, onboarding_submit
from shipping.models import Address
from shipping.selectors import appliance_catalogue, partner_default_address

STEPS = [
    ("incident", IncidentForm),
    ("details", CustomerDetailsForm),
    ("deployment", DeploymentForm),
    ("shipping", ShippingForm),
    ("review", ReviewForm),
]

STEP_TITLES = {
    "incident": "Incident check",
    "details": "Customer details",
    "deployment": "Deployment solution",
    "shipping": "Shipping",
    "review": "Review and submit",
}

# Which step shows a field the submit service may refuse (stale pools, a name taken meanwhile).
FIELD_STEPS = {
    "incident": "incident",
    "legal_name": "details",
    "website": "details",
    "sub_partner": "details",
    "admin_email": "details",
    "tier_users": "details",
    "cloud_users": "details",
    "sat_users": "details",
    "deployment": "deployment",
    "hosting_region": "deployment",
    "primary_appliance": "deployment",
    "ship_to": "shipping",
}


def license_page_url(license: VolumeLicense) -> str:
    """The license page when the licenses app has one, else the License tab."""
    try:
        return reverse("licenses:license_detail", kwargs={"pk": license.pk})
    except NoReverseMatch:
        return reverse("licenses:license_list")


def needs_shipping(wizard: OnboardingWizardView) -> bool:
    """The shipping step is skipped for a fully virtual deployment."""
    data = wizard.get_cleaned_data_for_step("deployment") or {}
    return data.get("deployment") != DeploymentSolution.VIRTUAL


class OnboardingStartView(PartnerMixin, ListView):
    """The Customer Onboarding tab: pick the license, and see the orders submitted so far."""

    template_name = "onboarding/start.html"
    context_object_name = "onboarding_requests"
    paginate_by = 20

    def get_queryset(self):
        return onboarding_request_list(partner=self.partner)

    def get_context_data(self, **kwargs):
        # In the order partners know the tiers: MDR Core, MDR Complete, MDR Cloud.
        kwargs["licenses"] = license_list(partner=self.partner)
        return super().get_context_data(**kwargs)


class OnboardingRequestDetailView(PartnerMixin, DetailView):
    """The confirmation page of one order (also reached from the list on the tab)."""

    template_name = "onboarding/request_detail.html"
    context_object_name = "order"

    def get_object(self, queryset=None):
        return onboarding_request_get(partner=self.partner, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        order = self.object
        kwargs.update(
            customer=order.customer,
            allocations=customer_allocations(customer=order.customer),
            shipments=list(order.shipments.all()),
            license_url=license_page_url(order.license),
        )
        return super().get_context_data(**kwargs)


class _WizardLicenseMixin:
    """Resolves the license from the URL (404 unless the partner may see it) before the wizard."""

    def dispatch(self, request, *args, **kwargs):
        self.license = license_get(partner=self.partner, pk=kwargs["license_pk"])
        self.cloud_license = (
            None
            if self.license.tier == ServiceTier.CLOUD
            else cloud_license_for(partner=self.license.partner)
        )
        return super().dispatch(request, *args, **kwargs)


class OnboardingWizardView(PartnerMixin, _WizardLicenseMixin, SessionWizardView):
    """Incident check, customer details, deployment, shipping, review; one service call at the end.

    On top of formtools: a step can only be posted once every step before it is complete, so
    nothing can be skipped by posting a later step; a token made at the start identifies this run,
    so submitting it twice finds the first order.
    """

    form_list = STEPS
    condition_dict = {"shipping": needs_shipping}
    adding_address = False

    def get_prefix(self, request, *args, **kwargs):
        # One wizard per license, so two tabs onboarding onto two licenses do not mix.
        return f"{normalize_name(type(self).__name__)}_{self.license.pk}"

    def get_template_names(self):
        if self.request.htmx:
            return ["onboarding/_wizard.html"]
        return ["onboarding/wizard.html"]

    # --- what each step's form depends on -------------------------------------------------

    @cached_property
    def catalogue(self):
        catalogue = appliance_catalogue()
        list(catalogue)  # evaluate once; every deployment form of this request reuses the rows
        return catalogue

    @cached_property
    def default_address(self) -> Address | None:
        return partner_default_address(partner=self.partner)

    def units(self):
        return (self.get_cleaned_data_for_step("deployment") or {}).get("units", [])

    def shipping_entries(self) -> list[dict]:
        return list(self.storage.extra_data.get("shipping_entries", []))

    def get_form_kwargs(self, step=None):
        if step == "details":
            return {
                "license": self.license,
                "partner": self.partner,
                "cloud_license": self.cloud_license,
            }
        if step == "deployment":
            details = self.get_cleaned_data_for_step("details") or {}
            return {"catalogue": self.catalogue, "tier_users": details.get("tier_users")}
        if step == "shipping":
            return {
                "units": self.units(),
                "default_address": self.default_address,
                "entries": self.shipping_entries(),
                "adding": self.adding_address,
            }
        return {}

    # --- flow -------------------------------------------------------------------------------

    def _step_complete(self, step: str) -> bool:
        data = self.get_cleaned_data_for_step(step)
        if data is None:
            return False
        return step != "incident" or data.get("incident") == IncidentAnswer.NO

    def _first_incomplete_before(self, step: str | None) -> str | None:
        for name in self.get_form_list():
            if name == step:
                return None
            if not self._step_complete(name):
                return name
        return None

    def _render_step(self, step: str, **kwargs):
        if step not in self.get_form_list():
            # e.g. the shipping step after the deployment became fully virtual in another tab.
            step = self._first_incomplete_before(None) or self.steps.last
        self.storage.current_step = step
        form = self.get_form(step=step, data=self.storage.get_step_data(step))
        return self.render(form, **kwargs)

    def _submitted_order(self, tokens: list[str | None]):
        """The order one of these wizard tokens already produced; its wizard data is dropped."""
        order = onboarding_request_for_token(partner=self.partner, tokens=tokens)
        if order is not None and str(order.token) == self.storage.extra_data.get("token"):
            # A second request restored the wizard after the first one submitted it.
            self.storage.reset()
        return order

    def get(self, request, *args, **kwargs):
        token = self.storage.extra_data.get("token")
        step = self.storage.current_step
        if (
            "restart" in request.GET
            or not token
            or step not in self.get_form_list()
            or self._submitted_order([token]) is not None
        ):
            self.storage.reset()
            self.storage.extra_data["token"] = str(uuid.uuid4())
            self.storage.current_step = self.steps.first
            return self.render(self.get_form())
        # A reload, or coming back from another page: carry on where the partner left off.
        return self._render_step(step, resumed=step != self.steps.first)

    def post(self, request, *args, **kwargs):
        # The review page carries the wizard's token, so Back + Submit after the wizard was reset
        # still finds the order; the stored token covers a second request that read the wizard
        # before the first one finished (a double click).
        submitted = self._submitted_order(
            [request.POST.get("onboarding_token"), self.storage.extra_data.get("token")]
        )
        if submitted is not None:
            messages.info(request, "This onboarding request was already submitted.")
            return redirect("onboarding:request_detail", pk=submitted.pk)
        if not self.storage.extra_data.get("token"):
            messages.warning(
                request,
                "This onboarding form had expired or was already submitted, so it starts again.",
            )
            return redirect(request.path)

        goto = request.POST.get("wizard_goto_step")
        if goto:
            return self._go_back(goto)

        management = ManagementForm(request.POST, prefix=self.prefix)
        step = management.cleaned_data["current_step"] if management.is_valid() else None
        if step not in self.get_form_list():
            messages.warning(request, "That step is not part of this onboarding; continue here.")
            return self._render_step(self.steps.current)
        blocker = self._first_incomplete_before(step)
        if blocker is not None:
            unfinished = self.storage.extra_data.get("unfinished", [])
            if self.storage.get_step_data(blocker) is None or blocker in unfinished:
                messages.error(request, f"Complete “{STEP_TITLES[blocker]}” first.")
                return self._render_step(blocker)
            # It was complete: something it depends on (a pool, a name) changed since.
            return self.render_revalidation_failure(
                blocker, self.get_form(step=blocker, data=self.storage.get_step_data(blocker))
            )
        self.storage.current_step = step
        if step == "shipping" and (
            "add_address" in request.POST or "remove_address" in request.POST
        ):
            return self._address_list_change()
        return super().post(request, *args, **kwargs)

    def _go_back(self, goto: str):
        steps = list(self.get_form_list())
        current = self.steps.current
        if goto not in steps or (current in steps and steps.index(goto) > steps.index(current)):
            # Only backwards: going forwards is Continue, with its checks.
            return self._render_step(current if current in steps else self.steps.first)
        if current in steps and current != "review":
            # "Back keeps data": what is typed on this step is kept, finished or not; an
            # unfinished step shows its errors when the partner comes back to it.
            form = self.get_form(step=current, data=self.request.POST)
            if form.is_valid():
                self.storage.set_step_data(current, self.process_step(form))
            else:
                self.storage.set_step_data(current, self.get_form_step_data(form))
                unfinished = self.storage.extra_data.setdefault("unfinished", [])
                if current not in unfinished:
                    unfinished.append(current)
        return self._render_step(goto)

    def process_step(self, form):
        unfinished = self.storage.extra_data.get("unfinished", [])
        if self.steps.current in unfinished:
            unfinished.remove(self.steps.current)
        return super().process_step(form)

    def _address_list_change(self):
        """The shipping step's "Add" / "Remove" on the per-appliance address list."""
        entries = self.shipping_entries()
        post = self.request.POST
        if "remove_address" in post:
            unit = post["remove_address"]
            self.storage.extra_data["shipping_entries"] = [e for e in entries if e["unit"] != unit]
            return self.render(self._fresh_shipping_form())
        self.adding_address = True
        form = self.get_form(step="shipping", data=post)
        if not form.is_valid():
            return self.render(form)
        self.adding_address = False
        entries.append({"unit": form.cleaned_data["unit"], "address": form.cleaned_data["address"]})
        self.storage.extra_data["shipping_entries"] = entries
        return self.render(self._fresh_shipping_form(country=form.cleaned_data.get("country")))

    def _fresh_shipping_form(self, country: str | None = None) -> ShippingForm:
        initial = {"ship_to": ShipTo.PER_APPLIANCE}
        if country:
            initial["country"] = country
        return ShippingForm(
            prefix=self.get_form_prefix("shipping", ShippingForm),
            initial=initial,
            **self.get_form_kwargs("shipping"),
        )

    def render_next_step(self, form, **kwargs):
        if (
            self.steps.current == "incident"
            and form.cleaned_data.get("incident") == IncidentAnswer.YES
        ):
            # Nothing is kept: this customer needs incident response, not onboarding.
            self.storage.reset()
            template = (
                "onboarding/_incident_stop.html"
                if self.request.htmx
                else "onboarding/incident_stop.html"
            )
            return TemplateResponse(self.request, template, self._stop_context())
        return super().render_next_step(form, **kwargs)

    def _stop_context(self) -> dict:
        return {
            "license": self.license,
            "partner": self.partner,
            "incident_phone": settings.INCIDENT_RESPONSE_PHONE,
            "incident_email": settings.INCIDENT_RESPONSE_EMAIL,
            "restart_url": f"{self.request.path}?restart=1",
        }

    def render_revalidation_failure(self, step, form, **kwargs):
        # A second Submit of this wizard (double click, another tab) that passed the token check
        # in post() just before the first one committed now sees the first one's customer as a
        # name clash or a smaller pool: it was submitted, so show that order, not an error.
        submitted = self._submitted_order(
            [self.request.POST.get("onboarding_token"), self.storage.extra_data.get("token")]
        )
        if submitted is not None:
            messages.info(self.request, "This onboarding request was already submitted.")
            return redirect("onboarding:request_detail", pk=submitted.pk)
        messages.error(
            self.request,
            f"Something changed since you filled in “{STEP_TITLES[step]}”. Nothing was "
            "submitted: check the highlighted fields and continue.",
        )
        self.storage.current_step = step
        return self.render(form, **kwargs)

    def render_done(self, form, **kwargs):
        """Re-validate every step, submit, and only then forget the wizard's data."""
        final_forms = OrderedDict()
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not step_form.is_valid() or not self._step_complete(step):
                return self.render_revalidation_failure(step, step_form, **kwargs)
            final_forms[step] = step_form
        try:
            response = self.done(list(final_forms.values()), form_dict=final_forms, **kwargs)
        except ValidationError as exc:
            return self._submit_refused(exc)
        self.storage.reset()
        return response

    def done(self, form_list, form_dict, **kwargs):
        details = form_dict["details"].cleaned_data
        deployment = form_dict["deployment"].cleaned_data
        shipping = form_dict["shipping"].cleaned_data if "shipping" in form_dict else {}
        assignments = shipping.get("assignments", {})
        submission = onboarding_submit(
            token=uuid.UUID(self.storage.extra_data["token"]),
            partner=self.partner,
            license=self.license,
            actor=self.request.user,
            incident_answer=form_dict["incident"].cleaned_data["incident"],
            legal_name=details["legal_name"],
            website=details["website"],
            sub_partner=details["sub_partner"],
            admin_email=details["admin_email"],
            tier_users=details["tier_users"],
            cloud_users=details["cloud_users"],
            sat_users=details["sat_users"],
            deployment=deployment["deployment"],
            hosting_region=deployment["hosting_region"],
            ship_to=shipping.get("ship_to", ""),
            appliances=[
                ApplianceOrder(
                    appliance_id=unit.appliance.pk, role=unit.role, address=assignments[unit.key]
                )
                for unit in deployment["units"]
            ],
            site_url=self.request.build_absolute_uri("/"),
        )
        if submission.created:
            messages.success(self.request, f"{submission.request.legal_name} has been onboarded.")
        else:
            messages.info(self.request, "This onboarding request was already submitted.")
        return redirect("onboarding:request_detail", pk=submission.request.pk)

    def _submit_refused(self, exc: ValidationError):
        """Show the service's refusal next to the field it is about, on that field's step."""
        if hasattr(exc, "error_dict"):
            errors = exc.message_dict
        else:
            errors = {NON_FIELD_ERRORS: exc.messages}
        steps = list(self.get_form_list())
        wanted = {FIELD_STEPS.get(field, "review") for field in errors}
        step = next((s for s in steps if s in wanted), "review")
        form = self.get_form(step=step, data=self.storage.get_step_data(step))
        form.is_valid()
        for field, field_messages in errors.items():
            if FIELD_STEPS.get(field, "review") != step and step != "review":
                continue
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
        self.storage.current_step = step
        messages.error(
            self.request,
            f"Nothing was submitted: {next(iter(errors.values()))[0]} "
            f"Check “{STEP_TITLES[step]}” and continue.",
        )
        return self.render(form)

    # --- template context -------------------------------------------------------------------

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        context.update(
            license=self.license,
            cloud_license=self.cloud_license,
            step_title=STEP_TITLES[current],
            progress=self._progress(current),
            token=self.storage.extra_data.get("token", ""),
            incident_phone=settings.INCIDENT_RESPONSE_PHONE,
            incident_email=settings.INCIDENT_RESPONSE_EMAIL,
            license_url=license_page_url(self.license),
            restart_url=f"{self.request.path}?restart=1",
            default_address=self.default_address,
        )
        if current != "incident":
            context["incident_clear"] = self._step_complete("incident")
        if current == "review":
            context["summary"] = self._summary()
        return context

    def _progress(self, current: str) -> list[dict]:
        active = list(self.get_form_list())
        position = active.index(current) if current in active else 0
        rows = []
        for number, (name, _form) in enumerate(STEPS, start=1):
            if name not in active:
                state = "skipped"
            elif active.index(name) < position:
                state = "done"
            elif name == current:
                state = "current"
            else:
                state = "upcoming"
            rows.append(
                {"name": name, "title": STEP_TITLES[name], "state": state, "number": number}
            )
        return rows

    def _summary(self) -> dict:
        details = self.get_cleaned_data_for_step("details") or {}
        deployment = self.get_cleaned_data_for_step("deployment") or {}
        shipping = (
            self.get_cleaned_data_for_step("shipping")
            if "shipping" in self.get_form_list()
            else None
        ) or {}
        assignments = shipping.get("assignments", {})
        rows = []
        for unit in deployment.get("units", []):
            data = assignments.get(unit.key)
            address = self.default_address if data is None else Address(**data)
            rows.append({"unit": unit, "address": address})
        return {
            "details": details,
            "deployment": deployment,
            "hosting_region_label": dict(DeploymentForm.base_fields["hosting_region"].choices).get(
                deployment.get("hosting_region"), ""
            ),
            "deployment_label": DeploymentSolution(deployment["deployment"]).label
            if deployment.get("deployment")
            else "",
            "ship_to_label": ShipTo(shipping["ship_to"]).label if shipping.get("ship_to") else "",
            "shipments": rows,
        }
