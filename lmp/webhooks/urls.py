from django.urls import path

from lmp.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="endpoint_list"),
    path("new/", views.EndpointCreateView.as_view(), name="endpoint_create"),
    path("<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint_detail"),
    path("<int:pk>/edit/", views.EndpointEditView.as_view(), name="endpoint_edit"),
    path("<int:pk>/delete/", views.EndpointDeleteView.as_view(), name="endpoint_delete"),
    path("<int:pk>/rotate/", views.SecretRotateView.as_view(), name="secret_rotate"),
    path("<int:pk>/test/", views.EndpointTestView.as_view(), name="endpoint_test"),
    path(
        "deliveries/<int:pk>/redeliver/",
        views.DeliveryRedeliverView.as_view(),
        name="delivery_redeliver",
    ),
]
