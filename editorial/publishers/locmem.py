"""Keeps what it publishes in ``outbox`` (module level, like Django's locmem e-mail backend): for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from editorial.publishers.base import BasePublisher, PublishResult

if TYPE_CHECKING:
    from editorial.models import Channel, PostVariant


@dataclass(frozen=True)
class Sent:
    channel_id: int
    text: str
    external_id: str


outbox: list[Sent] = []


class Publisher(BasePublisher):
    def publish(self, variant: PostVariant) -> PublishResult:
        external_id = f"locmem-{len(outbox) + 1}"
        outbox.append(Sent(channel_id=variant.channel_id, text=variant.text, external_id=external_id))
        return PublishResult(external_id=external_id, url=f"https://locmem.invalid/{external_id}")

    def check_connection(self, channel: Channel) -> str:
        return "locmem"
