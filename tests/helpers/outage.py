"""A database outage as the application sees it: every query raises."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

OUTAGE = "could not connect to server: Connection refused"


@contextmanager
def database_down(error: type[Exception] = OperationalError):
    """Every query raises ``error``, as when the server is gone (the test's transaction stays)."""
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=error(OUTAGE)):
        yield
