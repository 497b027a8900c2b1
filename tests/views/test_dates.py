"""One way to write a date and a date with its time on every page: "Dec 6, 2026" and
"Dec 6, 2026 18:55" (lmp/formats/en/formats.py), never "2026-12-06 18:55" on one page and
"December 6, 2026" on another."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from licenses import services
from licenses.tables import _short_date
from lmp.partners import services as partner_services
from tests.factories import make_customer
from tests.factories_onboarding import submit_order
from tests.helpers.auth import verified_login

pytestmark = pytest.mark.django_db

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# What the other formats looked like: ISO dates, full month names, day before month.
OTHER_FORMATS = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "full month name": re.compile(rf"\b(?:{MONTHS}) \d{{1,2}}, \d{{4}}"),
    "day before month": re.compile(
        r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
    ),
}


def visible_text(html: str) -> str:
    """The page's text: tags (and so attributes such as <time datetime="...">) removed."""
    html = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def other_formats_in(html: str) -> dict[str, list[str]]:
    text = visible_text(html)
    return {name: found for name, rx in OTHER_FORMATS.items() if (found := rx.findall(text))}


def test_the_formats_are_the_portals():
    moment = timezone.make_aware(dt.datetime(2026, 12, 6, 18, 55))
    assert formats.date_format(moment.date()) == "Dec 6, 2026"
    assert formats.date_format(moment, "DATETIME_FORMAT") == "Dec 6, 2026 18:55"
    # The customer table's fast path writes the same.
    assert _short_date(moment.date()) == "Dec 6, 2026"
    assert _short_date(dt.date(2027, 5, 31)) == formats.date_format(dt.date(2027, 5, 31))


def test_the_team_page_writes_dates_like_every_other_page(client, admin_user, user, partner):
    user.last_login = timezone.make_aware(dt.datetime(2026, 12, 6, 18, 55))
    user.save(update_fields=["last_login"])
    verified_login(client, admin_user)
    partner_services.invitation_create(
        actor=admin_user, partner=partner, email="new@northwind.example", role="allocator"
    )
    partner_services.api_key_create(
        actor=admin_user,
        partner=partner,
        name="PSA sync",
        role="view_only",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )
    page = client.get(reverse("partners:team"))
    assert page.status_code == 200
    assert "Dec 6, 2026 18:55" in visible_text(page.text)
    assert other_formats_in(page.text) == {}


def test_no_page_writes_another_date_format(
    client, admin_user, user, partner, complete_license, cloud_license
):
    """Each page that shows a date, as a partner Administrator sees it."""
    verified_login(client, admin_user)
    order = submit_order(license=complete_license, actor=user).request
    gone = make_customer(license=complete_license, legal_name="Gone Co", tier_users=3)
    services.customer_offboard(customer=gone, actor=user)
    customer = order.customer
    urls = [
        reverse("licenses:license_list"),
        reverse("licenses:license_detail", kwargs={"pk": complete_license.pk}) + "?status=",
        reverse("licenses:license_history", kwargs={"pk": complete_license.pk}),
        reverse(
            "licenses:customer_edit",
            kwargs={"license_pk": complete_license.pk, "pk": customer.pk},
        ),
        reverse(
            "licenses:customer_history",
            kwargs={"license_pk": complete_license.pk, "pk": gone.pk},
        ),
        reverse("onboarding:start"),
        reverse("onboarding:request_detail", kwargs={"pk": order.pk}),
        reverse("billing:billing"),
        reverse("accounts:account"),
        reverse("partners:team"),
    ]
    found = {}
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        if wrong := other_formats_in(page.text):
            found[url] = wrong
    assert found == {}
    # The renewal banner too ("renews in 30 days, on Dec 6, 2026").
    complete_license.renewal_date = timezone.localdate() + dt.timedelta(days=30)
    complete_license.save(update_fields=["renewal_date"])
    page = client.get(reverse("licenses:license_list"))
    assert formats.date_format(complete_license.renewal_date) in visible_text(page.text)
    assert other_formats_in(page.text) == {}


@pytest.fixture
def other_formats(monkeypatch):
    """The portal's formats module changed (as a later locale could change it)."""
    from lmp.formats.en import formats as portal_formats

    monkeypatch.setattr(portal_formats, "DATE_FORMAT", "d/m/Y")
    monkeypatch.setattr(portal_formats, "DATETIME_FORMAT", "d/m/Y \\a\\t H:i")
    formats._format_cache.clear()
    yield
    monkeypatch.undo()
    formats._format_cache.clear()


def test_the_customer_table_and_the_recovery_codes_file_follow_the_formats_module(
    other_formats, user
):
    from lmp.accounts.views import recovery_codes_text

    assert _short_date(dt.date(2026, 11, 22)) == "22/11/2026"
    text = recovery_codes_text(user, ["aaaa-bbbb"])
    assert formats.date_format(timezone.localtime(), "DATETIME_FORMAT") in text
