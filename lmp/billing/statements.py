"""Where a statement lives, for the month close's e-mail and its webhook: the page and the API."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse


def statement_path(month: dt.date) -> str:
    """The statement page of ``month`` (each partner sees its own at this path)."""
    return reverse("billing:statement_detail", kwargs={"month": month})


def statement_api_path(month: dt.date) -> str:
    """The statement of ``month`` in the REST API."""
    return reverse("api:statement_detail", kwargs={"month": month})
