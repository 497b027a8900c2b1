"""API keys on their own page (Team → API keys): made by Administrators, shown once with a Copy
button, stored hashed, revocable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lmp.partners.choices import PartnerRole, TeamEventKind
from lmp.partners.models import ApiKey, TeamEvent
from tests.helpers.api import key_client, make_key
from tests.helpers.state import db_state, error_next_to

pytestmark = pytest.mark.django_db

API_KEYS = reverse("partners:api_keys")


def _shown_key(response) -> str:
    match = re.search(r"<code[^>]*data-api-key>([^<]+)</code>", response.content.decode())
    assert match, "no key on the page"
    return match.group(1)


def test_an_administrator_makes_a_key_that_is_shown_once_and_works(
    administrator_client, admin_user, partner, complete_license
):
    response = administrator_client.post(
        API_KEYS,
        {"name": " PSA  sync ", "role": PartnerRole.ALLOCATOR, "expiry_date": ""},
    )
    assert response.status_code == 200
    key = _shown_key(response)
    row = ApiKey.objects.get()
    assert (row.name, row.role, row.partner, row.created_by) == (
        "PSA sync",
        PartnerRole.ALLOCATOR,
        partner,
        admin_user,
    )
    assert key not in (row.id, row.hashed_key) and key.split(".")[1] not in row.hashed_key
    assert key_client(key).get(reverse("api:license_list")).status_code == 200
    # The API keys page lists it by name and prefix, never the key again; with its last use.
    page = administrator_client.get(API_KEYS).content.decode()
    assert "PSA sync" in page and row.prefix in page
    assert key not in page
    assert "never used" not in page.split(row.prefix)[1][:600]
    event = TeamEvent.objects.get(kind=TeamEventKind.API_KEY_CREATED)
    assert event.actor == admin_user and "PSA sync" in event.to_text


def test_an_expiry_ends_the_key_at_the_end_of_that_day(administrator_client, partner):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    administrator_client.post(
        API_KEYS,
        {"name": "Short", "role": PartnerRole.VIEW_ONLY, "expiry_date": tomorrow.isoformat()},
    )
    expiry = timezone.localtime(ApiKey.objects.get().expiry_date)
    assert (expiry.date(), expiry.hour, expiry.minute) == (tomorrow, 23, 59)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "  ", "role": "allocator"}, "name", "This field is required."),
        ({"name": "X", "role": "administrator"}, "role", "Select a valid choice."),
        (
            {"name": "X", "role": "view_only", "expiry_date": "2001-01-01"},
            "expiry_date",
            "Choose an expiry in the future, or none.",
        ),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_made(
    administrator_client, partner, data, field, message
):
    before = db_state()
    response = administrator_client.post(API_KEYS, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "data-api-key>" not in text
    assert message.split(".")[0] in text
    if field != "role":
        assert error_next_to(text, field, message)
    assert db_state() == before


def test_revoking_a_key_stops_it_at_once(
    administrator_client, admin_user, partner, complete_license
):
    row, key = make_key(partner)
    assert key_client(key).get(reverse("api:license_list")).status_code == 200
    response = administrator_client.post(
        reverse("partners:api_key_revoke", kwargs={"prefix": row.prefix})
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked and row.revoked_at is not None and row.revoked_by == admin_user
    assert key_client(key).get(reverse("api:license_list")).status_code == 401
    assert TeamEvent.objects.filter(kind=TeamEventKind.API_KEY_REVOKED).count() == 1
    # Twice: refused with a message, nothing more recorded.
    administrator_client.post(reverse("partners:api_key_revoke", kwargs={"prefix": row.prefix}))
    assert TeamEvent.objects.filter(kind=TeamEventKind.API_KEY_REVOKED).count() == 1


def test_another_partners_key_is_404(administrator_client, other_partner):
    row, key = make_key(other_partner)
    before = db_state()
    response = administrator_client.post(
        reverse("partners:api_key_revoke", kwargs={"prefix": row.prefix})
    )
    assert response.status_code == 404
    assert db_state() == before
    response = administrator_client.post(
        reverse("partners:api_key_revoke", kwargs={"prefix": "nosuch"})
    )
    assert response.status_code == 404


def test_staff_see_keys_in_admin_and_revoke_them_there(client, staff_user, partner):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from tests.helpers.auth import verified_login

    row, key = make_key(partner, name="Staff sees")
    admin = verified_login(client, staff_user)
    changelist = reverse("admin:partners_apikey_changelist")
    assert "Staff sees" in admin.get(changelist).content.decode()
    change = admin.get(reverse("admin:partners_apikey_change", args=[row.pk]))
    assert change.status_code == 200
    assert key not in change.content.decode()
    assert admin.get(reverse("admin:partners_apikey_add")).status_code == 403
    admin.post(changelist, {"action": "revoke", ACTION_CHECKBOX_NAME: [row.pk]})
    row.refresh_from_db()
    assert row.revoked
    assert key_client(key).get(reverse("api:license_list")).status_code == 401


def test_the_same_form_sent_twice_makes_one_key_and_says_so(administrator_client, partner):
    """A double click on "Make a key", or reloading the page that showed the key, sends the form
    again: the second answer makes no second key and tells the Administrator where they stand."""
    page = administrator_client.get(API_KEYS).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    form = {"name": "PSA sync", "role": PartnerRole.ALLOCATOR, "expiry_date": "", "token": token}
    first = administrator_client.post(API_KEYS, form)
    key = _shown_key(first)
    again = administrator_client.post(API_KEYS, form)
    assert again.status_code == 200
    assert ApiKey.objects.filter(partner=partner).count() == 1
    body = again.content.decode()
    assert key not in body and "data-api-key>" not in body
    assert "was made already" in body
    # A fresh API keys page carries a fresh token: the next key is a new one.
    page = administrator_client.get(API_KEYS).content.decode()
    assert re.search(r'name="token" value="([0-9a-f]+)"', page).group(1) != token


def test_keys_have_their_own_page_linked_from_the_team_page(
    administrator_client, partner, other_partner
):
    mine, _ = make_key(partner, name="PSA sync")
    theirs, _ = make_key(other_partner, name="Their RMM")
    team = administrator_client.get(reverse("partners:team")).content.decode()
    # The Team page keeps members and invitations; keys and webhooks are a link away.
    assert "Make a key" not in team and mine.prefix not in team
    assert f'href="{API_KEYS}"' in team
    assert f'href="{reverse("webhooks:endpoint_list")}"' in team

    page = administrator_client.get(API_KEYS)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Make a key" in text and "PSA sync" in text and mine.prefix in text
    assert "Their RMM" not in text and theirs.prefix not in text
    # The menu names both pages for an Administrator.
    nav = text.split('id="lmp-nav"')[1].split("</ul>")[0]
    assert f'href="{API_KEYS}"' in nav and f'href="{reverse("webhooks:endpoint_list")}"' in nav


def test_the_key_shown_once_has_a_copy_button(administrator_client, partner):
    response = administrator_client.post(API_KEYS, {"name": "PSA sync", "role": "allocator"})
    text = response.content.decode()
    key = _shown_key(response)
    target = re.search(r'<code[^>]*id="([^"]+)"[^>]*data-api-key>', text)
    assert target, "the key's element has no id to copy from"
    button = re.search(rf'<button[^>]*data-copy-target="#{target.group(1)}"[^>]*>', text)
    assert button, "no Copy button for the key"
    # Shown by the script (static/js/copy.js, no inline script): without it, select and copy.
    assert " hidden" in button.group(0)
    assert '<script defer src="/static/js/copy.js"' in text
    assert key in text
