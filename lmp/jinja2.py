"""The Jinja2 environment for the few templates rendered on a hot path (see settings.TEMPLATES)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from jinja2 import Environment


def intcomma(value: int | None) -> str:
    """1234567 → "1,234,567", as Django's humanize filter prints it in English."""
    return "" if value is None else f"{value:,}"


def short_date(value: dt.datetime | dt.date | None, tz: dt.tzinfo | None = None) -> str:
    """ "Nov 22, 2026" (Django's ``date:"M j, Y"``); an aware datetime is shown in ``tz``.

    ``tz`` defaults to the current time zone; a loop over rows should look it up once and pass it
    (get_current_timezone() cost more than the rest of a row's dates).
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(tz or timezone.get_current_timezone())
    # dateformat.format() is ten times slower; the portal speaks only English (and Python keeps
    # the C locale unless told otherwise, so %b is "Nov").
    return f"{value:%b} {value.day}, {value.year}"


def environment(**options) -> Environment:
    env = Environment(**options)
    env.filters.update(intcomma=intcomma, short_date=short_date)
    return env
