from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Webhook endpoints a partner registers and the signed deliveries a worker posts to them:
    between partners and licenses in the app stack (licenses, shipping and onboarding emit)."""

    name = "lmp.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Its AttemptQueue joins lmp.core.attempts.QUEUES, which every worker sweeps
        # (lmp/core/worker.py).
        from lmp.webhooks import services  # noqa: F401
