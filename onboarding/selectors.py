"""Reads of onboarding requests, always starting from the signed-in user's partner."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from lmp.partners.models import Partner
from onboarding.models import OnboardingRequest, Shipment


def onboarding_request_list(*, partner: Partner) -> QuerySet[OnboardingRequest]:
    """Orders the partner submitted, or that were submitted on its licenses, with shipments."""
    return (
        OnboardingRequest.objects.filter(Q(partner=partner) | Q(license__partner=partner))
        .select_related("license", "customer", "submitted_by", "partner", "sub_partner")
        .prefetch_related(
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("appliance", "address").order_by("id"),
            )
        )
        .order_by("-submitted_at", "-id")
    )


def onboarding_request_get(*, partner: Partner, pk: int) -> OnboardingRequest:
    """One order the partner may see, or 404."""
    return get_object_or_404(onboarding_request_list(partner=partner), pk=pk)
