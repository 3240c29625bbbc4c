from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import mfa
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Local runs only (DEBUG on): print the code a user's authenticator app shows now, so that the demo logins "
        "can be tried without a phone. Refused on a production desk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--key", action="store_true", help="also print the key, to add it to a real app")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Refusing to print sign-in codes while DEBUG is off: codes come from the user's phone.")
        user = User.objects.filter(username=options["username"]).first()
        device = mfa.totp_device(user) if user else None
        if device is None:
            raise CommandError(f"{options['username']}: no authenticator app set up (sign in once to set one up).")
        now = time.time()
        left = int(device.step - now % device.step)
        # A code works once: after a sign-in with the current one, the next one is already accepted.
        current_step = int(now // device.step)
        step = max(current_step, device.last_t + 1)
        # The desk also accepts the code of the step just past (a phone's clock may be a little late).
        valid = left + (step - current_step + device.tolerance) * device.step
        self.stdout.write(f"{device.code_at(step * device.step)}  (accepted for about {valid} s, once)")
        if options["key"]:
            self.stdout.write(f"key: {device.secret_for_typing}")
