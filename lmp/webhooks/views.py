"""The webhooks pages (Administrators): endpoints, their secret and their deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from lmp.partners import roles
from lmp.partners.mixins import PartnerMixin
from lmp.webhooks import selectors, services
from lmp.webhooks.choices import DeliveryStatus
from lmp.webhooks.forms import WebhookEndpointForm
from lmp.webhooks.models import WebhookDelivery, WebhookEndpoint

LIST_URL = reverse_lazy("webhooks:endpoint_list")
# A delivery in one of these states may still change: its page keeps asking for it.
PENDING = {DeliveryStatus.QUEUED, DeliveryStatus.SENDING}


class WebhooksMixin(PartnerMixin):
    """Webhook pages: Administrators only (others 403, for GET and POST alike)."""

    permission_required = roles.MANAGE_INTEGRATIONS


class EndpointMixin(WebhooksMixin):
    """An endpoint of the signed-in user's partner named in the URL (another partner's: 404)."""

    endpoint: WebhookEndpoint

    def load_objects(self) -> None:
        try:
            self.endpoint = selectors.partner_endpoint(partner=self.partner, pk=self.kwargs["pk"])
        except WebhookEndpoint.DoesNotExist:
            raise Http404(_("No such webhook endpoint.")) from None

    def detail_url(self) -> str:
        return reverse("webhooks:endpoint_detail", kwargs={"pk": self.endpoint.pk})


class EndpointListView(WebhooksMixin, TemplateView):
    template_name = "webhooks/endpoint_list.html"

    def get_context_data(self, **kwargs):
        endpoints = list(selectors.partner_endpoints(partner=self.partner))
        return super().get_context_data(endpoints=endpoints, **kwargs)


class EndpointFormMixin(FormView):
    """Add and Edit: the form's input goes to a service; its refusal goes next to the field."""

    form_class = WebhookEndpointForm
    template_name = "webhooks/endpoint_form.html"

    def save(self, data: dict) -> WebhookEndpoint:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            endpoint = self.save(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect("webhooks:endpoint_detail", pk=endpoint.pk)


class EndpointCreateView(WebhooksMixin, EndpointFormMixin):
    success_message = gettext_lazy(
        "Endpoint added. Its signing secret is below; send a test event to try it."
    )

    def save(self, data: dict) -> WebhookEndpoint:
        return services.endpoint_create(actor=self.request.user, partner=self.partner, **data)


class EndpointEditView(EndpointMixin, EndpointFormMixin):
    success_message = gettext_lazy("Endpoint saved.")

    def get_initial(self):
        e = self.endpoint
        fields = {"url": e.url, "description": e.description, "event_types": e.event_types}
        return fields | {"active": e.active}

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.endpoint, **kwargs)

    def save(self, data: dict) -> WebhookEndpoint:
        return services.endpoint_update(actor=self.request.user, endpoint=self.endpoint, **data)


class EndpointDetailView(EndpointMixin, ListView):
    """The endpoint, its secret, and its deliveries newest first with Redeliver.

    An htmx request gets the deliveries section alone: the page asks for it every few seconds
    while a delivery it shows is queued or sending, so a test event turns succeeded (or failed)
    without a reload.
    """

    template_name = "webhooks/endpoint_detail.html"
    context_object_name = "deliveries"
    paginate_by = 25

    def get_queryset(self):
        return selectors.endpoint_deliveries(endpoint=self.endpoint)

    def get_template_names(self):
        if self.request.htmx:
            return ["webhooks/_deliveries.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(endpoint=self.endpoint, **kwargs)
        context["deliveries_pending"] = any(
            delivery.status in PENDING for delivery in context["deliveries"]
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ["HX-Request"])  # one URL, a page or its section
        return response


class EndpointDeleteView(EndpointMixin, TemplateView):
    """GET: what deleting removes; POST: delete."""

    template_name = "webhooks/endpoint_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.endpoint, **kwargs)

    def post(self, request, *args, **kwargs):
        url = self.endpoint.url
        services.endpoint_delete(actor=request.user, endpoint=self.endpoint)
        messages.success(request, _("Endpoint %(url)s deleted.") % {"url": url})
        return redirect(LIST_URL)


class SecretRotateView(EndpointMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.endpoint_secret_rotate(actor=request.user, endpoint=self.endpoint)
        messages.success(
            request, _("New signing secret: from now on every delivery is signed with it.")
        )
        return redirect(self.detail_url())


class EndpointTestView(EndpointMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        delivery = services.webhook_ping(actor=request.user, endpoint=self.endpoint)
        messages.success(request, _("Test event %(id)s queued.") % {"id": delivery.message_id})
        return redirect(self.detail_url())


class DeliveryRedeliverView(WebhooksMixin, View):
    """POST: send a delivery again (fresh attempts, same message id)."""

    http_method_names = ["post"]

    def load_objects(self) -> None:
        try:
            self.delivery = selectors.partner_delivery(partner=self.partner, pk=self.kwargs["pk"])
        except WebhookDelivery.DoesNotExist:
            raise Http404(_("No such delivery.")) from None

    def post(self, request, *args, **kwargs):
        delivery = self.delivery
        if services.delivery_redeliver(actor=request.user, delivery=delivery):
            text = _("Delivery %(id)s queued to be sent again.")
            messages.success(request, text % {"id": delivery.message_id})
        else:
            text = _("Delivery %(id)s is already queued or sending.")
            messages.info(request, text % {"id": delivery.message_id})
        return redirect("webhooks:endpoint_detail", pk=delivery.endpoint_id)
