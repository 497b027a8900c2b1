"""The license page and the License tab as of a past date (``?as_of=YYYY-MM-DD``): what the page
showed live that day, read-only, searchable, sortable, exportable, in constant queries."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from openpyxl import load_workbook

from licenses import services
from licenses.choices import (
    TIER_USERS_LABELS,
    AllocationEventKind,
    AllocationEventSource,
    ServiceTier,
)
from licenses.models import AllocationEvent, VolumeLicense
from tests.factories import VolumeLicenseFactory
from tests.helpers.clock import ControlledClock
from tests.helpers.customers import bulk_customers

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "customer-table"}
# 14:00 in the portal's time zone (America/Toronto), well inside each day.
START = dt.datetime(2025, 3, 1, 19, 0, tzinfo=dt.UTC)
DAY = 24 * 3600


def page_url(license: VolumeLicense, **query) -> str:
    url = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def metrics(response) -> dict[str, str]:
    """The dashboard's figures as the page prints them."""
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", value)).strip()
        for name, value in re.findall(r'data-metric="([\w-]+)">(.*?)</div>', response.text, re.S)
    }


def rows(response) -> list[tuple[int, str, list[str]]]:
    """Each row's customer id, its name and its counts, in the page's order."""
    found = []
    for pk, cells in re.findall(r'<tr [^>]*data-customer="(\d+)">(.*?)</tr>', response.text, re.S):
        name = re.search(r'customer-name">([^<]*)<', cells)[1]
        counts = re.findall(r'<td class="[^"]*tabular-nums[^"]*">([^<]*)</td>', cells)
        found.append((int(pk), html.unescape(name), counts))
    return found


class History:
    """A Complete license (and an MDR Cloud one) changed over four days of 2025.

    ``visit(history)``, if given, runs on the evening of 2 March (the clock then), and its answer
    is kept as ``live``: what the pages showed live that day.
    """

    def __init__(self, partner, visit=None) -> None:
        self.live = None
        clock = ControlledClock(START)
        clock.start()
        try:
            self.build(partner, clock, visit)
        finally:
            clock.stop()

    def build(self, partner, clock, visit) -> None:
        def new(tier, seats):
            return services.license_save(
                license=VolumeLicense(
                    partner=partner,
                    tier=tier,
                    seat_commitment=seats,
                    renewal_date=dt.date(2026, 1, 31),
                    price_per_user=Decimal("14.50"),
                )
            )

        # 1 March: the licenses.
        self.complete, self.cloud = new(ServiceTier.COMPLETE, 100), new(ServiceTier.CLOUD, 50)
        # 2 March: two customers.
        clock.advance(seconds=DAY)
        self.maple = services.customer_create(
            partner=partner,
            license=self.complete,
            legal_name="Maple Leaf Dental Group",
            admin_email="it@maple.example",
            tier_users=10,
            cloud_users=2,
            sat_users=3,
        )
        self.harbour = services.customer_create(
            partner=partner,
            license=self.complete,
            legal_name="Harbourfront Logistics",
            admin_email="it@harbour.example",
            tier_users=20,
        )
        clock.advance(seconds=3600)
        if visit is not None:
            self.live = visit(self)
        # 3 March: an edit, a rename, an offboarding, a bigger commitment, a new license.
        clock.advance(seconds=DAY)
        services.customer_update(
            customer=self.maple,
            legal_name="Maple Leaf Dental",
            tier_users=30,
            cloud_users=5,
            sat_users=3,
        )
        services.customer_offboard(customer=self.harbour)
        self.complete.refresh_from_db()
        self.complete.seat_commitment = 200
        self.complete.price_per_user = Decimal("16.00")
        services.license_save(license=self.complete, source=AllocationEventSource.ADMIN)
        self.core = new(ServiceTier.CORE, 40)
        # 4 March: one more customer.
        clock.advance(seconds=DAY)
        self.cedar = services.customer_create(
            partner=partner,
            license=self.complete,
            legal_name="Cedar Ridge Clinic",
            admin_email="it@cedar.example",
            tier_users=7,
        )


@pytest.fixture
def history(partner) -> History:
    return History(partner)


@pytest.fixture
def live_on_march_2(partner, partner_client):
    """The history, with the license page and the License tab as they were on 2 March."""
    history = History(
        partner,
        visit=lambda h: (
            partner_client.get(page_url(h.complete)),
            partner_client.get(reverse("licenses:license_list")),
        ),
    )
    return history, *history.live


def test_the_page_as_of_a_day_shows_what_it_showed_live_that_day(live_on_march_2, partner_client):
    history, live, _tab = live_on_march_2
    assert live.status_code == 200 and "As it stood" not in live.text
    then = partner_client.get(page_url(history.complete, as_of="2025-03-02"))
    assert then.status_code == 200
    assert metrics(then) == metrics(live)
    assert metrics(then)["commitment"] == "100"
    assert metrics(then)["allocated"] == "30"
    assert rows(then) == rows(live)
    assert [name for _pk, name, _counts in rows(then)] == [
        "Harbourfront Logistics",
        "Maple Leaf Dental Group",  # its name then
    ]
    # And today the page shows today's.
    now = partner_client.get(page_url(history.complete))
    assert metrics(now)["commitment"] == "200"
    assert [name for _pk, name, _c in rows(now)] == ["Cedar Ridge Clinic", "Maple Leaf Dental"]


def test_the_license_tab_as_of_a_day(live_on_march_2, partner_client):
    history, _page, live_tab = live_on_march_2
    tab = partner_client.get(reverse("licenses:license_list") + "?as_of=2025-03-02")
    assert tab.status_code == 200
    text = tab.text
    assert "As it stood at the end of" in text
    complete = text[text.index(f'/{history.complete.pk}/?as_of=2025-03-02"') :]
    complete = complete[: complete.index("</article>")]
    assert "<dd>100</dd>" in complete and "<dd>30</dd>" in complete
    # The Core license came on 3 March.
    core = text[text.index(f'/{history.core.pk}/?as_of=2025-03-02"') :]
    core = core[: core.index("</article>")]
    assert "Did not exist yet" in core and "<dd>" not in core
    # The live tab of that day said the same of the Complete license.
    live_complete = live_tab.text[live_tab.text.index(f"/licenses/{history.complete.pk}/") :]
    assert "<dd>100</dd>" in live_complete[: live_complete.index("</article>")]


def test_as_of_is_read_only_and_says_so(history, partner_client):
    response = partner_client.get(page_url(history.complete, as_of="2025-03-03"))
    text = response.text
    day = date_format(dt.date(2025, 3, 3))
    assert f"As it stood at the end of {day} — read-only" in html.unescape(text)
    assert "History is complete from" in text
    # Nothing to change: no edit or offboard link, no threshold form, no New Customer, and no
    # form posts anything but the logout.
    assert "/edit/" not in text and "/offboard/" not in text
    assert 'id="threshold-form"' not in text
    assert "New Customer" not in text
    posts = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', text)
    assert reverse("logout") in posts
    assert not [action for action in posts if action.startswith("/licenses/")]
    # The offboarded-then list: Harbourfront, offboarded that day, with its date.
    gone = partner_client.get(page_url(history.complete, as_of="2025-03-03", status="offboarded"))
    assert [name for _pk, name, _c in rows(gone)] == ["Harbourfront Logistics"]
    assert [counts for _pk, _n, counts in rows(gone)] == [["0", "0", "0"]]
    # The live page still offers the changes.
    assert "/edit/" in partner_client.get(page_url(history.complete)).text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-13-40", "Enter a valid date in the form YYYY-MM-DD."),
        ("31/10/2025", "Enter a valid date in the form YYYY-MM-DD."),
        ("today", "Choose a day before today"),
        ("tomorrow", "Choose a day before today"),
        ("", "Choose a date."),
    ],
)
def test_a_refused_date_is_said_next_to_the_field(history, partner_client, value, message):
    today = timezone.localdate()
    value = {
        "today": today.isoformat(),
        "tomorrow": (today + dt.timedelta(days=1)).isoformat(),
    }.get(value, value)
    response = partner_client.get(page_url(history.complete, as_of=value))
    assert response.status_code == 200
    text = html.unescape(response.text)
    errors = text[text.index('id="as-of-errors"') :]
    assert message in errors[: errors.index("</div>")]
    assert f'value="{value}"' in text  # the input keeps what was typed
    assert 'aria-invalid="true"' in text
    assert "As it stood" not in text
    # The live page, then.
    assert metrics(response)["commitment"] == "200"


def test_before_the_license_existed_the_page_says_so(history, partner_client):
    response = partner_client.get(page_url(history.complete, as_of="2025-02-28"))
    assert response.status_code == 200
    day = date_format(dt.date(2025, 2, 28))
    assert f"This license did not exist yet on {day}." in response.text
    assert 'id="customer-table"' not in response.text
    assert "data-metric" not in response.text
    # And its export has nothing to export.
    export = partner_client.get(
        reverse("licenses:license_export", kwargs={"pk": history.complete.pk}) + "?as_of=2025-02-28"
    )
    assert export.status_code == 404


def test_another_partners_license_is_a_404_as_of_a_date(history, partner_client, other_partner):
    other = VolumeLicenseFactory(partner=other_partner)
    assert partner_client.get(page_url(other, as_of="2025-03-02")).status_code == 404
    export = reverse("licenses:license_export", kwargs={"pk": other.pk}) + "?as_of=2025-03-02"
    assert partner_client.get(export).status_code == 404


def test_the_export_as_of_a_day_is_that_days_list(history, partner_client, partner):
    url = reverse("licenses:license_export", kwargs={"pk": history.complete.pk})
    response = partner_client.get(url + "?as_of=2025-03-02&status=")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "customers-all-as-of-2025-03-02.xlsx" in disposition
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert "Customers as they stood at the end of" in sheet["A2"].value
    header = [cell.value for cell in sheet[4]]
    names = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]]
    assert names[:2] == ["Harbourfront Logistics", "Maple Leaf Dental Group"]
    users = header.index("MDR Complete Users")
    statuses = header.index("Status")
    harbour = next(sheet.iter_rows(min_row=5, max_row=5, values_only=True))
    assert harbour[users] == 20 and harbour[statuses] == "Active"
    assert not any("at offboarding" in str(value) for value in header)
    # Its History sheet ends that day: no change of 3 or 4 March.
    changes = book.worksheets[1]
    whens = [row[0] for row in changes.iter_rows(min_row=5, values_only=True)]
    whens = [when for when in whens if isinstance(when, dt.datetime)]
    assert len(whens) == 9  # the licenses' terms on 1 March, the two onboardings on 2 March
    assert max(whens).date() == dt.date(2025, 3, 2)


def test_search_sort_htmx_and_pages_keep_the_date(history, partner_client):
    # "Group" was in Maple's name then, not now.
    found = partner_client.get(page_url(history.complete, as_of="2025-03-02", q="Group"))
    assert [name for _pk, name, _c in rows(found)] == ["Maple Leaf Dental Group"]
    assert [
        name for _pk, name, _c in rows(partner_client.get(page_url(history.complete, q="Group")))
    ] == []
    # Sorted by users, most first: Harbourfront's 20 before Maple's 10.
    by_users = partner_client.get(
        page_url(history.complete, as_of="2025-03-02", sort="-license_users")
    )
    assert [name for _pk, name, _c in rows(by_users)] == [
        "Harbourfront Logistics",
        "Maple Leaf Dental Group",
    ]
    # The htmx fragment of a search.
    fragment = partner_client.get(
        page_url(history.complete, as_of="2025-03-02", q="harbour"), **HTMX
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert [name for _pk, name, _c in rows(fragment)] == ["Harbourfront Logistics"]
    # The filter form keeps the date (so search, filter and Export keep it); pages link with it.
    page = partner_client.get(page_url(history.complete, as_of="2025-03-02", per_page=1))
    assert '<input type="hidden" name="as_of" value="2025-03-02">' in page.text
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html.unescape(page.text))
    assert links and all("as_of=2025-03-02" in link for link in links)


def test_a_sub_partner_sees_its_own_customers_as_of_a_day(
    history, partner, other_partner, other_client
):
    history.complete.sub_partners.add(other_partner)
    clock = ControlledClock(dt.datetime(2025, 3, 5, 19, 0, tzinfo=dt.UTC))
    clock.start()
    try:
        services.customer_create(
            partner=partner,
            sub_partner=other_partner,
            license=history.complete,
            legal_name="Lakeside Vet",
            admin_email="it@lakeside.example",
            tier_users=4,
        )
    finally:
        clock.stop()
    response = other_client.get(page_url(history.complete, as_of="2025-03-05"))
    assert response.status_code == 200
    assert [name for _pk, name, _c in rows(response)] == ["Lakeside Vet"]
    assert 'data-metric="commitment"' not in response.text  # the owner's terms stay its own
    assert metrics(response)["managed-users"] == "4"
    before = other_client.get(page_url(history.complete, as_of="2025-03-04"))
    assert rows(before) == []


def _history(license, customers: int, *, months: int, first: int = 0) -> None:
    """The ``customers`` of ``license`` onboarded two years ago, each with an edit of its users
    every month from month ``first`` to ``months``."""
    start = timezone.now() - dt.timedelta(days=730)
    for pk, name in license.customers.values_list("pk", "legal_name"):
        opening = [
            AllocationEvent(
                license=license,
                customer_id=pk,
                at=start,
                kind=AllocationEventKind.ONBOARDED,
                what="Legal name",
                to_text=name,
            )
        ]
        events = [
            *(opening if not first else []),
            *(
                AllocationEvent(
                    license=license,
                    customer_id=pk,
                    at=start + dt.timedelta(days=30 * month),
                    kind=AllocationEventKind.EDITED if month else AllocationEventKind.ONBOARDED,
                    what=TIER_USERS_LABELS[license.tier],
                    from_value=month,
                    to_value=month + 1,
                )
                for month in range(first, months)
            ),
        ]
        AllocationEvent.objects.bulk_create(events)
    if first:
        return
    AllocationEvent.objects.create(
        license=license,
        at=start - dt.timedelta(days=1),
        kind=AllocationEventKind.COMMITMENT_CHANGED,
        what="Seat commitment",
        from_value=0,
        to_value=license.seat_commitment,
    )
    assert license.customers.count() == customers


def test_queries_are_constant_whatever_the_customers_and_the_history(
    partner, partner_client, cloud_license, django_assert_num_queries
):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    def measure(license, customers) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = partner_client.get(page_url(license, as_of=yesterday))
        assert response.status_code == 200
        assert len(rows(response)) == customers
        return len(captured)

    few = VolumeLicenseFactory(partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=10_000)
    many = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=10_000)
    bulk_customers(few, 5, cloud=cloud_license)
    few.customers.update(legal_name=Concat(Value("Few "), "legal_name"))
    bulk_customers(many, 50)
    _history(few, 5, months=2)
    _history(many, 50, months=2)
    counted = {"5 customers, 2 months": measure(few, 5), "50 customers": measure(many, 50)}
    _history(few, 5, months=20, first=2)
    counted["5 customers, 20 months"] = measure(few, 5)
    assert len(set(counted.values())) == 1, counted
    assert counted["5 customers, 2 months"] <= 10
    # A search also counts what it found (the page as it opens reads the dashboard's count).
    with django_assert_num_queries(counted["50 customers"] + 1):
        partner_client.get(page_url(many, as_of=yesterday, q="Bulk"))


def test_the_page_as_of_a_day_in_french(history, partner_client):
    partner_client.cookies["lmp_language"] = "fr-ca"
    response = partner_client.get(page_url(history.complete, as_of="2025-03-02"))
    text = html.unescape(response.text)
    assert '<html lang="fr-ca">' in text
    assert "Tel qu'à la fin du 2 mars 2025 — lecture seule" in text
    assert "Voir en date du" in text and "Retour à aujourd'hui" in text
    missing = partner_client.get(page_url(history.complete, as_of="2025-02-28"))
    with translation.override("fr-ca"):
        day = date_format(dt.date(2025, 2, 28))
    assert f"Cette licence n'existait pas encore le {day}." in html.unescape(missing.text)
    refused = partner_client.get(page_url(history.complete, as_of="2999-01-01"))
    assert "Choisissez un jour avant aujourd'hui" in html.unescape(refused.text)
