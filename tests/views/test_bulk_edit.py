"""Bulk edit pages: download, upload, preview, apply; roles, another partner's 404, refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from licenses import bulk_workbook
from licenses.models import AllocationEvent, CustomerAccount
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, make_customer
from tests.helpers.messages import messages_of

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "bulk_edit_libreoffice.xlsx"


def url(name: str, license) -> str:
    return reverse(f"licenses:license_bulk_{name}", kwargs={"pk": license.pk})


@pytest.fixture
def customers(complete_license, cloud_license):
    return [
        make_customer(license=complete_license, tier_users=10, legal_name="Acme"),
        make_customer(license=complete_license, tier_users=20, cloud_users=5, legal_name="Beta"),
    ]


def download(client, license):
    response = client.get(url("download", license))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def upload(client, license, wb=None, *, content: bytes | None = None):
    if content is None:
        buffer = io.BytesIO()
        wb.save(buffer)
        content = buffer.getvalue()
    file = SimpleUploadedFile("bulk.xlsx", content)
    return client.post(url("edit", license), {"workbook": file})


def test_the_workbook_has_a_locked_key_the_names_and_the_tiers_counts(
    partner_client, complete_license, customers
):
    ws = download(partner_client, complete_license).worksheets[0]
    assert [c.value for c in ws[4]] == [
        "Key (do not change)",
        "Customer Legal Name",
        "MDR Complete Users",
        "MDR Cloud Users",
        "Beauceron SAT Users",
    ]
    assert "MDR Complete Users: whole number, at least 1" in ws["A2"].value
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert [r[1:] for r in rows] == [["Acme", 10, 0, 0], ["Beta", 20, 5, 0]]
    assert rows[0][0].startswith(f"L{complete_license.pk}-C{customers[0].pk}-V")
    assert ws.protection.sheet and ws["A5"].protection.locked
    assert not ws["C5"].protection.locked


def test_upload_previews_then_apply_changes_everything(partner_client, complete_license, customers):
    wb = download(partner_client, complete_license)
    ws = wb.worksheets[0]
    ws["B5"], ws["C5"], ws["E5"] = "Acme Corp", 12, 4
    response = upload(partner_client, complete_license, wb)
    assert response.status_code == 200
    text = response.text
    assert "Legal name “Acme” → “Acme Corp”" in text
    assert "MDR Complete Users 10 → 12" in text
    assert "1 customer changes, 1 unchanged, of 2 rows." in text
    assert CustomerAccount.objects.filter(legal_name="Acme Corp").count() == 0  # not yet
    token = response.context["token"]
    response = partner_client.post(url("apply", complete_license), {"token": token}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/licenses/{complete_license.pk}/")
    assert "Bulk edit applied: 1 customer changed." in messages_of(response)
    acme = CustomerAccount.objects.get(pk=customers[0].pk)
    assert acme.legal_name == "Acme Corp"
    assert acme.allocations.get(license=complete_license).seats == 12
    # The same file again: nothing to change.
    response = upload(partner_client, complete_license, wb)
    assert "0 customers change, 2 unchanged, of 2 rows." in response.text
    assert "Apply</button>" not in response.text


def test_refusals_are_listed_by_row_and_there_is_no_apply(
    partner_client, complete_license, customers
):
    wb = download(partner_client, complete_license)
    ws = wb.worksheets[0]
    ws["C6"], ws["E6"] = 5, 9
    response = upload(partner_client, complete_license, wb)
    assert (
        "Row 6: Beauceron SAT users cannot be more than the 5 MDR Complete users." in response.text
    )
    assert "Apply</button>" not in response.text


def test_a_row_changed_after_the_download_is_refused(partner_client, complete_license, customers):
    from licenses import services

    wb = download(partner_client, complete_license)
    services.customer_update(customer=customers[0], legal_name=None, tier_users=11)
    wb.worksheets[0]["C5"] = 14
    response = upload(partner_client, complete_license, wb)
    assert "Row 5: Acme was changed after this file was downloaded" in response.text


def test_formulas_are_refused(partner_client, complete_license, customers):
    wb = download(partner_client, complete_license)
    wb.worksheets[0]["C5"] = "=10+2"
    response = upload(partner_client, complete_license, wb)
    assert "Row 5: formulas are not accepted, type the number." in response.text
    assert "result" not in response.context or not response.context.get("result")


def test_another_licenses_workbook_is_refused(
    partner_client, complete_license, core_license, customers
):
    make_customer(license=core_license, tier_users=3)
    wb = download(partner_client, core_license)
    response = upload(partner_client, complete_license, wb)
    assert f"its key names license {core_license.pk}" in response.text
    assert not AllocationEvent.objects.filter(kind="edited").exists()


def test_too_big_too_many_rows_and_not_a_workbook_are_refused(
    partner_client, complete_license, customers, settings, monkeypatch
):
    response = upload(partner_client, complete_license, content=b"not a workbook")
    assert "This file is not an Excel workbook (.xlsx)." in response.text
    settings.BULK_EDIT_MAX_BYTES = 10
    response = upload(partner_client, complete_license, download(partner_client, complete_license))
    assert "This file is larger than 1 MB" in response.text
    settings.BULK_EDIT_MAX_BYTES = 10 * 1024 * 1024
    monkeypatch.setattr(bulk_workbook, "MAX_ROWS", 1)
    response = upload(partner_client, complete_license, download(partner_client, complete_license))
    assert "The workbook has more than 1 rows" in response.text


LIBREOFFICE_LICENSE, LIBREOFFICE_CUSTOMERS = 900001, (900011, 900012)


def fixed_customers(partner):
    """The license and customers the LibreOffice fixture's keys name (fixed ids, version 0)."""
    from licenses.models import SeatAllocation
    from tests.factories import VolumeLicenseFactory

    license = VolumeLicenseFactory(pk=LIBREOFFICE_LICENSE, partner=partner, seat_commitment=100)
    for pk, name, seats in zip(LIBREOFFICE_CUSTOMERS, ("Acme", "Beta"), (10, 20), strict=True):
        customer = CustomerAccount.objects.create(
            pk=pk, partner=partner, license=license, legal_name=name, admin_email="it@a.example"
        )
        SeatAllocation.objects.create(
            customer=customer, license=license, tier=license.tier, seats=seats
        )
    return license


def test_a_workbook_saved_by_libreoffice_is_accepted(partner_client, partner):
    """tests/fixtures/bulk_edit_libreoffice.xlsx: the workbook this page downloads for
    ``fixed_customers``, C5 changed to 12, then opened and re-saved by LibreOffice Calc
    (``soffice --headless --convert-to xlsx``). Uploaded as LibreOffice wrote it."""
    license = fixed_customers(partner)
    response = upload(partner_client, license, content=FIXTURE.read_bytes())
    assert response.status_code == 200
    assert "MDR Complete Users 10 → 12" in response.text
    assert "1 customer changes, 1 unchanged, of 2 rows." in response.text
    response = partner_client.post(url("apply", license), {"token": response.context["token"]})
    assert CustomerAccount.objects.get(pk=900011).allocations.get().seats == 12


@pytest.mark.parametrize("role", [PartnerRole.VIEW_ONLY, PartnerRole.BANK_DETAILS_ONLY])
def test_other_roles_get_403(client, partner, complete_license, customers, role):
    user = MembershipFactory(partner=partner, user=UserFactory(username="viewer"), role=role).user
    client.force_login(user)
    for name in ("edit", "download"):
        assert client.get(url(name, complete_license)).status_code == 403
    assert client.post(url("apply", complete_license), {"token": "x"}).status_code == 403


def test_another_partners_license_is_a_404(other_client, complete_license, customers):
    for name in ("edit", "download"):
        assert other_client.get(url(name, complete_license)).status_code == 404
    assert other_client.post(url("apply", complete_license), {"token": "x"}).status_code == 404


def test_the_license_page_offers_bulk_edit_to_allocators_only(
    partner_client, client, partner, complete_license
):
    page = reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})
    assert url("edit", complete_license) in partner_client.get(page).text
    viewer = MembershipFactory(
        partner=partner, user=UserFactory(username="viewer"), role=PartnerRole.VIEW_ONLY
    ).user
    client.force_login(viewer)
    assert url("edit", complete_license) not in client.get(page).text


def test_vendor_staff_bulk_edit_in_the_admin(staff_client, complete_license, customers):
    admin_url = reverse("admin:licenses_volumelicense_bulk_edit", args=[complete_license.pk])
    change = reverse("admin:licenses_volumelicense_change", args=[complete_license.pk])
    assert admin_url in staff_client.get(change).text
    response = staff_client.get(admin_url, {"download": "1"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    wb.worksheets[0]["C5"] = 13
    buffer = io.BytesIO()
    wb.save(buffer)
    file = SimpleUploadedFile("bulk.xlsx", buffer.getvalue())
    response = staff_client.post(admin_url, {"workbook": file})
    assert "MDR Complete Users 10 → 13" in response.text
    response = staff_client.post(admin_url, {"token": response.context["token"]}, follow=True)
    assert "Bulk edit applied: 1 customer changed." in response.text
    event = AllocationEvent.objects.get(kind="edited", customer=customers[0])
    assert (event.source, event.to_value) == ("admin", 13)


def test_partner_logins_do_not_reach_the_admins_bulk_edit(partner_client, complete_license):
    admin_url = reverse("admin:licenses_volumelicense_bulk_edit", args=[complete_license.pk])
    assert partner_client.get(admin_url).status_code == 302  # the admin's login


def test_a_change_between_preview_and_apply_refuses_the_apply(
    partner_client, complete_license, customers
):
    from licenses import services

    wb = download(partner_client, complete_license)
    wb.worksheets[0]["C5"] = 14
    token = upload(partner_client, complete_license, wb).context["token"]
    services.customer_update(customer=customers[0], legal_name=None, tier_users=11)
    response = partner_client.post(url("apply", complete_license), {"token": token})
    assert response.status_code == 200
    assert "Row 5: Acme was changed after this file was downloaded" in response.text
    assert customers[0].allocations.get().seats == 11


def test_a_forged_or_expired_token_applies_nothing(partner_client, complete_license, customers):
    response = partner_client.post(url("apply", complete_license), {"token": "forged"}, follow=True)
    assert "This preview has expired: upload the workbook again." in messages_of(response)
    assert not AllocationEvent.objects.filter(kind="edited").exists()
