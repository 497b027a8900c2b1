"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from lmp.partners.selectors import partner_for_user


def partner(request: HttpRequest) -> dict:
    """Expose the signed-in user's partner (or None for vendor staff) as ``current_partner``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_partner": None}
    return {"current_partner": partner_for_user(user)}
