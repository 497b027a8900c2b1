from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """A login's own account: two-factor sign-in (django-otp), recovery codes, its password.

    In the app stack above partners (it reads a login's role to know whether two-factor sign-in is
    required) and the outbox (the password reset e-mail); only the demo data uses it.
    """

    name = "lmp.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from lmp.accounts.middleware import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="lmp.accounts.note_sign_in")
