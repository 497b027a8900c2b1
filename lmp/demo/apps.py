from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (``manage.py seed_demo``, ``manage.py demo_totp``): the top of the app stack.

    It fills every app (partners, logins with the demo authenticator key, licenses, customers,
    billing details and list prices, addresses, the appliance catalogue), so it sits above them
    all and no app uses it. It has no models.
    """

    name = "lmp.demo"
    label = "demo"
    verbose_name = _("Demo data")
