"""Prints what would be published instead of calling a network: the default for a local run."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from editorial.publishers.base import BasePublisher, PublishResult

if TYPE_CHECKING:
    from editorial.models import Channel, PostVariant


class Publisher(BasePublisher):
    def publish(self, variant: PostVariant) -> PublishResult:
        external_id = f"console-{uuid.uuid4().hex[:12]}"
        channel = variant.channel
        stream = self.options.get("stream") or sys.stdout
        stream.write(
            f"--- console publisher: {channel.get_kind_display()} {channel.handle} ({external_id}) ---\n"
            f"{variant.text}\n"
            f"--- end ---\n"
        )
        stream.flush()
        return PublishResult(external_id=external_id, url=f"https://console.invalid/{channel.kind}/{external_id}")

    def check_connection(self, channel: Channel) -> str:
        # Nothing to connect to: say so plainly rather than pretend an account answered.
        return gettext("Console (nothing is sent to a network)")
