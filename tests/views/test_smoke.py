"""The foundation's pages answer: login required, home redirects, staff go to the admin."""

from django.db import connection
from django.urls import reverse

from tests.helpers.auth import verified_login


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(reverse("licenses:license_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_home_redirects_to_license_tab(partner_client):
    response = partner_client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("licenses:license_list")


def test_license_tab_shows_the_partners_license_only(
    partner_client, complete_license, other_license
):
    response = partner_client.get(reverse("licenses:license_list"))
    assert response.status_code == 200
    assert "Northwind MSP" in response.text
    assert "Contoso Secure IT" not in response.text


def test_staff_without_partner_is_sent_to_admin(client, staff_user):
    verified_login(client, staff_user)
    response = client.get(reverse("licenses:license_list"))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_postgresql_connections_run_without_jit(db, require_postgres):
    # With JIT on, a bloated license table (the seat triggers update its rows constantly) made
    # the planner compile the License tab's one-row query: 230 ms a view instead of 2.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
