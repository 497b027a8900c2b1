from __future__ import annotations

from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.OnboardingStartView.as_view(), name="start"),
    # New Customer: starts a run and redirects to its first step.
    path("<int:license_pk>/new/", views.OnboardingWizardStartView.as_view(), name="wizard"),
    path(
        "<int:license_pk>/stopped/",
        views.OnboardingIncidentStopView.as_view(),
        name="incident_stop",
    ),
    path(
        "<int:license_pk>/<uuid:run>/",
        views.OnboardingWizardView.as_view(url_name="onboarding:wizard_step"),
        name="wizard_run",
    ),
    path(
        "<int:license_pk>/<uuid:run>/<slug:step>/",
        views.OnboardingWizardView.as_view(url_name="onboarding:wizard_step"),
        name="wizard_step",
    ),
    path("requests/<int:pk>/", views.OnboardingRequestDetailView.as_view(), name="request_detail"),
    path(
        "requests/<int:pk>/resend-welcome/",
        views.OnboardingWelcomeResendView.as_view(),
        name="welcome_resend",
    ),
    # From a customer's Edit page: the welcome to the address the customer has now.
    path(
        "<int:license_pk>/customers/<int:pk>/resend-welcome/",
        views.CustomerWelcomeResendView.as_view(),
        name="customer_welcome_resend",
    ),
]
