"""Signing in, in tests: as the login form and the second factor would leave the session."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# Every login the factories make has this password (tests/factories.py UserFactory).
PASSWORD = "pw-for-tests"


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice:
    """The user's authenticator app (made, confirmed, the first time it is asked for)."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)
    return device


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's authenticator app shows now (a real TOTP, computed from the key)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def verified_login(client: Client, user) -> Client:
    """Sign ``user`` in with a session that has passed two-factor sign-in (an enrolled device)."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
