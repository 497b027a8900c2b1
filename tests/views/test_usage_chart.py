"""The usage chart on the license page (allocated against commitment) and on a customer's history
page (its users per pool): an SVG image with its title and description, and the figures as a
table, in English and French."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from licenses import services
from licenses.choices import ServiceTier
from licenses.models import VolumeLicense
from tests.factories import MembershipFactory
from tests.helpers.clock import ControlledClock

pytestmark = pytest.mark.django_db

DAY = 24 * 3600
# 09:00 in Toronto on Jan 10, 2025; the page is read on Nov 30, 2026 (before the real today, so
# the test's login session is still valid).
START = dt.datetime(2025, 1, 10, 14, 0, tzinfo=dt.UTC)
TODAY = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    clock = ControlledClock(START)
    clock.start()
    yield clock
    clock.stop()


def at(clock, when: dt.datetime) -> None:
    clock.advance(seconds=int((when - clock.now()).total_seconds()))


@pytest.fixture
def history(clock, partner):
    """A Core pool of 400 from Jan 10, 2025: Acme 120 (Feb 20, 2025), 300 (Sep 1, 2025), the
    commitment 500 (the same day), Globex 42 with 6 MDR Cloud users (Jul 1, 2026)."""

    def license_of(tier, seats):
        return services.license_save(
            license=VolumeLicense(
                partner=partner,
                tier=tier,
                seat_commitment=seats,
                renewal_date=dt.date(2027, 1, 31),
                price_per_user=Decimal("14.50"),
            )
        )

    core = license_of(ServiceTier.CORE, 400)
    cloud = license_of(ServiceTier.CLOUD, 50)
    at(clock, dt.datetime(2025, 2, 20, 15, tzinfo=dt.UTC))
    acme = services.customer_create(
        partner=partner,
        license=core,
        legal_name="Acme",
        admin_email="it@acme.example",
        tier_users=120,
    )
    at(clock, dt.datetime(2025, 9, 1, 15, tzinfo=dt.UTC))
    core = VolumeLicense.objects.get(pk=core.pk)
    core.seat_commitment = 500
    services.license_save(license=core)
    services.customer_update(
        customer=acme, legal_name=None, tier_users=300, cloud_users=0, sat_users=0
    )
    at(clock, dt.datetime(2026, 7, 1, 15, tzinfo=dt.UTC))
    globex = services.customer_create(
        partner=partner,
        license=core,
        legal_name="Globex",
        admin_email="it@globex.example",
        tier_users=42,
        cloud_users=6,
    )
    at(clock, TODAY)
    return {"core": core, "cloud": cloud, "acme": acme, "globex": globex}


def chart_of(html: str) -> str:
    found = re.search(r'<section class="card[^"]*usage-card".*?</section>', html, re.S)
    assert found, "no usage chart on the page"
    return found.group(0)


def table_rows(chart: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", chart, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def license_page(client, license, **headers):
    url = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    return client.get(url, **headers)


def test_the_license_page_draws_allocated_against_commitment(partner_client, history):
    response = license_page(partner_client, history["core"])
    assert response.status_code == 200
    chart = chart_of(response.text)
    assert re.search(
        r'<svg class="usage-chart" viewBox="0 0 \d+ \d+" role="img" '
        r'aria-labelledby="usage-title" aria-describedby="usage-desc"',
        chart,
    )
    assert (
        '<title id="usage-title">MDR Core: allocated users and seat commitment, '
        "Nov 30, 2024 to Nov 30, 2026</title>"
    ) in chart
    assert (
        '<desc id="usage-desc">Allocated users rose from 0 to 342 between Jan 10, 2025 and '
        "Nov 30, 2026. Seat commitment rose from 400 to 500 between Jan 10, 2025 and "
        "Nov 30, 2026. No figures before Jan 10, 2025: the history starts then.</desc>"
    ) in chart
    # Two lines, the commitment dashed; a legend names both.
    assert chart.count("<polyline ") == 2
    assert re.search(r'<polyline class="chart-line line-secondary" [^>]*stroke-dasharray', chart)
    assert "Allocated users</li>" in chart and "Seat commitment</li>" in chart
    rows = table_rows(chart)
    assert len(rows) == 24
    assert rows[0] == ["December 2024", "no data", "no data"]
    assert rows[1] == ["January 2025", "0", "400"]
    assert rows[2] == ["February 2025", "120", "400"]
    assert rows[8] == ["August 2025", "120", "400"]
    assert rows[9] == ["September 2025", "300", "500"]
    assert rows[-1] == ["November 2026 (to Nov 30, 2026)", "342", "500"]
    # Months on the axis: each quarter's first, with its year.
    assert re.search(r"<tspan [^>]*>Jan</tspan><tspan [^>]*>2026</tspan>", chart)


def test_the_chart_is_french_in_french(partner_client, history):
    partner_client.cookies["lmp_language"] = "fr-ca"
    chart = chart_of(license_page(partner_client, history["core"]).text)
    # The month as the portal's French dates write it ("10 jan. 2025", lmp/formats/fr_CA).
    assert re.search(r"<tspan [^>]*>jan\.</tspan><tspan [^>]*>2026</tspan>", chart)
    assert re.search(r"<tspan [^>]*>juil\.</tspan><tspan [^>]*>2026</tspan>", chart)
    assert "Utilisateurs attribués" in chart
    rows = table_rows(chart)
    assert rows[9] == ["septembre 2025", "300", "500"]
    assert rows[-1][0] == "novembre 2026 (au 30 nov. 2026)"


def test_a_refresh_of_the_customer_table_reads_no_usage(
    partner_client, history, django_assert_max_num_queries
):
    """htmx asks for the table alone: the chart is not computed again."""
    with django_assert_max_num_queries(6):
        response = license_page(
            partner_client, history["core"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-table"
        )
    assert "usage-chart" not in response.text


def test_the_customer_history_page_draws_its_users_per_pool(partner_client, history):
    url = reverse(
        "licenses:customer_history",
        kwargs={"license_pk": history["core"].pk, "pk": history["globex"].pk},
    )
    chart = chart_of(partner_client.get(url).text)
    assert (
        '<title id="usage-title">Globex: users per pool, Nov 30, 2024 to Nov 30, 2026</title>'
        in chart
    )
    assert (
        "MDR Core Users rose from 42 to 42" not in chart
        and "MDR Core Users stayed at 42 from Jul 1, 2026 to Nov 30, 2026." in chart
    )
    assert "MDR Cloud Users stayed at 6 from Jul 1, 2026 to Nov 30, 2026." in chart
    rows = table_rows(chart)
    assert rows[0] == ["December 2024", "no data", "no data"]
    assert rows[19] == ["July 2026", "42", "6"]
    assert "MDR Core Users</li>" in chart and "MDR Cloud Users</li>" in chart


def test_the_cloud_pool_counts_other_tiers_cloud_users(partner_client, history):
    chart = chart_of(license_page(partner_client, history["cloud"]).text)
    assert table_rows(chart)[-1] == ["November 2026 (to Nov 30, 2026)", "6", "50"]


def test_a_sub_partner_sees_no_chart_of_the_owners_commitment(
    partner_client, other_partner, history
):
    """Shared with Contoso: its page shows the users it may allocate, not the owner's terms."""
    history["core"].sub_partners.add(other_partner)
    owner = license_page(partner_client, history["core"])
    assert "usage-chart" in owner.text
    partner_client.force_login(MembershipFactory(partner=other_partner).user)
    response = license_page(partner_client, history["core"])
    assert response.status_code == 200
    assert "usage-chart" not in response.text
    assert "Seat commitment" not in response.text
