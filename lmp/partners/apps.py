from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """Partners and their logins: the bottom of the app stack (partners ← licenses ← shipping ←
    onboarding), so every other app may point at it and it points at none of them."""

    name = "lmp.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished
        from django.utils import translation

        from lmp.partners.middleware import session_epoch_note

        user_logged_in.connect(session_epoch_note, dispatch_uid="lmp.partners.session_epoch_note")
        # The page's language (LanguageMiddleware) ends with its response, streamed or not.
        request_finished.connect(
            lambda **kwargs: translation.deactivate(), weak=False, dispatch_uid="lmp.language_end"
        )
