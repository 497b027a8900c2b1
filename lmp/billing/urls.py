from __future__ import annotations

from django.urls import path

from lmp.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.BillingView.as_view(), name="billing"),
]
