"""The audit log page (issue 16, point 4): the zone's events as sentences, filtered, a page at a time, with the
chain's last verification. For the holders of ``Right.VIEW_AUDIT`` (the director and the administrator)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.permissions import Right
from editorial.audit_verify import last_verification
from editorial.forms.audit_log import AuditLogFilterForm
from editorial.models import AuditEvent
from editorial.selectors.audit_log import audit_page
from editorial.views.access import zone_with_right

# Filters carried over by the links to the newer and older pages.
_KEPT = ("person", "kind", "object_type", "object", "start", "end")


@login_required
@require_safe
def audit_log(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = zone_with_right(request.user, zone_slug, Right.VIEW_AUDIT)
    form = AuditLogFilterForm(request.GET, zone=zone)
    filters, ignored = form.filters()
    page = audit_page(user=request.user, zone=zone, filters=filters)
    if page.cursor_lost:
        ignored.append(str(form.fields["before"].label))
    kept = {
        name: request.GET[name]
        for name in _KEPT
        if request.GET.get(name) and str(form.fields[name].label) not in ignored
    }
    # The head of the whole log (one indexed read): what the last verification can be compared with. Its id only:
    # the chain is shared by every zone, and the time of its last event would tell another zone's activity.
    head = AuditEvent.objects.order_by("-pk").values("pk").first()
    context = {
        "zone": zone,
        "form": form,
        "filters": filters,
        "ignored": ignored,
        "page": page,
        "rows": page.rows,
        "newer_url": _link(kept, after=page.newer) if page.newer else "",
        "older_url": _link(kept, before=page.older) if page.older else "",
        "newest_url": _link(kept) if page.newer else "",
        "verification": last_verification(),
        "head": head,
    }
    return render(request, "editorial/audit_log.html", context)


def _link(kept: dict[str, str], **position: int) -> str:
    return "?" + urlencode({**kept, **position})
