"""The Jinja2 environment for the few templates rendered on a hot path (see settings.TEMPLATES)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from jinja2 import Environment


def intcomma(value: int | None) -> str:
    """1234567 → "1,234,567", as Django's humanize filter prints it in English."""
    return "" if value is None else f"{value:,}"


def short_date(value: dt.datetime | dt.date | None) -> str:
    """ "Nov 22, 2026" (Django's ``date:"M j, Y"``), an aware datetime in the current time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    # dateformat.format() is ten times slower; the portal speaks only English (and Python keeps
    # the C locale unless told otherwise, so %b is "Nov").
    return f"{value:%b} {value.day}, {value.year}"


def environment(**options) -> Environment:
    env = Environment(**options)
    env.filters.update(intcomma=intcomma, short_date=short_date)
    return env
