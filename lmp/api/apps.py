from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/): keys, problem details, idempotency, throttling."""

    name = "lmp.api"
    label = "api"
    verbose_name = _("Partner API")

    def ready(self) -> None:
        from lmp.api import schema  # noqa: F401  (registers the key's security scheme)
