from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Billing details, the vendor's price list and the partners' seat purchases."""

    name = "lmp.billing"
    label = "billing"
    verbose_name = "Billing"
