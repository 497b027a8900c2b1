"""License tab, license page (dashboard, customer table, search, sort), edit and offboard views."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licenses.choices import CustomerStatus, ServiceTier
from licenses.models import CustomerAccount, VolumeLicense
from tests.factories import PartnerFactory, VolumeLicenseFactory, make_customer
from tests.helpers.customers import bulk_customers
from tests.helpers.edit import EditPage
from tests.helpers.messages import messages_of

# Session, user (with its membership and partner), license, MDR Cloud license, the page's rows; a
# search or another status also counts its rows (the page as it opens reads the count the
# triggers keep on the license); the owner's page adds its usage series' 2 (licenses.usage: the
# chart and the seat forecast read it) and the commitment planned for its renewal (1); the htmx
# refresh of the table reads none of them.
LICENSE_PAGE_MAX_QUERIES = 8
LICENSE_SEARCH_MAX_QUERIES = 6
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "customer-table"}


def license_url(license: VolumeLicense) -> str:
    return reverse("licenses:license_detail", kwargs={"pk": license.pk})


def edit_url(license: VolumeLicense, customer: CustomerAccount) -> str:
    return reverse("licenses:customer_edit", kwargs={"license_pk": license.pk, "pk": customer.pk})


def offboard_url(license: VolumeLicense, customer: CustomerAccount) -> str:
    return reverse(
        "licenses:customer_offboard", kwargs={"license_pk": license.pk, "pk": customer.pk}
    )


def row_ids(response) -> list[int]:
    """Customer ids of the table rows, in the order the page shows them."""
    return [int(pk) for pk in re.findall(r'data-customer="(\d+)"', response.text)]


@pytest.fixture
def maple(complete_license):
    return make_customer(
        license=complete_license,
        legal_name="Maple Leaf Dental Group",
        tier_users=100,
        sat_users=60,
        website="https://mapleleafdental.example",
        admin_email="it@mapleleafdental.example",
    )


@pytest.fixture
def harbour(complete_license):
    return make_customer(
        license=complete_license,
        legal_name="Harbourfront Logistics Inc.",
        tier_users=100,
        website="https://harbourfront.example",
        admin_email="admin@harbourfront.example",
    )


# --- License tab -----------------------------------------------------------------------------


def test_license_tab_lists_own_and_shared_licenses_with_their_numbers(
    partner_client, partner, complete_license, core_license, other_license, other_partner, maple
):
    shared = VolumeLicenseFactory(
        partner=PartnerFactory(name="Lakeside IT"), tier=ServiceTier.CLOUD, seat_commitment=80
    )
    shared.sub_partners.add(partner)
    response = partner_client.get(reverse("licenses:license_list"))
    assert response.status_code == 200
    text = response.text
    # The product's order, not the alphabet's.
    assert text.index(">MDR Core<") < text.index(">MDR Complete<") < text.index(">MDR Cloud<")
    assert "Shared by Lakeside IT" in text
    assert "1,990" in text and "1,890" in text  # commitment, unallocated after Maple's 100
    assert complete_license.renewal_date.strftime("%b %-d, %Y") in text
    assert license_url(complete_license) in text
    assert license_url(shared) in text
    assert license_url(other_license) not in text


def card_customers(response) -> dict[str, int]:
    """The Customers figure of each License tab card, by the card's link."""
    cards = re.findall(
        r'href="(/licenses/\d+/)".*?<dt>Customers</dt><dd>([\d,]+)</dd>', response.text, re.S
    )
    return {url: int(n.replace(",", "")) for url, n in cards}


def test_license_tab_counts_own_customers_and_a_sub_partners_managed_ones(
    client,
    user,
    other_partner,
    other_user,
    complete_license,
    core_license,
    django_assert_num_queries,
):
    """Owner cards count every holder; a shared card counts only the sub-partner's customers.

    Within a tier the sub-partner's own license comes before the one shared with it, and the
    tab's queries do not grow with the number of licenses.
    """
    complete_license.sub_partners.add(other_partner)
    core_license.sub_partners.add(other_partner)
    for i in range(3):
        make_customer(license=complete_license, legal_name=f"Owner's {i}", tier_users=2)
    make_customer(
        license=complete_license, partner=other_partner, legal_name="Managed", tier_users=4
    )
    own = VolumeLicenseFactory(partner=other_partner, tier=ServiceTier.COMPLETE)
    make_customer(license=own, legal_name="Contoso's own", tier_users=1)
    make_customer(license=own, legal_name="Contoso's other", tier_users=1)

    client.force_login(other_user)
    # Session, user (with its partner), licenses, the managed customers' counts.
    with django_assert_num_queries(4):
        response = client.get(reverse("licenses:license_list"))
    assert card_customers(response) == {
        license_url(core_license): 0,
        license_url(own): 2,
        license_url(complete_license): 1,
    }
    assert list(card_customers(response)) == [
        license_url(core_license),
        license_url(own),
        license_url(complete_license),
    ]

    owner = Client()
    owner.force_login(user)
    with django_assert_num_queries(3):  # nothing shared with the owner: no count query
        response = owner.get(reverse("licenses:license_list"))
    assert card_customers(response)[license_url(complete_license)] == 4


def test_license_tab_without_licenses_explains_what_to_do(partner_client):
    response = partner_client.get(reverse("licenses:license_list"))
    assert "Your organisation has no volume licenses yet." in response.text


# --- License page: dashboard -----------------------------------------------------------------


def test_license_page_shows_dashboard_metrics(partner_client, complete_license, maple, harbour):
    response = partner_client.get(license_url(complete_license))
    assert response.status_code == 200
    text = response.text

    def metric(name: str) -> str:
        match = re.search(rf'data-metric="{name}">\s*(.*?)\s*<', text)
        assert match, name
        return match.group(1)

    assert metric("commitment") == "1,990"
    assert metric("allocated") == "200"
    assert metric("unallocated") == "1,790"
    assert metric("customers") == "2"
    assert metric("renewal") == complete_license.renewal_date.strftime("%b %-d, %Y")
    assert "renews in 120 days" in text
    assert metric("price") == "$14.50"
    assert metric("monthly-total") == "$28,855.00"  # 14.50 × 1,990
    assert "CAD" in text
    assert "New Customer" in text and "Export to Excel" in text


def test_renewal_in_the_past_says_it_was_due(partner_client, complete_license):
    complete_license.renewal_date = timezone.localdate() - dt.timedelta(days=3)
    complete_license.save()
    response = partner_client.get(license_url(complete_license))
    assert "renewal was due 3 days ago" in response.text


def test_new_customer_links_to_onboarding_for_this_license(partner_client, complete_license):
    url = reverse("onboarding:wizard", kwargs={"license_pk": complete_license.pk})
    response = partner_client.get(license_url(complete_license))
    assert re.search(rf'href="{re.escape(url)}"[^>]*>.*New Customer', response.text)


def test_new_customer_falls_back_to_the_onboarding_tab(monkeypatch, complete_license):
    from django.urls import NoReverseMatch

    from licenses import views

    def reverse_without_wizard(name, *args, **kwargs):
        if name == "onboarding:wizard":
            raise NoReverseMatch(name)
        return reverse(name, *args, **kwargs)

    monkeypatch.setattr(views, "reverse", reverse_without_wizard)
    assert views.new_customer_url(complete_license) == reverse("onboarding:start")


# --- License page: customer table --------------------------------------------------------------


def test_customer_table_columns_on_complete(partner_client, complete_license, cloud_license, maple):
    make_customer(license=complete_license, legal_name="Cloudy Co", tier_users=5, cloud_users=7)
    response = partner_client.get(license_url(complete_license))
    text = response.text
    for header in (
        "Legal name",
        "MDR Complete Users",
        "MDR Cloud Users",
        "Beauceron SAT Users",
        "Sub-Partner",
        "Status",
        "Onboarded",
    ):
        assert f">{header}<" in text, header
    row = re.search(r'data-customer="\d+">(.*?)</tr>', text, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert cells[0].startswith("Cloudy Co")
    assert cells[1:4] == ["5", "7", "0"]
    assert "Active" in cells[5]
    assert "Edit" in text and "Offboard" in text


def test_core_page_has_no_sat_column_and_no_cloud_column_without_cloud_license(
    partner_client, core_license
):
    make_customer(license=core_license, tier_users=3)
    text = partner_client.get(license_url(core_license)).text
    assert ">MDR Core Users<" in text
    assert "Beauceron SAT Users" not in text
    assert "MDR Cloud Users" not in text


def test_cloud_page_lists_cloud_seats_of_every_customer(
    partner_client, core_license, cloud_license
):
    on_core = make_customer(
        license=core_license, legal_name="Rideau", tier_users=45, cloud_users=10
    )
    on_cloud = make_customer(license=cloud_license, legal_name="Skyline", tier_users=25)
    response = partner_client.get(license_url(cloud_license) + "?sort=-license_users")
    assert row_ids(response) == [on_cloud.pk, on_core.pk]
    text = response.text
    assert ">MDR Cloud Users<" in text and "Customer&#x27;s tier" in text
    assert re.search(r">\s*25\s*<", text) and re.search(r">\s*10\s*<", text)
    assert ">45<" not in text  # Rideau's Core users are not this license's seats


def test_search_matches_name_website_and_email(partner_client, complete_license, maple, harbour):
    url = license_url(complete_license)
    assert row_ids(partner_client.get(url, {"q": "maple"})) == [maple.pk]
    assert row_ids(partner_client.get(url, {"q": "HARBOURFRONT.EXAMPLE"})) == [harbour.pk]
    assert row_ids(partner_client.get(url, {"q": "it@maple"})) == [maple.pk]
    assert row_ids(partner_client.get(url, {"q": "dental group"})) == [maple.pk]
    empty = partner_client.get(url, {"q": "zzz"})
    assert row_ids(empty) == []
    assert "No customers match “zzz”." in empty.text


def test_htmx_search_returns_only_the_table_fragment(
    partner_client, complete_license, maple, harbour
):
    response = partner_client.get(license_url(complete_license), {"q": "harb"}, **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="customer-table"')
    assert "<html" not in response.text
    assert row_ids(response) == [harbour.pk]
    assert "HX-Request" in response["Vary"]
    # Same URL without htmx (no JavaScript, or a reload of the pushed URL): the whole page.
    page = partner_client.get(license_url(complete_license), {"q": "harb"})
    assert "<html" in page.text and row_ids(page) == [harbour.pk]
    # The search form works as a plain GET form, and the htmx attributes are on it.
    assert 'data-hx-trigger="input changed delay:300ms, search"' in page.text
    assert 'method="get"' in page.text


def test_history_restore_gets_the_whole_page(partner_client, complete_license):
    response = partner_client.get(
        license_url(complete_license), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert "<html" in response.text


def test_status_filter_defaults_to_active_and_shows_offboarded_on_request(
    partner_client, complete_license, maple, harbour
):
    from licenses.services import customer_offboard

    customer_offboard(customer=harbour)
    url = license_url(complete_license)
    assert row_ids(partner_client.get(url)) == [maple.pk]
    offboarded = partner_client.get(url, {"status": "offboarded"})
    assert row_ids(offboarded) == [harbour.pk]
    assert "Offboarded" in offboarded.text
    assert sorted(row_ids(partner_client.get(url, {"status": ""}))) == sorted(
        [maple.pk, harbour.pk]
    )
    assert row_ids(partner_client.get(url, {"status": "bogus"})) == []


def test_empty_license_shows_an_empty_state_with_new_customer(partner_client, complete_license):
    text = partner_client.get(license_url(complete_license)).text
    assert "No customers on this license yet." in text
    assert "1,990 unallocated users" in text


@pytest.fixture
def sortable(partner, complete_license, cloud_license):
    """Three customers whose every column sorts differently from their names."""
    lakeside = PartnerFactory(name="Lakeside IT")
    beacon = PartnerFactory(name="Beacon Partners")
    complete_license.sub_partners.add(lakeside, beacon)
    a = make_customer(
        license=complete_license,
        legal_name="alpha corp",
        tier_users=30,
        cloud_users=1,
        sat_users=5,
        sub_partner=lakeside,
    )
    b = make_customer(
        license=complete_license, legal_name="Bravo Ltd", tier_users=10, cloud_users=3, sat_users=10
    )
    c = make_customer(
        license=complete_license,
        legal_name="Charlie Inc",
        tier_users=20,
        cloud_users=2,
        sat_users=3,
        sub_partner=beacon,
    )
    now = timezone.now()
    for customer, days in ((a, 1), (b, 3), (c, 2)):
        CustomerAccount.objects.filter(pk=customer.pk).update(
            onboarded_at=now - dt.timedelta(days=days)
        )
    from licenses.services import customer_offboard

    customer_offboard(customer=b)
    return a, b, c


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("legal_name", "abc"),  # case-insensitive: "alpha" before "Bravo"
        ("-legal_name", "cba"),
        # b is offboarded: it holds 0 of everything (its seats went back to the pools).
        ("license_users", "bca"),
        ("-license_users", "acb"),
        ("cloud_users", "bac"),
        ("-cloud_users", "cab"),
        ("sat_users", "bca"),
        ("-sat_users", "acb"),
        ("sub_partner", "cab"),  # Beacon, Lakeside, then none
        ("status", "acb"),  # active (by name), then offboarded
        ("onboarded_at", "bca"),  # oldest first
        ("-onboarded_at", "acb"),
    ],
)
def test_every_column_sorts_on_the_server(
    partner_client, complete_license, sortable, sort, expected
):
    ids = dict(zip("abc", (c.pk for c in sortable), strict=True))
    response = partner_client.get(license_url(complete_license), {"status": "", "sort": sort})
    assert row_ids(response) == [ids[letter] for letter in expected]
    assert 'aria-sort="' in response.text


def test_pagination_shows_fifty_a_page_and_survives_bad_page_numbers(
    partner_client, complete_license
):
    bulk_customers(complete_license, 120)
    url = license_url(complete_license)
    first = partner_client.get(url)
    assert len(row_ids(first)) == 50
    assert "Showing 1–50 of 120 customers" in first.text
    last = partner_client.get(url, {"page": 3})
    assert len(row_ids(last)) == 20
    assert "Showing 101–120 of 120 customers" in last.text
    assert len(row_ids(partner_client.get(url, {"page": 999}))) == 20
    assert len(row_ids(partner_client.get(url, {"page": "abc"}))) == 50
    assert len(row_ids(partner_client.get(url, {"per_page": 100000}))) == 120
    pages = (
        set(row_ids(first))
        | set(row_ids(partner_client.get(url, {"page": 2})))
        | set(row_ids(last))
    )
    assert len(pages) == 120  # no row repeated or lost across pages


@pytest.mark.parametrize("count", [10, 1000])
def test_license_page_query_count_does_not_grow_with_customers(
    partner_client, complete_license, cloud_license, django_assert_max_num_queries, count
):
    VolumeLicense.objects.filter(pk=cloud_license.pk).update(seat_commitment=count)
    bulk_customers(complete_license, count, cloud=cloud_license)
    url = license_url(complete_license)
    with django_assert_max_num_queries(LICENSE_PAGE_MAX_QUERIES):
        response = partner_client.get(url, {"sort": "-cloud_users"})
    assert len(row_ids(response)) == min(count, 50)
    with django_assert_max_num_queries(LICENSE_SEARCH_MAX_QUERIES):
        response = partner_client.get(url, {"q": "bulk", "sort": "license_users"}, **HTMX)
    assert len(row_ids(response)) == min(count, 50)


def table_count(response) -> int:
    """The N of "Showing 1–50 of N customers" under the table."""
    return int(
        re.search(r"Showing [\d,]+–[\d,]+ of ([\d,]+) customer", response.text)[1].replace(",", "")
    )


def test_counts_the_page_shows_match_its_rows_through_onboard_edit_and_offboard(
    partner_client, complete_license, cloud_license
):
    from licenses import services

    customers = [
        make_customer(license=complete_license, tier_users=5, cloud_users=2 if i % 2 else 0)
        for i in range(5)
    ]
    services.customer_update(
        customer=customers[0], legal_name=customers[0].legal_name, tier_users=6, cloud_users=3
    )
    services.customer_update(
        customer=customers[1], legal_name=customers[1].legal_name, tier_users=5, cloud_users=0
    )
    services.customer_offboard(customer=customers[2])
    services.customer_offboard(customer=customers[3])  # it held cloud users
    bulk_customers(complete_license, 3)

    cases = [
        (complete_license, {}, 6),  # the page as it opens: the counter
        (complete_license, {"status": ""}, 8),
        (complete_license, {"status": "offboarded"}, 2),
        (complete_license, {"q": "bulk"}, 3),
        (cloud_license, {}, 1),  # only customers[0] still holds MDR Cloud users
    ]
    for license, params, expected in cases:
        response = partner_client.get(license_url(license), {**params, "per_page": 200})
        assert table_count(response) == expected == len(row_ids(response)), (license, params)
        if not params:
            metric = re.search(r'data-metric="customers">([\d,]+)<', response.text)[1]
            assert int(metric) == expected


def test_anonymous_user_is_sent_to_login(client, complete_license):
    response = client.get(license_url(complete_license))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Tenancy ---------------------------------------------------------------------------------


def test_other_partner_gets_404_on_every_url_get_and_post(other_client, complete_license, maple):
    complete_license.refresh_from_db()
    before = (complete_license.allocated, maple.legal_name)
    urls = [
        license_url(complete_license),
        reverse("licenses:license_export", kwargs={"pk": complete_license.pk}),
        edit_url(complete_license, maple),
        offboard_url(complete_license, maple),
    ]
    for url in urls:
        assert other_client.get(url).status_code == 404, url
        hijack = {"legal_name": "Hijacked", "tier_users": "1"}
        assert other_client.post(url, hijack).status_code == 404, url
    maple.refresh_from_db()
    complete_license.refresh_from_db()
    assert (complete_license.allocated, maple.legal_name) == before
    assert maple.status == CustomerStatus.ACTIVE


def test_customer_urls_404_for_a_customer_not_on_that_license(
    partner_client, complete_license, core_license, maple
):
    assert partner_client.get(edit_url(core_license, maple)).status_code == 404
    assert partner_client.get(offboard_url(core_license, maple)).status_code == 404


def test_other_partners_customer_under_own_license_url_is_404(
    partner_client, complete_license, other_license
):
    theirs = make_customer(license=other_license, tier_users=5)
    assert partner_client.get(edit_url(complete_license, theirs)).status_code == 404
    assert partner_client.post(offboard_url(complete_license, theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CustomerStatus.ACTIVE


def test_sub_partner_sees_shared_license_but_only_its_own_customers(
    client, user, other_partner, other_user, complete_license, maple
):
    complete_license.sub_partners.add(other_partner)
    managed = make_customer(
        license=complete_license,
        partner=other_partner,
        legal_name="Managed By Contoso",
        tier_users=7,
    )
    client.force_login(other_user)
    response = client.get(license_url(complete_license))
    assert response.status_code == 200
    assert row_ids(response) == [managed.pk]
    assert "Maple Leaf" not in response.text
    # Its counts are of its own customers too (the owner's counter holds both).
    assert table_count(response) == 1
    assert re.search(r'data-metric="customers">1<', response.text)
    owner = Client()
    owner.force_login(user)
    assert 'data-metric="customers">2<' in owner.get(license_url(complete_license)).text
    assert client.get(edit_url(complete_license, maple)).status_code == 404
    assert client.get(edit_url(complete_license, managed)).status_code == 200
    assert "Shared by Northwind MSP" in client.get(reverse("licenses:license_list")).text


# --- Edit ------------------------------------------------------------------------------------


def test_edit_page_shows_fields_and_remaining_users(
    partner_client, complete_license, cloud_license, maple
):
    response = partner_client.get(edit_url(complete_license, maple))
    assert response.status_code == 200
    text = response.text
    assert 'value="Maple Leaf Dental Group"' in text
    for label in (
        "Customer Legal Name",
        "MDR Complete Users",
        "MDR Cloud Users",
        "Beauceron SAT Users",
    ):
        assert label in text
    assert ">Submit<" in text
    # Remaining for this customer: the pool's unallocated + what it already holds, as the
    # policy computes it, for seats.js.
    assert 'data-seats-available="1990"' in text and 'data-seats-held="100"' in text
    assert 'data-seats-unallocated="1890"' in text
    assert 'data-seats-available="300"' in text and 'data-seats-input="id_cloud_users"' in text
    assert 'data-seats-max-from="id_tier_users"' in text  # SAT users <= tier users, live
    assert "<script>" not in text and "onclick" not in text


def test_edit_page_without_cloud_license_or_on_core_hides_those_fields(
    partner_client, core_license
):
    customer = make_customer(license=core_license, tier_users=4)
    text = partner_client.get(edit_url(core_license, customer)).text
    assert "MDR Core Users" in text
    assert 'name="cloud_users"' not in text
    assert 'name="sat_users"' not in text


def test_edit_submit_changes_users_and_says_what_changed(
    partner_client, complete_license, cloud_license, maple
):
    response = EditPage(partner_client, maple, complete_license).post(
        {
            "legal_name": "Maple Leaf Dental",
            "tier_users": "120",
            "cloud_users": "15",
            "sat_users": "60",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == license_url(complete_license)
    [message] = messages_of(response)
    assert "Legal name “Maple Leaf Dental Group” → “Maple Leaf Dental”" in message
    assert "MDR Complete Users 100 → 120" in message
    assert "MDR Cloud Users 0 → 15" in message
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (120, 15)
    assert re.search(r'data-metric="allocated">\s*120\s*<', response.text)
    assert "Maple Leaf Dental<" in response.text


# The user (with its partner), one read for the page (license, customer, what it holds, the
# Cloud pool), then the service: BEGIN, the customer's lock, its allocations, the history, the
# seats, the partner's webhook endpoints (issue 15: one read, none subscribed), COMMIT. Before
# issue 12 the view read the license, the customer, the Cloud pool and the allocations apart, and
# the service read the allocations again.
# (BEGIN and COMMIT are counted: inside the test's transaction they are a SAVEPOINT and its
# RELEASE.) The success message rides in a cookie, so the session is not written.
EDIT_POST_MAX_QUERIES = 9
# A database-backed session (the project's) adds its read.
SESSION_QUERIES = 1


@pytest.mark.parametrize("session", ["db", "signed_cookies"])
def test_an_edit_post_reads_each_thing_once(
    client, user, complete_license, cloud_license, maple, django_assert_max_num_queries, session
):
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    engine = f"django.contrib.sessions.backends.{session}"
    with override_settings(SESSION_ENGINE=engine):
        client.force_login(user)
        edit = EditPage(client, maple, complete_license)
        limit = EDIT_POST_MAX_QUERIES + (SESSION_QUERIES if session == "db" else 0)
        post = {"legal_name": maple.legal_name, "tier_users": "150", "sat_users": "60"}
        with (
            django_assert_max_num_queries(limit),
            CaptureQueriesContext(connection) as queries,
        ):
            response = edit.post(post)
        assert response.status_code == 302
        # (Read before the next request: each request clears the connection's query log.)
        reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        assert [m.message for m in client.get(license_url(complete_license)).context["messages"]]
    # The allocations are read once, by the service, under the customer's lock (the page's one
    # read joins the customer's own allocation for its counts).
    assert sum(sql.startswith('SELECT "licenses_seatallocation".') for sql in reads) == 1
    complete_license.refresh_from_db()
    assert complete_license.allocated == 150


def test_edit_without_changes_says_so(partner_client, complete_license, maple):
    response = EditPage(partner_client, maple, complete_license).post(
        {"legal_name": maple.legal_name, "tier_users": "100", "sat_users": "60"},
        follow=True,
    )
    assert messages_of(response) == ["No changes to Maple Leaf Dental Group."]


@pytest.mark.parametrize(
    ("data", "field", "typed"),
    [
        ({"tier_users": "5000"}, "tier_users", "5000"),  # over the pool
        ({"tier_users": "-3"}, "tier_users", "-3"),
        ({"tier_users": "abc"}, "tier_users", "abc"),
        ({"cloud_users": "-1"}, "cloud_users", "-1"),
        ({"cloud_users": "999"}, "cloud_users", "999"),  # cloud pool has 300
        ({"sat_users": "151"}, "sat_users", "151"),  # more than the 150 tier users
        (
            {"legal_name": "harbourfront logistics INC."},
            "legal_name",
            "harbourfront logistics INC.",
        ),
        ({"legal_name": "   "}, "legal_name", None),
    ],
)
def test_edit_errors_show_next_to_the_field_with_what_was_typed(
    partner_client, complete_license, cloud_license, maple, harbour, data, field, typed
):
    post = {
        "legal_name": "Maple Renamed",
        "tier_users": "150",
        "cloud_users": "0",
        "sat_users": "0",
        **data,
    }
    response = EditPage(partner_client, maple, complete_license).post(post)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.get(field), form.errors
    assert set(form.errors) == {field}
    text = response.text
    assert re.search(rf'name="{field}"[^>]*is-invalid|is-invalid[^>]*name="{field}"', text)
    if typed is not None:
        assert f'value="{typed}"' in text
    # Nothing half-saved: not the name, not the seats.
    maple.refresh_from_db()
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert maple.legal_name == "Maple Leaf Dental Group"
    assert (complete_license.allocated, cloud_license.allocated) == (200, 0)


def test_edit_error_recomputes_remaining_from_what_was_typed(
    partner_client, complete_license, maple
):
    response = EditPage(partner_client, maple, complete_license).post(
        {"legal_name": maple.legal_name, "tier_users": "5000", "sat_users": "0"},
    )
    # 1,990 free for Maple (1,890 unallocated + its 100) minus 5,000 typed.
    assert "-3,010" in response.text
    assert "3,010 more than available" in response.text


def test_offboarded_customer_cannot_be_edited(partner_client, complete_license, harbour):
    from licenses.services import customer_offboard

    customer_offboard(customer=harbour)
    for response in (
        partner_client.get(edit_url(complete_license, harbour), follow=True),
        EditPage(partner_client, harbour, complete_license).post(
            {"legal_name": "Back", "tier_users": "1"},
            follow=True,
        ),
    ):
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == license_url(complete_license)
        assert any("cannot be edited" in m for m in messages_of(response))
    harbour.refresh_from_db()
    assert harbour.legal_name == "Harbourfront Logistics Inc."


def test_edit_and_offboard_need_csrf(client, user, complete_license, maple):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert (
        EditPage(csrf_client, maple, complete_license)
        .post({"legal_name": "x", "tier_users": "1"})
        .status_code
        == 403
    )
    assert csrf_client.post(offboard_url(complete_license, maple)).status_code == 403
    maple.refresh_from_db()
    assert maple.status == CustomerStatus.ACTIVE


# --- Offboard --------------------------------------------------------------------------------


def test_offboard_confirmation_names_the_seats_returning_to_each_pool(
    partner_client, complete_license, cloud_license
):
    customer = make_customer(
        license=complete_license, legal_name="Two Pools Ltd", tier_users=100, cloud_users=12
    )
    response = partner_client.get(offboard_url(complete_license, customer))
    assert response.status_code == 200
    assert "100 MDR Complete users return to the MDR Complete pool" in response.text
    assert "12 MDR Cloud users return to the MDR Cloud pool" in response.text
    assert 'method="post"' in response.text and ">Offboard<" in response.text


def test_offboard_post_releases_seats_and_keeps_the_customer_listed(
    partner_client, complete_license, cloud_license, maple
):
    customer = make_customer(
        license=complete_license, legal_name="Two Pools Ltd", tier_users=100, cloud_users=12
    )
    response = partner_client.post(offboard_url(complete_license, customer), follow=True)
    assert response.redirect_chain[-1][0] == license_url(complete_license)
    [message] = messages_of(response)
    assert message.startswith("Two Pools Ltd was offboarded.")
    assert "100 MDR Complete users returned to the MDR Complete pool" in message
    assert "12 MDR Cloud users returned to the MDR Cloud pool" in message
    complete_license.refresh_from_db()
    cloud_license.refresh_from_db()
    assert (complete_license.allocated, cloud_license.allocated) == (100, 0)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.OFFBOARDED
    assert row_ids(response) == [maple.pk]
    listed = partner_client.get(license_url(complete_license), {"status": "offboarded"})
    assert row_ids(listed) == [customer.pk]


def test_offboarding_twice_is_a_message_not_an_error(partner_client, complete_license, maple):
    partner_client.post(offboard_url(complete_license, maple))
    again = partner_client.post(offboard_url(complete_license, maple), follow=True)
    assert again.status_code == 200
    assert any("already offboarded" in m for m in messages_of(again))
    page = partner_client.get(offboard_url(complete_license, maple), follow=True)
    assert page.redirect_chain[-1][0] == license_url(complete_license)


def test_pages_have_no_inline_script_style_or_handlers(
    partner_client, complete_license, cloud_license, maple
):
    """The Content-Security-Policy forbids inline scripts, styles and event handlers."""
    for url in (
        reverse("licenses:license_list"),
        license_url(complete_license),
        edit_url(complete_license, maple),
        offboard_url(complete_license, maple),
    ):
        text = partner_client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), url
        assert not re.search(r"\sstyle=", text), url
        assert not re.search(r"\son[a-z]+=", text), url
        assert "javascript:" not in text, url


def test_an_invalid_filter_says_so_next_to_the_filter_not_that_the_license_is_empty(
    partner_client, complete_license
):
    bulk_customers(complete_license, 63)
    response = partner_client.get(license_url(complete_license), {"status": "zzz"})
    assert response.status_code == 200
    text = response.text
    assert row_ids(response) == []
    assert "No customers on this license yet" not in text
    # The message sits next to the status filter, and the filter says it is invalid.
    errors = re.search(r'<div id="customer-filter-errors"[^>]*>(.*?)</div>', text, re.S)[1]
    assert "“zzz” is not a status" in errors
    select = re.search(r'<select name="status"[^>]*>', text)[0]
    assert 'aria-invalid="true"' in select and "customer-filter-errors" in select
    # The table's empty state names the cause, not an empty license.
    assert "The filter is not valid" in text
    # A valid filter has no message.
    valid = partner_client.get(license_url(complete_license), {"status": ""}).text
    assert "is not a status" not in valid and 'aria-invalid="true"' not in valid
    # Choosing a status refreshes the table and, out of band, clears the message.
    fragment = partner_client.get(license_url(complete_license), {"status": ""}, **HTMX).text
    errors = re.search(r'<div id="customer-filter-errors"[^>]*>', fragment)[0]
    assert 'data-hx-swap-oob="true"' in errors and " hidden" in errors


def live_region(text: str) -> tuple[str, str]:
    """The attributes and the text of the search results' live region."""
    found = re.search(r'<div id="customer-results"([^>]*)>(.*?)</div>', text, re.S)
    return found[1], found[2].strip()


def test_search_and_filter_results_are_announced_politely(
    partner_client, complete_license, maple, harbour
):
    url = license_url(complete_license)
    # The page holds an empty, polite live region outside the table htmx replaces.
    attrs, said = live_region(partner_client.get(url).text)
    assert 'aria-live="polite"' in attrs and said == ""
    # A search refreshes the table and, out of band, says what it found.
    typed = {**HTMX, "HTTP_HX_TRIGGER_NAME": "q"}
    attrs, said = live_region(partner_client.get(url, {"q": "harb"}, **typed).text)
    assert 'data-hx-swap-oob="innerHTML"' in attrs and said == "1 customer found"
    assert live_region(partner_client.get(url, {"q": "e"}, **typed).text)[1] == "2 customers found"
    assert live_region(partner_client.get(url, {"q": "zzz"}, **typed).text)[1] == (
        "No customers found"
    )
    chosen = {**HTMX, "HTTP_HX_TRIGGER_NAME": "status"}
    said = live_region(partner_client.get(url, {"status": "offboarded"}, **chosen).text)[1]
    assert said == "No customers found"
    # Sorting or paging (a link in the table) keeps the region as it is: nothing new to say.
    assert 'id="customer-results"' not in partner_client.get(url, {"sort": "status"}, **HTMX).text
