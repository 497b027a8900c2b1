"""Records kept as they happened share one read-only admin base, ``lmp.core.admin``."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

READ_ONLY = {
    "AllocationEvent",
    "ApiKey",
    "LicenseAlert",
    "OnboardingRequest",
    "Purchase",
    "ScheduledCommitmentChange",
    "SeatAllocation",
    "Statement",
    "TeamEvent",
}
OURS = {"lmp", "licenses", "onboarding", "shipping"}  # not the libraries' admins (django-tasks-db)
PERMISSIONS = ("has_add_permission", "has_change_permission", "has_delete_permission")


def _refuses_all(model_admin, request) -> bool:
    return not any(getattr(model_admin, name)(request) for name in PERMISSIONS)


@pytest.mark.django_db
def test_every_read_only_admin_uses_the_one_base(staff_user):
    from lmp.core.admin import ReadOnlyModelAdmin

    request = RequestFactory().get("/admin/")
    request.user = staff_user  # a superuser: nothing but the admin class refuses
    read_only = {
        model.__name__: model_admin
        for model, model_admin in admin.site._registry.items()
        if type(model_admin).__module__.split(".")[0] in OURS and _refuses_all(model_admin, request)
    }
    assert set(read_only) == READ_ONLY
    for name, model_admin in read_only.items():
        assert isinstance(model_admin, ReadOnlyModelAdmin), name
        # The refusal is the base's, not restated in each class.
        restated = [p for p in PERMISSIONS if p in type(model_admin).__dict__]
        assert restated == [], f"{name} restates {restated}"


@pytest.mark.django_db
def test_a_read_only_record_cannot_be_changed_through_admin(staff_user, client):
    # What staff would notice: the change page of a read-only record has no Save button, and a
    # POST to it changes nothing (403).
    from django.urls import reverse

    from lmp.partners.choices import TeamEventKind
    from lmp.partners.models import TeamEvent
    from tests.factories import PartnerFactory

    event = TeamEvent.objects.create(
        partner=PartnerFactory(), kind=TeamEventKind.INVITED, email="a@example.com"
    )
    from tests.helpers.auth import verified_login

    verified_login(client, staff_user)
    url = reverse("admin:partners_teamevent_change", args=[event.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"email": "b@example.com"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.email == "a@example.com"
