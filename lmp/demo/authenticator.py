"""The demo's authenticator key: public on purpose (README, ``seed_demo``), never for real use.

``seed_demo`` enrols the demo Administrator ``partner`` and the vendor staff login ``staff`` with
it, so a reviewer adds it to any authenticator app (or runs ``manage.py demo_totp``) and signs in.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

DEMO_TOTP_KEY_HEX = "8ae4827cd91c569b904def8866a2a9babc131b74"
DEMO_TOTP_USERNAMES = ("partner", "staff")


def demo_key_base32() -> str:
    """The demo key as authenticator apps take it typed: base32, in groups of four."""
    key = b32encode(unhexlify(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
