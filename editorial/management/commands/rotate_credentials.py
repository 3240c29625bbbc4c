from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import TOTPDevice
from editorial.audit import audit_record
from editorial.models import Channel


class Command(BaseCommand):
    help = (
        "Re-encrypt every secret held with FIELD_ENCRYPTION_KEYS (channel credentials, authenticator app keys) "
        "with its first key (after putting a new key first); the old key can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        channels = devices = 0
        with transaction.atomic():
            # Reading decrypts with any configured key; saving encrypts with the first one.
            for channel in Channel.objects.select_for_update().exclude(credentials_encrypted=""):
                channel.save(update_fields=["credentials_encrypted"])
                channels += 1
            for device in TOTPDevice.objects.select_for_update():
                device.save(update_fields=["secret"])
                devices += 1
            audit_record(action="security.credentials.rotate", data={"channels": channels, "authenticators": devices})
        self.stdout.write(
            f"Re-encrypted with the current key: the credentials of {channels} channel(s) and "
            f"{devices} authenticator app key(s)."
        )
