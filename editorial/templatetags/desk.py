"""Template filters of the desk: post texts shown the way the networks show them, always escaped first."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from accounts import permissions
from accounts.models import Role

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


@register.inclusion_tag("editorial/_zone_nav.html", takes_context=True)
def zone_nav(context: template.Context, zone: Any) -> dict[str, Any]:
    """The zone's pages the user may open, for the navigation bar (memberships are cached: no query)."""
    user = context["request"].user
    return {
        "zone": zone,
        "rights": permissions.rights_in(user, zone),
        "is_unit_head": Role.UNIT_HEAD in permissions.roles_in(user, zone),
        # Publishing from templates (issue 13): the officers, and unit heads with a delegated right (one query then).
        "uses_templates": permissions.can_use_templates(user, zone),
        # Issue 13: a unit head drafting under a delegated right; the administrator and director managing rights.
        "can_draft": permissions.can_draft_post(user, zone),
        "can_manage_grants": permissions.can_manage_grants(user, zone),
        "current": context["request"].resolver_match.url_name if context["request"].resolver_match else "",
    }


@register.simple_tag
def status_badge(obj: Any, extra_class: str = "") -> SafeString:
    """One badge per status, the same colour everywhere it appears: ``{% status_badge post %}`` for a post, an
    item, a publication or a channel (their ``status`` and ``get_status_display``). The colours are the
    ``status-<model>-<status>`` classes of static/css/desk.css."""
    model = obj._meta.model_name
    classes = f"badge status-badge status-{model}-{obj.status} {extra_class}".strip()
    return format_html('<span class="{}">{}</span>', classes, obj.get_status_display())
