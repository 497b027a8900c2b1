"""A sub-partner never sees the owner's commercial terms on a shared license (issue 13).

The owner's price per user, monthly total and seat commitment, and what the pool holds in all
(allocated, also by the owner's own customers), appear on none of the pages a sub-partner can open
on a shared license, nor in its export; the owner still sees them all.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from licenses import services
from licenses.choices import ServiceTier
from tests.factories import VolumeLicenseFactory, make_customer
from tests.factories_onboarding import Wizard

# Figures chosen to appear nowhere else on the pages: the shared Complete license's commitment,
# price and monthly total (1,987 × $17.39), the owner's MDR Cloud pool's commitment and monthly
# total (311 × $17.39), and the Complete pool's allocated (377 by the owner's own customer + 45 by
# the sub-partner's) and the share of it that is (21%).
COMMITMENT, CLOUD_COMMITMENT, PRICE = 1987, 311, Decimal("17.39")
OWNER_USERS, SUB_USERS = 377, 45
FORBIDDEN = {
    "seat commitment": r"1,?987",
    "price per user": r"17\.39",
    "monthly total": r"34,?553\.93",
    "Cloud seat commitment": r"311",
    "Cloud monthly total": r"5,?408\.29",
    "allocated in all": r"422",
    "share allocated": r"21%",
}


def leaks(text: str) -> list[str]:
    """Which of the owner's figures ``text`` shows (as whole numbers, not inside another)."""
    return [
        name
        for name, pattern in FORBIDDEN.items()
        if re.search(rf"(?<![\w.,]){pattern}(?![\w]|[.,]\d)", text)
    ]


@pytest.fixture
def shared(partner, other_partner, staff_user):
    """Northwind's Complete license shared with Contoso, with a customer of each on it.

    Its commitment was raised to 1,987 by the vendor: a change in its history, the owner's alone.
    """
    license = VolumeLicenseFactory(
        partner=partner, tier=ServiceTier.COMPLETE, seat_commitment=1900, price_per_user=PRICE
    )
    license = services.license_commitment_set(
        license=license, seat_commitment=COMMITMENT, actor=staff_user
    )
    VolumeLicenseFactory(
        partner=partner,
        tier=ServiceTier.CLOUD,
        seat_commitment=CLOUD_COMMITMENT,
        price_per_user=PRICE,
    )
    license.sub_partners.add(other_partner)
    owners = make_customer(
        license=license, legal_name="Maple Leaf Dental", tier_users=OWNER_USERS, cloud_users=20
    )
    managed = make_customer(
        license=license,
        partner=other_partner,
        legal_name="Contoso Client",
        tier_users=SUB_USERS,
        cloud_users=3,
    )
    return license, owners, managed


def html_pages(client, license, customer) -> dict[str, str]:
    """Every page of the license pages one can open on ``license`` and ``customer``."""
    detail = reverse("licenses:license_detail", kwargs={"pk": license.pk})
    history = reverse("licenses:license_history", kwargs={"pk": license.pk})
    kwargs = {"license_pk": license.pk, "pk": customer.pk}
    urls = {
        "License tab": (reverse("licenses:license_list"), {}),
        "license page": (detail, {}),
        "license page (htmx)": (
            detail,
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "customer-table"},
        ),
        "history": (history, {}),
        "history (htmx)": (history, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "history-table"}),
        "Edit": (reverse("licenses:customer_edit", kwargs=kwargs), {}),
        "Offboard": (reverse("licenses:customer_offboard", kwargs=kwargs), {}),
        "customer history": (reverse("licenses:customer_history", kwargs=kwargs), {}),
        "Onboarding tab": (reverse("onboarding:start"), {}),
    }
    pages = {}
    for name, (url, headers) in urls.items():
        response = client.get(url, **headers)
        assert response.status_code == 200, name
        pages[name] = response.text
    return pages


def wizard_pages(client, license) -> dict[str, str]:
    """The onboarding wizard's steps on ``license``, as far as its review."""
    wizard = Wizard(client, license)
    pages = {}
    for step, go in (
        ("incident", wizard.start),
        ("details", wizard.incident),
        ("deployment", wizard.details),
        ("review", wizard.virtual),
    ):
        response = go()
        assert response.status_code == 200, step
        pages[f"wizard {step}"] = response.text
    return pages


def workbook_text(client, license) -> str:
    """Every cell of the license's export, each sheet, as text."""
    response = client.get(reverse("licenses:license_export", kwargs={"pk": license.pk}))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(
        str(value)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in (ws.title, *row)
        if value is not None
    )


def test_sub_partner_sees_none_of_the_owners_terms(client, other_user, shared):
    license, _, managed = shared
    client.force_login(other_user)
    pages = html_pages(client, license, managed)
    pages.update(wizard_pages(client, license))
    pages["export"] = workbook_text(client, license)
    found = {name: leaks(text) for name, text in pages.items() if leaks(text)}
    assert found == {}
    # What it needs to work is still there: the users it may allocate, its customer, its users.
    unallocated = COMMITMENT - OWNER_USERS - SUB_USERS
    assert f"{unallocated:,}" in pages["License tab"]
    assert f"{unallocated:,}" in pages["license page"]
    assert f"{unallocated:,}" in pages["Onboarding tab"]
    assert f"{unallocated:,}" in pages["wizard details"]
    assert f'data-metric="managed-users">{SUB_USERS}<' in pages["license page"]
    assert f"<dd>{SUB_USERS}</dd>" in pages["License tab"]
    assert "Contoso Client" in pages["license page"] and "Maple Leaf" not in pages["license page"]
    assert license.renewal_date.strftime("%b %-d, %Y") in pages["license page"]
    assert license.renewal_date.strftime("%b %-d, %Y") in pages["License tab"]


def test_the_owner_still_sees_its_terms(partner_client, shared):
    license, owners, _ = shared
    pages = html_pages(partner_client, license, owners)
    pages.update(wizard_pages(partner_client, license))
    for name in ("License tab", "license page"):
        assert {"seat commitment", "allocated in all"} <= set(leaks(pages[name])), name
    assert {"price per user", "monthly total"} <= set(leaks(pages["license page"]))
    assert "seat commitment" in leaks(pages["Edit"])
    assert "Cloud seat commitment" in leaks(pages["Edit"])
    assert "seat commitment" in leaks(pages["Onboarding tab"])
    assert "seat commitment" in leaks(pages["history"])
    assert "seat commitment" in leaks(workbook_text(partner_client, license))
