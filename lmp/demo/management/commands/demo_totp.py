"""Print the code an authenticator app holding the demo key shows now (``make totp``)."""

from __future__ import annotations

import time
from binascii import unhexlify

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from lmp.demo.authenticator import DEMO_TOTP_KEY_HEX, DEMO_TOTP_USERNAMES, demo_key_base32


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo logins (the demo key of seed_demo)."

    def handle(self, *args, **options):
        totp = TOTP(unhexlify(DEMO_TOTP_KEY_HEX))
        now = time.time()
        totp.time = now
        left = 30 - int(now) % 30
        logins = " and ".join(DEMO_TOTP_USERNAMES)
        self.stdout.write(f"{totp.token():06d}")
        self.stdout.write(
            f"Code for the demo logins {logins} (key {demo_key_base32()}), good for {left} "
            "more seconds. A code signs in once: for the next sign-in, wait for the next code."
        )
