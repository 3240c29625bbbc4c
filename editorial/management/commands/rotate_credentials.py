from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from editorial.audit import audit_record
from editorial.models import Channel


class Command(BaseCommand):
    help = (
        "Re-encrypt every channel's credentials with the first key of FIELD_ENCRYPTION_KEYS "
        "(after putting a new key first); the old key can then be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for channel in Channel.objects.select_for_update().exclude(credentials_encrypted=""):
                # Reading decrypts with any configured key; saving encrypts with the first one.
                channel.save(update_fields=["credentials_encrypted"])
                count += 1
            audit_record(action="security.credentials.rotate", data={"channels": count})
        self.stdout.write(f"Re-encrypted the credentials of {count} channel(s) with the current key.")
