"""/api/v1/: the partner API. Its own authentication (API keys), so Django's login is not asked."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required
from django.urls import path

import lmp.billing.converters  # noqa: F401 — registers the ``month`` path converter
from lmp.api import views

app_name = "api"


def _open(view_class):
    """The view, outside the portal's login (and two-factor) middleware: the key decides."""
    return login_not_required(view_class.as_view())


# Swagger UI inserts one <style> element of its own; the reference page allows exactly that one
# (by its hash), not inline styles in general. A new Swagger UI whose style differs shows up as a
# CSP violation in tests/browser/test_api_docs.py: put the hash Chromium reports here.
SWAGGER_UI_STYLE = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

urlpatterns = [
    path("schema/", _open(views.SchemaView), name="schema"),
    path(
        "docs/",
        csp_update({"style-src": [SWAGGER_UI_STYLE]})(_open(views.DocsView)),
        name="docs",
    ),
    path("licenses/", _open(views.LicenseListView), name="license_list"),
    path("licenses/<int:license_pk>/", _open(views.LicenseDetailView), name="license_detail"),
    path(
        "licenses/<int:license_pk>/history/",
        _open(views.LicenseHistoryView),
        name="license_history",
    ),
    path(
        "licenses/<int:license_pk>/customers/",
        _open(views.CustomerListView),
        name="customer_list",
    ),
    path(
        "licenses/<int:license_pk>/customers/batch/",
        _open(views.CustomerBatchView),
        name="customer_batch",
    ),
    path(
        "licenses/<int:license_pk>/customers/<int:pk>/",
        _open(views.CustomerDetailView),
        name="customer_detail",
    ),
    path(
        "licenses/<int:license_pk>/customers/<int:pk>/offboard/",
        _open(views.CustomerOffboardView),
        name="customer_offboard",
    ),
    path(
        "licenses/<int:license_pk>/customers/<int:pk>/history/",
        _open(views.CustomerHistoryView),
        name="customer_history",
    ),
    path("onboarding-orders/", _open(views.OnboardingOrderListView), name="order_list"),
    path(
        "onboarding-orders/<int:pk>/",
        _open(views.OnboardingOrderDetailView),
        name="order_detail",
    ),
    path("statements/", _open(views.StatementListView), name="statement_list"),
    path("statements/<month:month>/", _open(views.StatementDetailView), name="statement_detail"),
    path(
        "statements/<month:month>/lines/",
        _open(views.StatementLineListView),
        name="statement_lines",
    ),
]
