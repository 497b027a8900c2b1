"""What the setup page shows of an authenticator's key: a QR code and the key as text."""

from __future__ import annotations

from base64 import b32encode

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice


def qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as an SVG QR code in a ``data:`` URI (the CSP allows ``data:``
    images and no inline script, so the page draws nothing itself)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def key_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, as authenticator apps ask for it when typed."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
