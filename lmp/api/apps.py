from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The partner REST API (/api/v1/): keys, problem details, idempotency, throttling."""

    name = "lmp.api"
    label = "api"
    verbose_name = "Partner API"

    def ready(self) -> None:
        from lmp.api import schema  # noqa: F401  (registers the key's security scheme)
