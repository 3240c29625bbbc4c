from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from editorial.models import PostVariant


class ErrorKind(StrEnum):
    RETRY = "retry"  # proven that nothing was created: try again later
    PERMANENT = "permanent"  # will not work without a person changing something
    UNKNOWN = "unknown"  # may or may not have been created: a person must check, never re-send by itself


class PublishError(Exception):
    def __init__(self, message: str, *, kind: ErrorKind, retry_at: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_at = retry_at


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str


class BasePublisher:
    def __init__(self, *, alias: str, **options: Any) -> None:
        self.alias = alias
        self.options = options

    def publish(self, variant: PostVariant) -> PublishResult:
        """Make exactly one create call for ``variant``; raise PublishError on any failure."""
        raise NotImplementedError
