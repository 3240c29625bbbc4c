"""The aids that work while the officer types a post text (issue 12): the confidentiality scan of a text, exactly as
the review will see it, and the zone's partner accounts for @-mentions. Both answer small JSON documents to
static/js/livecheck.js and static/js/mentions.js (templates/editorial/_typing_aids.html wires them).

Officers only (the right to draft), in their own zone: another zone's post or item is a 404, as everywhere. A scan
that cannot run answers a sentence in ``error`` (never a server error), and the page says so without blocking
anything: the review scans again whatever happened while typing.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import permissions
from editorial import confidentiality
from editorial.models import Item, PartnerAccount, Post, Zone
from editorial.views.access import zone_for_drafting

# Longer than any text a channel takes (Facebook: 63,206 characters), so every text that can be saved is checked.
MAX_TEXT_CHARS = 70_000
# Scans per officer per minute. The page waits 400 ms after the last keystroke and asks once per distinct text, so
# a person typing stays far below; a runaway script does not take the server's time.
SCANS_PER_MINUTE = 120
_BIGGEST_ID = 2**63 - 1


class LiveCheckForm(forms.Form):
    text = forms.CharField(required=False, strip=False, max_length=MAX_TEXT_CHARS)
    post = forms.IntegerField(required=False, min_value=1, max_value=_BIGGEST_ID)
    item = forms.IntegerField(required=False, min_value=1, max_value=_BIGGEST_ID)


def _error(message: str, status: int, **headers: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, headers=headers)


def _over_the_limit(user: Any) -> int:
    """0 if this officer may scan now, else the seconds until they may again (a window per minute)."""
    now = time.time()
    window = int(now // 60)
    key = f"desk:livecheck:{user.pk}:{window}"
    try:
        cache.add(key, 0, timeout=90)
        count = cache.incr(key)
    except Exception:  # a cache that fails must not stop the checks: they are worth more than the limit
        return 0
    return 0 if count <= SCANS_PER_MINUTE else max(1, int((window + 1) * 60 - now))


def _notes_for(user: Any, zone: Zone, form: LiveCheckForm) -> confidentiality.Notes:
    """The confidentiality notes of the item behind the text: the post's item, or the item a new post is made from.
    Another zone's post or item is a 404, one the officer may not read a 403."""
    post_id, item_id = form.cleaned_data.get("post"), form.cleaned_data.get("item")
    if post_id:
        post = Post.objects.filter(zone=zone, pk=post_id).select_related("zone", "item", "locality").first()
        if post is None:
            raise Http404
        if not permissions.can_view_post(user, post):
            raise PermissionDenied
        return confidentiality.Notes.of(post=post)
    if item_id:
        item = Item.objects.filter(zone=zone, pk=item_id).select_related("zone", "locality").first()
        if item is None:
            raise Http404
        if not permissions.can_view_item(user, item):
            raise PermissionDenied
        return confidentiality.Notes.of(item=item)
    return confidentiality.NO_NOTES


def _utf16_offsets(text: str) -> list[int] | None:
    """For each index of ``text``, the same place counted in UTF-16 code units (what a browser's textarea counts);
    None when they are the same (no character outside the Basic Multilingual Plane, such as an emoji)."""
    if all(ord(char) < 0x10000 for char in text):
        return None
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) >= 0x10000 else 1))
    return offsets


@login_required
@require_POST
def confidentiality_check(request: HttpRequest, zone_slug: str) -> JsonResponse:
    """POST ``text`` (and ``post`` or ``item``, whose confidentiality notes are checked too): the findings of the
    review's scan, each with its kind, label (in the officer's language), masked excerpt and place in the text
    (``start`` and ``end`` in UTF-16 code units, as the page's JavaScript counts)."""
    zone = zone_for_drafting(request.user, zone_slug)
    wait = _over_the_limit(request.user)
    if wait:
        return _error(
            _("Too many checks in a short time: the next one runs in a moment. Your text is kept."),
            429,
            **{"Retry-After": str(wait)},
        )
    form = LiveCheckForm(request.POST)
    if not form.is_valid():
        if "text" in form.errors and len(request.POST.get("text", "")) > MAX_TEXT_CHARS:
            message = _(
                "This text is too long to be checked while typing (more than %(max)s characters). The review will "
                "check it."
            ) % {"max": formats.number_format(MAX_TEXT_CHARS, force_grouping=True)}
        else:
            message = _("This text could not be checked while typing. The review will check it.")
        return _error(message, 400)
    text = form.cleaned_data["text"]
    findings = confidentiality.scan_text(text, zone=zone, notes=_notes_for(request.user, zone, form))
    offsets = _utf16_offsets(text)
    return JsonResponse(
        {
            "count": len(findings),
            "findings": [
                finding.to_dict()
                | ({} if offsets is None else {"start": offsets[finding.start], "end": offsets[finding.end]})
                for finding in findings
            ],
        }
    )


@login_required
@require_safe
def partner_directory(request: HttpRequest, zone_slug: str) -> JsonResponse:
    """The zone's active partner accounts, for @-completion: name, kind, X handle, Facebook page name."""
    zone = zone_for_drafting(request.user, zone_slug)
    partners = PartnerAccount.objects.filter(zone=zone, is_active=True).order_by("name", "pk")
    return JsonResponse(
        {
            "partners": [
                {
                    "name": partner.name,
                    "kind": partner.get_kind_display(),
                    "x_handle": partner.x_handle.strip().lstrip("@"),
                    "facebook_name": partner.facebook_name.strip(),
                }
                for partner in partners
            ]
        }
    )
