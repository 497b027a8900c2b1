from __future__ import annotations

from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.OnboardingStartView.as_view(), name="start"),
    path("<int:license_pk>/", views.OnboardingWizardView.as_view(), name="wizard"),
    path("requests/<int:pk>/", views.OnboardingRequestDetailView.as_view(), name="request_detail"),
]
