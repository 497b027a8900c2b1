"""Reads of a login's second factors."""

from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator_of(user, *, confirmed: bool = True) -> TOTPDevice | None:
    """The login's authenticator app (a TOTP device), confirmed or still being set up."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def recovery_device_of(user) -> StaticDevice | None:
    """The login's recovery codes (one StaticDevice holding them)."""
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user) -> int:
    """How many of the login's recovery codes are still unused."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
