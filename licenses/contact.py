"""A customer's web site and MDR Portal administrator e-mail: their rules, defined once.

The onboarding wizard's details step, the Edit page, Django admin's customer page and
``customer_update`` all use these fields, so an address one of them accepts the others accept too
(a web site typed without a scheme is https, surrounding spaces go).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from licenses.choices import ADMIN_EMAIL_LABEL, WEBSITE_LABEL

WEBSITE_MAX_LENGTH = 300
ADMIN_EMAIL_MAX_LENGTH = 254


def website_field(**kwargs) -> forms.URLField:
    """The customer's web site: optional, https when typed without a scheme."""
    options = {
        "label": WEBSITE_LABEL,
        "required": False,
        "max_length": WEBSITE_MAX_LENGTH,
        "assume_scheme": "https",
        **kwargs,
    }
    return forms.URLField(**options)


def admin_email_field(**kwargs) -> forms.EmailField:
    """The customer's first MDR Portal administrator (who receives the welcome)."""
    options = {"label": ADMIN_EMAIL_LABEL, "max_length": ADMIN_EMAIL_MAX_LENGTH, **kwargs}
    return forms.EmailField(**options)


def _clean(field: forms.Field, name: str, value: object) -> str:
    try:
        return field.clean(value)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from error


def website_check(value: object) -> str:
    """``value`` as the forms would save it, or a ValidationError on ``website``."""
    return _clean(website_field(), "website", value)


def admin_email_check(value: object) -> str:
    """``value`` as the forms would save it, or a ValidationError on ``admin_email``."""
    return _clean(admin_email_field(), "admin_email", value)
