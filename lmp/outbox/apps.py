from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Every e-mail the portal sends, as a row a worker sends with retries: the bottom of the app
    stack beside partners (it points at no other app; what a mail is about is free text)."""

    name = "lmp.outbox"
    label = "outbox"
    verbose_name = _("Outgoing e-mail")

    def ready(self) -> None:
        # Its AttemptQueue joins lmp.core.attempts.QUEUES, which every worker sweeps
        # (lmp/core/worker.py).
        from lmp.outbox import services  # noqa: F401
