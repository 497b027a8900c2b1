"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from lmp.partners.roles import Can, Recipients
from lmp.partners.selectors import partner_for_user


def partner(request: HttpRequest) -> dict:
    """The signed-in user's partner (None for vendor staff) as ``current_partner``, and ``can``:
    ``{% if can.change_customers %}`` shows an action only to a role that may use it; and
    ``recipients``: ``{{ recipients.low_seats_alert }}`` names who gets those e-mails."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_partner": None, "can": Can(None), "recipients": Recipients()}
    return {"current_partner": partner_for_user(user), "can": Can(user), "recipients": Recipients()}
