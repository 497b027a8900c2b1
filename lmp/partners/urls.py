from django.urls import path

from lmp.partners import views

app_name = "partners"

urlpatterns = [
    path("", views.TeamView.as_view(), name="team"),
    path("settings/", views.TeamSettingsView.as_view(), name="settings"),
    path("language/", views.PartnerLanguageView.as_view(), name="language"),
    path("invitations/", views.InvitationCreateView.as_view(), name="invitation_create"),
    path(
        "invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("members/<int:pk>/role/", views.MemberRoleView.as_view(), name="member_role"),
    path(
        "members/<int:pk>/deactivate/",
        views.MemberStatusView.as_view(action="deactivate"),
        name="member_deactivate",
    ),
    path(
        "members/<int:pk>/reactivate/",
        views.MemberStatusView.as_view(action="reactivate"),
        name="member_reactivate",
    ),
    path("api-keys/", views.ApiKeysView.as_view(), name="api_keys"),
    path(
        "api-keys/<str:prefix>/revoke/",
        views.ApiKeyRevokeView.as_view(),
        name="api_key_revoke",
    ),
    path("join/<str:token>/", views.JoinView.as_view(), name="join"),
]
