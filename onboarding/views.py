"""Customer Onboarding tab: pick a license, run the wizard, see the confirmation and past orders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from formtools.wizard.views import NamedUrlWizardView

from licenses.choices import DeploymentSolution
from licenses.mixins import CustomerMixin
from licenses.models import VolumeLicense
from licenses.selectors import (
    cloud_pool_for,
    customer_allocations,
    license_get,
    license_list,
)
from licenses.views import license_page_url
from lmp.partners import roles
from lmp.partners.mixins import PartnerMixin
from onboarding.forms import (
    CustomerDetailsForm,
    DeploymentForm,
    IncidentForm,
    ReviewForm,
    ShippingForm,
)
from onboarding.selectors import onboarding_request_get, onboarding_request_list
from onboarding.services import (
    customer_welcome_resend,
    onboarding_submit,
)
from onboarding.wizard import STEP_TITLES, WizardRun, progress, run_prefix, run_start
from shipping.selectors import (
    appliance_catalogue,
    partner_default_address,
    partner_saved_addresses,
)

STEPS = [
    ("incident", IncidentForm),
    ("details", CustomerDetailsForm),
    ("deployment", DeploymentForm),
    ("shipping", ShippingForm),
    ("review", ReviewForm),
]


def needs_shipping(wizard: OnboardingWizardView) -> bool:
    """The shipping step is skipped for a fully virtual deployment."""
    record = wizard.run.validated.get("deployment") or {}
    return record.get("deployment") != DeploymentSolution.VIRTUAL


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


class OnboardingWelcomeResendView(PartnerMixin, View):
    """POST: send the customer's MDR Portal administrator the welcome e-mail again (GET goes back
    to the order)."""

    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        order = onboarding_request_get(partner=self.partner, pk=self.kwargs["pk"])
        return redirect("onboarding:request_detail", pk=order.pk)

    def post(self, request, *args, **kwargs):
        order = onboarding_request_get(partner=self.partner, pk=self.kwargs["pk"])
        try:
            # One service for both Resend buttons: the order's customer, as the Edit page's.
            address = customer_welcome_resend(actor=request.user, customer=order.customer)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The welcome e-mail is on its way to %(address)s again.") % {"address": address},
            )
        return redirect("onboarding:request_detail", pk=order.pk)


class CustomerWelcomeResendView(CustomerMixin, View):
    """POST, from the Edit page: send the customer's MDR Portal administrator the welcome at the
    address the customer has now (GET goes back to the Edit page)."""

    permission_required = roles.CHANGE_CUSTOMERS

    def edit_url(self) -> str:
        return reverse(
            "licenses:customer_edit",
            kwargs={"license_pk": self.license.pk, "pk": self.customer.pk},
        )

    def get(self, request, *args, **kwargs):
        return redirect(self.edit_url())

    def post(self, request, *args, **kwargs):
        try:
            address = customer_welcome_resend(actor=request.user, customer=self.customer)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(license_page_url(self.license))
        messages.success(
            request, _("The welcome e-mail is on its way to %(address)s.") % {"address": address}
        )
        return redirect(self.edit_url())


class _WizardLicenseMixin:
    """Resolves the license from the URL (404 unless the partner may see it) before the wizard."""

    def dispatch(self, request, *args, **kwargs):
        self.visible = license_get(partner=self.partner, pk=kwargs["license_pk"])
        self.license = self.visible.license
        self.cloud_license = cloud_pool_for(license=self.license)
        return super().dispatch(request, *args, **kwargs)

    def license_context(self) -> dict:
        return {
            "license": self.license,
            "visible": self.visible,
            "cloud_license": self.cloud_license,
            "license_url": license_page_url(self.license),
            "new_run_url": reverse("onboarding:wizard", kwargs={"license_pk": self.license.pk}),
            "incident_phone": settings.INCIDENT_RESPONSE_PHONE,
            "incident_email": settings.INCIDENT_RESPONSE_EMAIL,
        }


class OnboardingWizardStartView(PartnerMixin, _WizardLicenseMixin, View):
    """New Customer: a fresh wizard run with its own id, unless the license has no users left."""

    permission_required = roles.CHANGE_CUSTOMERS

    def get(self, request, *args, **kwargs):
        if not self.license.can_onboard:
            messages.warning(
                request,
                _(
                    "No %(tier)s users are available. A customer can be onboarded onto this "
                    "license once users are freed up or bought."
                )
                % {"tier": self.license.get_tier_display()},
            )
            return redirect(license_page_url(self.license))
        run = run_start(request=request, license=self.license)
        return redirect(run_url(self.license, run, "incident"))


class OnboardingIncidentStopView(PartnerMixin, _WizardLicenseMixin, TemplateView):
    """Onboarding stopped at the incident question: how to reach incident response."""

    permission_required = roles.CHANGE_CUSTOMERS

    def get_template_names(self):
        return [f"onboarding/{'_' if self.request.htmx else ''}incident_stop.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.license_context(), **kwargs)


def run_url(license: VolumeLicense, run, step: str) -> str:
    return reverse(
        "onboarding:wizard_step", kwargs={"license_pk": license.pk, "run": run, "step": step}
    )


class OnboardingWizardView(PartnerMixin, _WizardLicenseMixin, NamedUrlWizardView):
    """Incident check, customer details, deployment, shipping, review; one service call at the end.

    One run per URL (``onboarding.wizard``). Every POST is answered with a redirect, a step with
    errors included: what was typed is stored and the step's page shows it with its errors. A
    step can only be shown or posted once every step before it is complete.
    """

    permission_required = roles.CHANGE_CUSTOMERS
    form_list = STEPS
    condition_dict = {"shipping": needs_shipping}
    storage_name = "onboarding.wizard.DraftStorage"

    def get_prefix(self, request, *args, **kwargs):
        return run_prefix(kwargs["run"])

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if hasattr(self, "storage"):  # the run's row, written once, with what this request did
            self.storage.save()
        return response

    def get_form_list(self):
        self.__dict__.pop("_resolved_form_list", None)  # the condition reads the run as it changes
        return super().get_form_list()

    @property
    def active(self) -> list[str]:
        return list(self.get_form_list())

    def get_step_url(self, step):
        return run_url(self.license, self.kwargs["run"], step)

    def get_template_names(self):
        return ["onboarding/_wizard.html" if self.request.htmx else "onboarding/wizard.html"]

    @cached_property
    def run(self) -> WizardRun:
        return WizardRun(self.storage)

    @cached_property
    def default_address(self):
        return partner_default_address(partner=self.partner)

    def get_form_kwargs(self, step=None):
        if step == "details":
            return {
                "license": self.license,
                "partner": self.partner,
                "cloud_license": self.cloud_license,
            }
        if step == "deployment":
            tier_users = (self.run.validated.get("details") or {}).get("tier_users")
            return {"catalogue": appliance_catalogue(), "tier_users": tier_users}
        if step == "shipping":
            return {
                "default_address": self.default_address,
                "saved_addresses": partner_saved_addresses(partner=self.partner),
                **self.run.shipping_kwargs(),
            }
        return {}

    def get_form_initial(self, step):
        return dict(self.run.extra.get("shipping_initial", {})) if step == "shipping" else {}

    def get(self, request, *args, **kwargs):
        step = kwargs.get("step")
        if self.run.license_id != self.license.pk:
            return self._expired()
        if self.run.allowed(step, self.active) != step:
            return redirect(self.get_step_url(self.run.allowed(step, self.active)))
        self.storage.current_step = step
        form = self.run.with_refusal(
            self.get_form(step=step, data=self.storage.get_step_data(step))
        )
        response = self.render(form)
        patch_vary_headers(response, ["HX-Request"])  # a step's URL answers htmx with a fragment
        if request.htmx:
            response["HX-Push-Url"] = request.path
        return response

    def post(self, request, *args, **kwargs):
        step = kwargs.get("step")
        if self.run.license_id != self.license.pk:
            return self._expired()
        if (allowed := self.run.allowed(step, self.active)) != step:
            if step in self.active:
                messages.error(
                    request, _("Complete “%(step)s” first.") % {"step": STEP_TITLES[allowed]}
                )
            else:
                messages.warning(
                    request, _("That step is not part of this onboarding; continue here.")
                )
            return redirect(self.get_step_url(allowed))
        self.storage.current_step = step
        self.run.extra["adding"] = False
        if goto := request.POST.get("wizard_goto_step"):
            return self.render_goto_step(goto)
        if step == "shipping" and {"add_address", "remove_address"} & set(request.POST):
            return self._address_list_change()
        form = self.get_form(data=request.POST)
        if not form.is_valid():
            return self._keep_typed(form)
        self.storage.set_step_data(step, self.process_step(form))
        self.run.keep(step, form.cleaned_data, self.active)
        if step == "incident" and not self.run.is_complete("incident"):
            self.storage.delete()  # nothing is kept of this run
            return redirect("onboarding:incident_stop", license_pk=self.license.pk)
        return self.render_done(form) if step == self.steps.last else self.render_next_step(form)

    def _keep_typed(self, form):
        """Store what was typed on a step (finished or not) and show that step again."""
        self.storage.set_step_data(form.prefix, self.get_form_step_data(form))
        if form.is_valid():
            self.run.keep(form.prefix, form.cleaned_data, self.active)
        else:
            self.run.forget(form.prefix, self.active)
            self.run.keep_refusal(form.prefix, {f: list(e) for f, e in form.errors.items()})
        return redirect(self.get_step_url(form.prefix))

    def render_goto_step(self, goto_step, **kwargs):
        active, current = self.active, self.steps.current
        if goto_step not in active or active.index(goto_step) > active.index(current):
            return redirect(self.get_step_url(current))  # forwards is Continue, with its checks
        if current != "review":  # "Back keeps data", finished or not
            self._keep_typed(self.get_form(data=self.request.POST))
        return super().render_goto_step(goto_step)

    def _address_list_change(self):
        """The shipping step's "Add" / "Remove" on the per-appliance address list."""
        if "remove_address" in self.request.POST:
            self.run.address_remove(self.request.POST["remove_address"], self.active)
        else:
            self.run.extra["adding"] = True
            form = self.get_form(data=self.request.POST)
            if not form.is_valid():
                return self._keep_typed(form)
            self.run.address_add(
                form.cleaned_data["unit"], form.cleaned_data["address"], self.active
            )
        self.storage.set_step_data("shipping", None)  # the page shows a fresh address form
        return redirect(self.get_step_url("shipping"))

    def render_done(self, form, **kwargs):
        """The one service call: the run's order, submitted (the service knows a second submit)."""
        try:
            order = self.run.order(
                token=self.kwargs["run"], partner=self.partner, license=self.license
            )
            submission = onboarding_submit(
                order=order, actor=self.request.user, site_url=self.request.build_absolute_uri("/")
            )
        except ValidationError as exc:
            step, message = self.run.refuse(exc, self.active)
            messages.error(self.request, message)
            return redirect(self.get_step_url(step))
        if submission.created:
            messages.success(
                self.request,
                _("%(customer)s has been onboarded.") % {"customer": submission.request.legal_name},
            )
        else:
            messages.info(self.request, _("This onboarding request was already submitted."))
        return redirect("onboarding:request_detail", pk=submission.request.pk)

    def _expired(self):
        self.storage.delete()
        messages.warning(
            self.request,
            _("This onboarding form had expired or was not found, so it starts again."),
        )
        return redirect("onboarding:wizard", license_pk=self.license.pk)

    def get_context_data(self, form, **kwargs):
        current = self.steps.current
        context = super().get_context_data(form=form, **kwargs) | self.license_context()
        context.update(
            step_title=STEP_TITLES[current],
            has_errors=bool(form.errors),
            progress=progress(steps=list(self.form_list), active=self.active, current=current),
            default_address=self.default_address,
            incident_clear=current != "incident" and self.run.is_complete("incident"),
        )
        if current == "review":
            context["summary"] = self.run.summary(default_address=self.default_address)
        return context
