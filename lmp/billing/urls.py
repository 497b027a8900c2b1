from __future__ import annotations

from django.urls import path

import lmp.billing.converters  # noqa: F401 — registers the ``month`` path converter
from lmp.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.BillingView.as_view(), name="billing"),
    path("purchase/", views.PurchaseView.as_view(), name="purchase"),
    path("purchases/<str:reference>/", views.PurchaseDetailView.as_view(), name="purchase_detail"),
    path("statements/", views.StatementListView.as_view(), name="statements"),
    path(
        "statements/<month:month>/",
        views.StatementDetailView.as_view(),
        name="statement_detail",
    ),
    path(
        "statements/<month:month>/excel/",
        views.StatementExcelView.as_view(),
        name="statement_xlsx",
    ),
    path("statements/<month:month>/csv/", views.StatementCsvView.as_view(), name="statement_csv"),
]
