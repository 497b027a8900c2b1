from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Billing details, the vendor's price list and the partners' seat purchases."""

    name = "lmp.billing"
    label = "billing"
    verbose_name = _("Billing")
