from django.urls import path

from licenses import views

app_name = "licenses"

urlpatterns = [
    path("", views.LicenseListView.as_view(), name="license_list"),
    path("<int:pk>/", views.LicenseDetailView.as_view(), name="license_detail"),
    path("<int:pk>/export/", views.LicenseExportView.as_view(), name="license_export"),
    path("<int:pk>/bulk-edit/", views.LicenseBulkEditView.as_view(), name="license_bulk_edit"),
    path(
        "<int:pk>/bulk-edit/download/",
        views.LicenseBulkDownloadView.as_view(),
        name="license_bulk_download",
    ),
    path(
        "<int:pk>/bulk-edit/apply/", views.LicenseBulkApplyView.as_view(), name="license_bulk_apply"
    ),
    path("<int:pk>/history/", views.LicenseHistoryView.as_view(), name="license_history"),
    path("<int:pk>/threshold/", views.LicenseThresholdView.as_view(), name="license_threshold"),
    path("<int:pk>/renewal/", views.LicenseRenewalView.as_view(), name="license_renewal"),
    path(
        "<int:pk>/renewal/cancel/",
        views.LicenseRenewalCancelView.as_view(),
        name="license_renewal_cancel",
    ),
    path(
        "<int:license_pk>/customers/<int:pk>/edit/",
        views.CustomerEditView.as_view(),
        name="customer_edit",
    ),
    path(
        "<int:license_pk>/customers/<int:pk>/offboard/",
        views.CustomerOffboardView.as_view(),
        name="customer_offboard",
    ),
    path(
        "<int:license_pk>/customers/<int:pk>/history/",
        views.CustomerHistoryView.as_view(),
        name="customer_history",
    ),
]
