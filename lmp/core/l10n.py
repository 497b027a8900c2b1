"""Numbers, money and percentages in the reader's language: one place for how LMP writes them.

English ``1,990``, ``$9.25``, ``12%``; Canadian French ``1 990``, ``9,25 $``, ``12 %`` (the
separators come from ``lmp/formats/<language>/formats.py``, the sign's place from the catalogue).
Python calls the functions; templates ``{% load lmp_l10n %}`` and use the filters of the same
names. Spreadsheet cells stay typed numbers: these are for text.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import pgettext

register = template.Library()

# A no-break space: French writes "9,25 $" and "12 %" without a line break before the sign.
NBSP = "\u00a0"


@register.filter
def count(value: int | None) -> str:
    """A whole number with its thousands grouped: ``1,990`` / ``1 990``; "" for None."""
    if value is None or value == "":
        return ""
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def money(value: Decimal | float | int | None, currency: str = "") -> str:
    """An amount with two decimals, its sign and, given, its currency code:
    ``$9.25 CAD`` / ``9,25 $ CAD``; "" for None."""
    if value is None or value == "":
        return ""
    amount = number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    # Translators: an amount of money; {amount} is the number ("9.25"). French: "{amount} $".
    text = pgettext("money", "${amount}").format(amount=amount).replace(" ", NBSP)
    return f"{text}{NBSP}{currency}" if currency else text


@register.filter
def percent(value: Decimal | float | int | None, decimals: int = 0) -> str:
    """A percentage from a number of percent (``12`` → ``12%`` / ``12 %``); "" for None."""
    if value is None or value == "":
        return ""
    number = number_format(value, decimal_pos=int(decimals), use_l10n=True, force_grouping=True)
    # Translators: a percentage; {number} is the number. French: "{number} %".
    return pgettext("percent", "{number}%").format(number=number).replace(" ", NBSP)
