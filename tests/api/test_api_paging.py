"""Walking a license's customers page by page through many ties of the requested order."""

from __future__ import annotations

import math

import pytest
from django.urls import reverse

from lmp.api.pagination import CustomerCursorPagination
from lmp.partners.choices import PartnerRole
from tests.helpers.api import key_client, make_key
from tests.helpers.customers import bulk_customers

# More customers than DRF's cursor offset cutoff (1,000) plus a page: every one is active, with 0
# cloud and 0 SAT users and 1 user of the license, so each count and the status tie for all.
CUSTOMERS = 1_250
PAGE = 100


@pytest.mark.parametrize("ordering", list(CustomerCursorPagination.ORDERINGS))
def test_following_next_serves_every_customer_once_in_the_pages_order(
    partner, complete_license, ordering
):
    from licenses.selectors import license_customers
    from licenses.tables import CustomerAccountTable

    bulk_customers(complete_license, CUSTOMERS)
    api = key_client(make_key(partner, role=PartnerRole.VIEW_ONLY)[1])
    url = reverse("api:customer_list", kwargs={"license_pk": complete_license.pk})
    table_sort = {"users": "license_users", "-users": "-license_users"}.get(ordering, ordering)
    order = CustomerAccountTable.orderings()[table_sort]
    expected = list(
        license_customers(partner=partner, license=complete_license)
        .order_by(*order.order_by())
        .values_list("pk", flat=True)
    )
    assert len(expected) == CUSTOMERS

    pages, seen = [], []
    response = api.get(url, {"ordering": ordering, "page_size": PAGE})
    most = math.ceil(CUSTOMERS / PAGE)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([c["id"] for c in body["results"]])
        seen += pages[-1]
        assert len(pages) <= most, f"still paging after {most} pages of {PAGE}: a loop"
        if body["next"] is None:
            break
        response = api.get(body["next"])
    assert seen == expected

    # And back: each previous link serves the page before it.
    back = [pages[-1]]
    while body["previous"] is not None:
        assert len(back) <= most, "still paging back after every page: a loop"
        body = api.get(body["previous"]).json()
        back.append([c["id"] for c in body["results"]])
    assert back[::-1] == pages


@pytest.mark.parametrize("name", ["api:customer_list", "api:license_history"])
def test_an_empty_cursor_is_the_first_page_on_every_list(partner, complete_license, name):
    """``cursor=`` (a client sending its unset parameter) is the first page, as DRF's pages
    serve it on the history: not a 400 on one list and a page on the other."""
    from tests.factories import make_customer

    make_customer(license=complete_license, legal_name="Acme Dental", tier_users=3)
    api = key_client(make_key(partner, role=PartnerRole.VIEW_ONLY)[1])
    url = reverse(name, kwargs={"license_pk": complete_license.pk})
    first = api.get(url)
    response = api.get(url, {"cursor": ""})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == first.json()["results"] != []
