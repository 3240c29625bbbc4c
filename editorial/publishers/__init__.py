"""Publishers: one backend per channel kind, chosen by the PUBLISHERS setting (alias -> BACKEND, OPTIONS).

Every backend module exports a ``Publisher`` class with one method, ``publish(variant) -> PublishResult``,
and raises only ``PublishError`` with a ``kind`` saying what the caller may do next.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from editorial.publishers.base import BasePublisher, PublishError, PublishResult

__all__ = ["BasePublisher", "PublishError", "PublishResult", "get_publisher"]


def get_publisher(alias: str) -> BasePublisher:
    """A new publisher for ``alias`` (a channel kind) built from settings.PUBLISHERS."""
    try:
        config = settings.PUBLISHERS[alias]
    except KeyError as exc:
        raise ImproperlyConfigured(f"PUBLISHERS has no entry for {alias!r}.") from exc
    backend = import_string(config["BACKEND"])
    return backend(alias=alias, **config.get("OPTIONS", {}))
