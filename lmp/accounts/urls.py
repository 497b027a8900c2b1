from django.urls import path

from lmp.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    # The language switcher (login page, menu) and the account page's language: POST only.
    path("language/", views.language_set, name="language_set"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/setup/", views.AuthenticatorSetupView.as_view(), name="setup"),
    path("two-factor/verify/", views.TwoFactorVerifyView.as_view(), name="verify"),
    path(
        "two-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="recovery_codes",
    ),
    path("two-factor/remove/", views.TwoFactorRemoveView.as_view(), name="remove"),
]
