"""The demo's pages that read history, as a new user sees them after ``manage.py seed_demo`` on a
fresh database: the license page's forecast, the license as of a past date, Billing → Statements."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from tests.helpers.auth import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_client() -> Client:
    call_command("seed_demo", stdout=StringIO())
    return verified_login(Client(), get_user_model().objects.get(username="partner"))


def _complete() -> VolumeLicense:
    return VolumeLicense.objects.get(partner__name="Northwind MSP", tier=ServiceTier.COMPLETE)


def test_the_demo_license_page_forecasts_a_run_out(demo_client):
    url = reverse("licenses:license_detail", kwargs={"pk": _complete().pk})
    text = demo_client.get(url).text
    assert "run out around" in text
    assert "Not enough history" not in text


def test_the_demo_license_page_as_of_a_year_ago(demo_client):
    day = timezone.localdate() - dt.timedelta(days=365)
    url = reverse("licenses:license_detail", kwargs={"pk": _complete().pk})
    response = demo_client.get(f"{url}?as_of={day:%Y-%m-%d}")
    assert response.status_code == 200
    assert "did not exist yet" not in response.text
    assert "Maple Leaf Dental Group" in response.text
    assert "Bytown Legal Services" in response.text  # a customer then, offboarded since
    assert "Harbourfront Logistics Inc." not in response.text  # not onboarded yet


def test_the_demo_has_statements(demo_client):
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    text = demo_client.get(reverse("billing:statements")).text
    assert last_month.strftime("%B %Y") in text
