"""Template filters of the desk: post texts shown the way the networks show them, always escaped first."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_TAG_RE = re.compile(r"(?<![\w&])([#@])(\w+)")
_LINK_RE = re.compile(r"\b(?:https?://|www\.)[^\s<]+", re.IGNORECASE)


@register.filter
def social_text(text: str) -> SafeString:
    """Escape, then colour links, hashtags and mentions and keep line breaks, as X and Facebook do.

    Escaping comes first so that nothing typed in a post can become markup on any page."""
    escaped = escape(text or "")
    # Links are found on the escaped text; they are shown, never made clickable (a preview, not a page).
    escaped = _LINK_RE.sub(lambda m: f'<span class="social-link">{m.group(0)}</span>', escaped)
    escaped = _TAG_RE.sub(r'<span class="social-link">\1\2</span>', escaped)
    return mark_safe(escaped.replace("\n", "<br>"))  # noqa: S308 - built from escaped text only
