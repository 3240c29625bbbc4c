"""The one error a refused workflow action raises, below services and the publishing pipeline alike."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class WorkflowError(ValidationError):
    """The action is refused as asked (wrong state, missing confirmation...); the message says why.

    A ValidationError, so that a form can show it at its top like any other refusal."""
