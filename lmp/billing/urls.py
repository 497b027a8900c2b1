from __future__ import annotations

from django.urls import path, register_converter

from lmp.billing import views
from lmp.billing.converters import MonthConverter

app_name = "billing"

register_converter(MonthConverter, "month")

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
