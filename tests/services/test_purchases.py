"""Buying additional seats: the Purchase page, the service, the confirmation and its e-mail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from licenses.choices import AllocationEventKind, ServiceTier
from licenses.models import AllocationEvent, VolumeLicense
from lmp.billing.models import Purchase, TierPrice
from lmp.billing.services import seats_purchase
from lmp.partners.choices import PartnerRole
from tests.factories import MembershipFactory, UserFactory, VolumeLicenseFactory
from tests.helpers.auth import verified_login
from tests.helpers.state import db_state

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"LMP-\d{4}-\d{6}")


def buy(client, *, tier="complete", users="50", terms="on", token="tok-1", **extra):
    data = {"tier": tier, "users": users, "token": token, **extra}
    if terms:
        data["terms"] = terms
    return client.post(reverse("billing:purchase"), data)


def test_an_administrator_buys_50_seats_and_gets_a_reference(
    administrator_client, admin_user, complete_license, django_capture_on_commit_callbacks
):
    page = administrator_client.get(reverse("billing:purchase"))
    assert page.status_code == 200
    assert "MDR Complete — 1,990 users now" in page.text
    assert 'data-price="14.50"' in page.text and 'data-commitment="1990"' in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = buy(administrator_client)
    purchase = Purchase.objects.get()
    assert REFERENCE.fullmatch(purchase.reference)
    assert purchase.reference == f"LMP-{timezone.now().year}-{purchase.pk:06d}"
    assert response.status_code == 302
    assert response.url == reverse("billing:purchase_detail", args=[purchase.reference])
    confirmation = administrator_client.get(response.url)
    assert purchase.reference in confirmation.text
    assert "1,990 → 2,040" in confirmation.text
    assert "$725.00\u00a0CAD" in confirmation.text  # 50 × 14.50 added a month
    assert "$29,580.00\u00a0CAD" in confirmation.text  # 2,040 × 14.50
    complete_license.refresh_from_db()
    assert complete_license.seat_commitment == 2040
    assert (purchase.users, purchase.monthly_amount) == (50, Decimal("725.00"))
    assert purchase.buyer == admin_user
    event = AllocationEvent.objects.get(kind=AllocationEventKind.COMMITMENT_CHANGED)
    assert str(event).startswith(f"Seat commitment 1,990 → 2,040 (purchase {purchase.reference})")
    assert event.actor == admin_user
    # The license page shows the new commitment, its history the purchase.
    detail = administrator_client.get(
        reverse("licenses:license_detail", args=[complete_license.pk])
    )
    assert re.search(r'data-metric="commitment">2,040<', detail.text)
    history = administrator_client.get(
        reverse("licenses:license_history", args=[complete_license.pk])
    )
    assert f"(purchase {purchase.reference})" in history.text
    # One e-mail, to the buyer (an Administrator), with the reference.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert purchase.reference in message.subject and purchase.reference in message.body
    assert "1,990 → 2,040" in message.body


def test_the_confirmation_goes_to_the_buyer_and_every_administrator(
    administrator_client,
    admin_user,
    user,
    partner,
    complete_license,
    django_capture_on_commit_callbacks,
):
    other_admin = MembershipFactory(
        partner=partner, user=UserFactory(username="kim"), role=PartnerRole.ADMINISTRATOR
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        buy(administrator_client)
    assert sorted(mail.outbox[0].to) == sorted([admin_user.email, other_admin.email])
    assert user.email not in mail.outbox[0].to  # an Allocator is not told


def test_a_double_click_or_resubmitted_form_buys_once(
    administrator_client, complete_license, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = buy(administrator_client, token="same")
        again = buy(administrator_client, token="same")
    assert first.url == again.url
    assert Purchase.objects.count() == 1
    complete_license.refresh_from_db()
    assert complete_license.seat_commitment == 2040
    assert len(mail.outbox) == 1
    # A new page is a new form: that buys again.
    assert buy(administrator_client, token="another").status_code == 302
    complete_license.refresh_from_db()
    assert complete_license.seat_commitment == 2090


def test_each_page_carries_a_fresh_token(administrator_client, complete_license):
    tokens = {
        re.search(
            r'name="token" value="([^"]+)"',
            administrator_client.get(reverse("billing:purchase")).text,
        )[1]
        for _ in range(2)
    }
    assert len(tokens) == 2


def test_a_tier_not_held_yet_gets_its_license_at_the_list_price(
    administrator_client, partner, complete_license
):
    TierPrice.objects.create(tier=ServiceTier.CORE, currency="CAD", price_per_user="9.75")
    page = administrator_client.get(reverse("billing:purchase"))
    assert "MDR Core — new license at the list price" in page.text
    response = buy(administrator_client, tier="core", users="25")
    assert response.status_code == 302
    core = VolumeLicense.objects.get(partner=partner, tier=ServiceTier.CORE)
    assert (core.seat_commitment, core.price_per_user, core.currency) == (
        25,
        Decimal("9.75"),
        "CAD",
    )
    assert core.renewal_date == complete_license.renewal_date  # renews with its other licenses
    purchase = Purchase.objects.get()
    assert purchase.new_license and purchase.previous_commitment == 0
    event = AllocationEvent.objects.get(license=core, what="Seat commitment")
    assert event.change_text == f"0 → 25 (purchase {purchase.reference})"
    # The new license's terms are in its history too, from nothing.
    terms = AllocationEvent.objects.filter(license=core).exclude(pk=event.pk).order_by("what")
    assert [(e.what, e.from_text, e.to_text) for e in terms] == [
        ("Price per user per month", "", "9.75"),
        ("Renewal date", "", complete_license.renewal_date.isoformat()),
    ]


def test_a_tier_without_a_list_price_is_refused_next_to_the_tier(
    administrator_client, complete_license
):
    before = db_state()
    response = buy(administrator_client, tier="core", users="25")
    assert response.status_code == 200
    assert "MDR Core cannot be bought here yet: it has no list price in CAD" in response.text
    assert 'value="25"' in response.text  # what was typed is kept
    assert db_state() == before
    # The service says the same to any other caller.
    with pytest.raises(ValidationError, match="no list price in CAD"):
        seats_purchase(
            actor=None, partner=complete_license.partner, tier="core", users=5, token="t"
        )


@pytest.mark.parametrize(
    ("users", "terms", "message"),
    [
        ("0", "on", "Additional users must be at least 1."),
        ("-5", "on", "Additional users must be at least 1."),
        ("abc", "on", "Additional users must be a whole number."),
        ("", "on", "Enter how many users to add."),
        ("100001", "on", "Additional users must be at most 100,000 in one purchase"),
        ("50", "", "Tick the box to agree to the purchase terms."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_changes(
    administrator_client, complete_license, users, terms, message
):
    before = db_state()
    response = buy(administrator_client, users=users, terms=terms)
    assert response.status_code == 200
    assert message in response.text
    assert 'class="invalid-feedback"' in response.text
    assert db_state() == before


def test_an_unknown_tier_is_refused(administrator_client, complete_license):
    before = db_state()
    response = buy(administrator_client, tier="platinum")
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert db_state() == before


def test_only_administrators_buy(user, complete_license):
    with pytest.raises(PermissionDenied):
        seats_purchase(
            actor=user, partner=complete_license.partner, tier="complete", users=5, token="t"
        )
    assert Purchase.objects.count() == 0


def test_a_shared_license_is_its_owners_to_buy(administrator_client, partner, other_partner):
    shared = VolumeLicenseFactory(
        partner=other_partner, tier=ServiceTier.CLOUD, seat_commitment=300
    )
    shared.sub_partners.add(partner)
    page = administrator_client.get(reverse("billing:purchase"))
    assert "300 users now" not in page.text  # the owner's pool is not offered
    assert "MDR Cloud — new license (no list price yet)" in page.text
    before = db_state()
    response = buy(administrator_client, tier="cloud", users="10")
    assert "no list price" in response.text
    assert db_state() == before
    shared.refresh_from_db()
    assert shared.seat_commitment == 300


def test_another_partners_purchase_is_404(client, admin_user, other_partner, other_license):
    theirs = seats_purchase(actor=None, partner=other_partner, tier="complete", users=5, token="b")
    verified_login(client, admin_user)
    url = reverse("billing:purchase_detail", args=[theirs.reference])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("billing:purchase_detail", args=["LMP-2026-999999"])).status_code == 404
    )
    assert theirs.reference not in client.get(reverse("billing:billing")).text


def test_the_billing_page_lists_purchases_for_administrators_and_bank_details_only(
    client, administrator_client, partner, complete_license
):
    buy(administrator_client, users="50")
    purchase = Purchase.objects.get()
    page = administrator_client.get(reverse("billing:billing"))
    assert purchase.reference in page.text and "Buy additional users" in page.text
    billing_login = MembershipFactory(
        partner=partner, user=UserFactory(username="bea"), role=PartnerRole.BANK_DETAILS_ONLY
    ).user
    verified_login(client, billing_login)
    page = client.get(reverse("billing:billing"))
    assert purchase.reference in page.text
    assert "1,990 → 2,040" in page.text
    assert "Buy additional users" not in page.text  # Bank Details Only does not buy
    detail = client.get(reverse("billing:purchase_detail", args=[purchase.reference]))
    assert detail.status_code == 200 and purchase.reference in detail.text
    assert client.get(reverse("billing:purchase")).status_code == 403


def test_the_purchase_page_loads_its_script(administrator_client, complete_license):
    page = administrator_client.get(reverse("billing:purchase"))
    assert "js/purchase.js" in page.text and "<script>" not in page.text
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(finders.find("js/purchase.js")).read_text()
    assert "data-price" in script or "dataset.price" in script


def test_staff_see_purchases_read_only_and_edit_list_prices(
    client, staff_user, administrator_client, complete_license
):
    buy(administrator_client)
    purchase = Purchase.objects.get()
    verified_login(client, staff_user)
    changelist = client.get(reverse("admin:billing_purchase_changelist"))
    assert changelist.status_code == 200 and purchase.reference in changelist.text
    change = client.get(reverse("admin:billing_purchase_change", args=[purchase.pk]))
    assert change.status_code == 200 and 'name="users"' not in change.text
    assert client.get(reverse("admin:billing_purchase_add")).status_code == 403
    response = client.post(
        reverse("admin:billing_tierprice_add"),
        {"tier": "core", "currency": "USD", "price_per_user": "11.00"},
    )
    assert response.status_code == 302
    assert TierPrice.objects.get().price_per_user == Decimal("11.00")
    price = TierPrice.objects.get()
    assert client.get(reverse("admin:billing_tierprice_change", args=[price.pk])).status_code == 200


def test_a_purchase_never_takes_the_commitment_past_what_the_database_holds(partner):
    from licenses.policy import MAX_SEATS

    VolumeLicenseFactory(partner=partner, seat_commitment=MAX_SEATS - 3)
    with pytest.raises(ValidationError, match="at most 3"):
        seats_purchase(actor=None, partner=partner, tier="complete", users=4, token="t1")
    full = VolumeLicenseFactory(partner=partner, tier=ServiceTier.CORE, seat_commitment=MAX_SEATS)
    with pytest.raises(ValidationError, match="cannot grow any further"):
        seats_purchase(actor=None, partner=partner, tier=full.tier, users=1, token="t2")
    assert Purchase.objects.count() == 0
