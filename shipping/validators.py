"""Postal-code rules per country: refuse what cannot be delivered, store one canonical spelling."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shipping.choices import Country

# Canada Post never uses D, F, I, O, Q, U (and W, Z not as the first letter).
_CA_FIRST = "ABCEGHJKLMNPRSTVXY"
_CA_OTHER = "ABCEGHJKLMNPRSTVWXYZ"

# country -> (pattern on the upper-cased input, canonical format of the groups, example)
_RULES: dict[str, tuple[re.Pattern[str], str, str]] = {
    Country.CANADA: (
        re.compile(rf"^([{_CA_FIRST}]\d[{_CA_OTHER}])[\s-]?(\d[{_CA_OTHER}]\d)$"),
        "{0} {1}",
        _("Enter a Canadian postal code such as K1A 0B1."),
    ),
    Country.UNITED_STATES: (
        re.compile(r"^(\d{5})(?:[\s-]?(\d{4}))?$"),
        "{0}-{1}",
        _("Enter a US ZIP code such as 12345 or 12345-6789."),
    ),
    Country.UNITED_KINGDOM: (
        re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$"),
        "{0} {1}",
        _("Enter a UK postcode such as SW1A 1AA."),
    ),
    Country.AUSTRALIA: (
        re.compile(r"^(\d{4})$"),
        "{0}",
        _("Enter a 4-digit Australian postcode such as 2000."),
    ),
    Country.GERMANY: (
        re.compile(r"^(\d{5})$"),
        "{0}",
        _("Enter a 5-digit postcode such as 10115."),
    ),
    Country.FRANCE: (
        re.compile(r"^(\d{5})$"),
        "{0}",
        _("Enter a 5-digit code postal such as 75001."),
    ),
    Country.NETHERLANDS: (
        re.compile(r"^(\d{4})\s*([A-Z]{2})$"),
        "{0} {1}",
        _("Enter a Dutch postcode such as 1012 AB."),
    ),
    Country.IRELAND: (
        re.compile(r"^([AC-FHKNPRTV-Y]\d{2}|D6W)\s*([0-9AC-FHKNPRTV-Y]{4})$"),
        "{0} {1}",
        _("Enter an Eircode such as D02 X285."),
    ),
}


def postal_code_clean(*, country: str, postal_code: str) -> str:
    """The canonical postal code for ``country`` ("k1a0b1" -> "K1A 0B1"), or ValidationError."""
    code = " ".join(str(postal_code or "").upper().split())
    if not code:
        raise ValidationError({"postal_code": _("Enter the postal code.")})
    rule = _RULES.get(country)
    if rule is None:
        return code
    pattern, fmt, message = rule
    match = pattern.match(code)
    if match is None:
        raise ValidationError({"postal_code": str(message)})
    groups = [g for g in match.groups() if g]
    if country == Country.UNITED_STATES and len(groups) == 1:
        return groups[0]
    return fmt.format(*groups)
