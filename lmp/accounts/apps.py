from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """A login's own account: two-factor sign-in (django-otp), recovery codes, its password.

    Project-wide, beside the app stack: it reads a login's role (``lmp.partners``) to know whether
    two-factor sign-in is required, and no app of the stack depends on it.
    """

    name = "lmp.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from lmp.accounts.middleware import note_sign_in

        user_logged_in.connect(note_sign_in, dispatch_uid="lmp.accounts.note_sign_in")
