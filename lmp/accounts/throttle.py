"""What django-axes (login throttling) records of a login attempt."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest

# The width of the library's username columns (AccessAttempt, AccessFailureLog, AccessLog).
USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


def attempt_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username typed, as axes stores it (``AXES_USERNAME_CALLABLE``): cut to its column.

    A longer one would not fit (PostgreSQL refuses it: a 500 instead of the login error). No
    login has a username that long (``User.username`` holds 150), so cutting merges no real
    login's failures with another's.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username)[:USERNAME_MAX_LENGTH]
