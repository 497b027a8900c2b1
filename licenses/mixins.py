"""Shared view plumbing of the license pages, on top of lmp.partners' ``PartnerMixin``."""

from __future__ import annotations

from django.utils.cache import patch_vary_headers

from licenses.choices import ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from licenses.selectors import VisibleLicense, customer_page_get, license_get, license_is_own
from lmp.partners.mixins import PartnerMixin


class LicenseMixin(PartnerMixin):
    """Sets ``self.license`` from the URL: a license the partner owns or shares, else 404;
    ``self.visible``, how the partner sees it, and ``self.is_own`` (the templates' ``visible``
    and ``is_own``)."""

    license: VolumeLicense
    visible: VisibleLicense | None = None
    is_own: bool
    license_url_kwarg = "pk"

    def load_objects(self) -> None:
        super().load_objects()
        self.visible = license_get(partner=self.partner, pk=self.kwargs[self.license_url_kwarg])
        self.license, self.is_own = self.visible.license, self.visible.is_own

    def get_context_data(self, **kwargs):
        kwargs.setdefault("license", self.license)
        kwargs.setdefault("visible", self.visible)
        kwargs.setdefault("is_own", self.is_own)
        return super().get_context_data(**kwargs)


class CustomerMixin(LicenseMixin):
    """Sets ``self.customer``: one the partner may see that holds seats of ``self.license``."""

    customer: CustomerAccount
    license_url_kwarg = "license_pk"

    def load_objects(self) -> None:
        # One query for the license, the customer, what it holds and its partner's Cloud pool
        # (not LicenseMixin's read of the license, then the customer's, then the pool's).
        self.customer = customer_page_get(
            partner=self.partner, license_pk=self.kwargs["license_pk"], pk=self.kwargs["pk"]
        )
        self.license = self.customer.page_license
        self.is_own = license_is_own(partner=self.partner, license=self.license)
        # Cloud users come from the license owner's MDR Cloud pool, whoever manages the customer.
        own = self.customer.license
        self.cloud_license = None if own.tier == ServiceTier.CLOUD else self.customer.cloud_pool

    def get_context_data(self, **kwargs):
        kwargs.setdefault("customer", self.customer)
        return super().get_context_data(**kwargs)


class HtmxPartialMixin:
    """Answer an htmx request aimed at ``htmx_target`` with just that fragment of the page."""

    htmx_target: str
    partial_template_name: str

    def is_partial_request(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        # A history restore (back button with a cold cache) needs the whole page.
        return bool(htmx) and not htmx.history_restore_request and (htmx.target == self.htmx_target)

    def get_template_names(self):
        if self.is_partial_request():
            return [self.partial_template_name]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The same URL answers with a page or a fragment: caches must key on the htmx headers.
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
