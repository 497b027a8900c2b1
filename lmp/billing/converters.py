"""The month in a statement's URL: ``2026-11`` (a month that does not exist is a 404).

Registered as the ``month`` path converter when imported (the portal's and the API's URLconfs
both import it).
"""

from __future__ import annotations

import datetime as dt

from django.urls import register_converter


class MonthConverter:
    """``YYYY-MM`` ↔ the month's first day."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> dt.date:
        # ValueError (month 13, year 0) tells the resolver the URL does not match: a 404.
        return dt.date(int(value[:4]), int(value[5:]), 1)

    def to_url(self, value: dt.date | str) -> str:
        return value.strftime("%Y-%m") if isinstance(value, dt.date) else value


register_converter(MonthConverter, "month")
