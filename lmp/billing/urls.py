from __future__ import annotations

from django.urls import path

from lmp.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.BillingView.as_view(), name="billing"),
    path("purchase/", views.PurchaseView.as_view(), name="purchase"),
    path("purchases/<str:reference>/", views.PurchaseDetailView.as_view(), name="purchase_detail"),
]
