from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Partners and their logins: the bottom of the app stack (partners ← licenses ← shipping ←
    onboarding), so every other app may point at it and it points at none of them."""

    name = "lmp.partners"
    label = "partners"
    verbose_name = "Partners"
