"""The archive (issue 16, point 2): what went out, searched and filtered like the Posts page, and a period of it
exported as CSV or JSON for a magistrate, the press office or the zone's own records. Officers and directors only
(``permissions.can_view_archive``).

An export streams: the posts are read a chunk at a time and written as they come, so a year costs the server no
more memory than a week. It is still limited per request (``MAX_EXPORT_DAYS``, ``MAX_EXPORT_POSTS``): a larger one
is sent back to the page with a message saying why. Each export is audited with its period and its count."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts import permissions
from editorial.audit import audit_record
from editorial.forms.archive import ArchiveSearchForm
from editorial.models import Channel, Zone
from editorial.selectors import archive as archive_selectors
from editorial.selectors.archive import MAX_EXPORT_DAYS, MAX_EXPORT_POSTS, ExportRow
from editorial.selectors.reports import csv_safe
from editorial.selectors.search import MAX_SEARCH_CHARS, PostFilters

PAGE_SIZE = 50
FORMATS = ("csv", "json")

CSV_HEADERS = (
    "post_id",
    "title",
    "went_out_at",
    "channel",
    "text",
    "platform_id",
    "link",
    "channel_published_at",
    "category",
    "locality",
    "unit",
    "author",
    "approver",
    "approved_at",
)


def _zone_for_archive(user: Any, zone_slug: str) -> Zone:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_view_archive(user, zone):
        raise PermissionDenied
    return zone


def _export_query(request: HttpRequest) -> str:
    """The search in the address, for the export links and the way back: only the form's fields, each no longer
    than the search reads (``MAX_SEARCH_CHARS``), so that an address of any size comes back as a short one."""
    fields = set(ArchiveSearchForm.base_fields) - {"page", "status"}
    return urlencode([(key, value[:MAX_SEARCH_CHARS]) for key, value in request.GET.items() if key in fields and value])


@login_required
@require_safe
def archive(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = _zone_for_archive(request.user, zone_slug)
    form = ArchiveSearchForm(request.GET, zone=zone)
    filters, ignored = form.search()
    posts = archive_selectors.archive_posts(user=request.user, zone=zone, filters=filters)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _export_query(request)
    context = {
        "zone": zone,
        "form": form,
        "filters": filters,
        "ignored": ignored,
        "page": page,
        "posts": page.object_list,
        "searched": bool(filters.text) or form.narrowed,
        "now": timezone.now(),
        "export_query": query,
        "max_days": MAX_EXPORT_DAYS,
        "max_posts": MAX_EXPORT_POSTS,
    }
    return render(request, "editorial/archive.html", context)


@login_required
@require_safe
def archive_export(request: HttpRequest, zone_slug: str, fmt: str) -> HttpResponse:
    """The posts of the archive's search that went out in its period, as CSV (one line per post and channel) or
    JSON (one object per post, its channels inside), streamed."""
    zone = _zone_for_archive(request.user, zone_slug)
    form = ArchiveSearchForm(request.GET, zone=zone)
    filters, ignored = form.search()
    back = reverse("editorial:archive", args=[zone.slug])
    query = _export_query(request)
    back = f"{back}?{query}" if query else back
    if ignored:
        messages.warning(
            request,
            _("These values were not understood: %(fields)s. Correct them before exporting.")
            % {"fields": ", ".join(ignored)},
        )
        return HttpResponseRedirect(back)
    if filters.start is None or filters.end is None:
        messages.warning(
            request,
            _("Choose the period to export: a first and a last day (at most %(days)s days).")
            % {"days": MAX_EXPORT_DAYS},
        )
        return HttpResponseRedirect(back)
    days = (filters.end - filters.start).days + 1
    if days > MAX_EXPORT_DAYS:
        messages.warning(
            request,
            _(
                "An export covers at most %(max)s days and this period has %(days)s: export it in parts, "
                "a year at a time."
            )
            % {"max": MAX_EXPORT_DAYS, "days": days},
        )
        return HttpResponseRedirect(back)
    posts = archive_selectors.export_posts(user=request.user, zone=zone, filters=filters)
    count = posts.count()
    if count > MAX_EXPORT_POSTS:
        messages.warning(
            request,
            _(
                "This period has %(count)s posts and an export holds at most %(max)s: choose a shorter period "
                "or narrow the search."
            )
            % {"count": count, "max": MAX_EXPORT_POSTS},
        )
        return HttpResponseRedirect(back)
    with transaction.atomic():
        audit_record(
            action="editorial.archive.export",
            actor=request.user,
            zone=zone,
            data={
                "format": fmt,
                "start": filters.start.isoformat(),
                "end": filters.end.isoformat(),
                "count": count,
                "filters": _filters_data(filters),
            },
        )
    name = f"{zone.slug}-archive-{filters.start.isoformat()}-{filters.end.isoformat()}.{fmt}"
    rows = archive_selectors.export_rows(posts)
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(zone, rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(
            _json_parts(zone, filters, count, rows), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _filters_data(filters: PostFilters) -> dict[str, Any]:
    wanted = ("text", "channel", "unit", "category", "locality", "author")
    return {name: getattr(filters, name) for name in wanted if getattr(filters, name) not in (None, "")}


def _local(moment: Any, zone: Zone) -> str:
    return moment.astimezone(zone.tzinfo).isoformat(timespec="seconds") if moment else ""


class _Line:
    """A file-like object for ``csv.writer`` that hands back what it was given: one line at a time."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(zone: Zone, rows: Iterator[ExportRow]) -> Iterator[str]:
    Channel.read_networks(zone.pk)  # the channels' labels without a query each
    writer = csv.writer(_Line())
    # The byte-order mark tells a spreadsheet the file is UTF-8 (accents in names).
    yield "\ufeff" + writer.writerow(CSV_HEADERS)
    for row in rows:
        shared = [str(row.post_id), csv_safe(row.title), _local(row.went_out_at, zone)]
        after = [
            csv_safe(row.category),
            csv_safe(row.locality),
            csv_safe(row.unit),
            csv_safe(row.author),
            csv_safe(row.approver),
            _local(row.approved_at, zone),
        ]
        for out in row.channels or [None]:
            if out is None:
                middle = ["", "", "", "", ""]
            else:
                middle = [
                    csv_safe(out.channel),
                    csv_safe(out.text),
                    csv_safe(out.platform_id),
                    csv_safe(out.link),
                    _local(out.published_at, zone),
                ]
            yield writer.writerow(shared + middle + after)


def _json_parts(zone: Zone, filters: PostFilters, count: int, rows: Iterator[ExportRow]) -> Iterator[str]:
    Channel.read_networks(zone.pk)
    head = {
        "zone": zone.name,
        "timezone": zone.timezone,
        "start": filters.start.isoformat() if filters.start else None,
        "end": filters.end.isoformat() if filters.end else None,
        "exported_at": _local(timezone.now(), zone),
        "count": count,
    }
    # The head's closing brace is left off: the posts follow inside it.
    yield json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "posts": ['
    for number, row in enumerate(rows):
        post = {
            "post_id": row.post_id,
            "title": row.title,
            "went_out_at": _local(row.went_out_at, zone),
            "channels": [
                {
                    "channel": out.channel,
                    "text": out.text,
                    "platform_id": out.platform_id,
                    "link": out.link,
                    "published_at": _local(out.published_at, zone),
                }
                for out in row.channels
            ],
            "category": row.category,
            "locality": row.locality,
            "unit": row.unit,
            "author": row.author,
            "approver": row.approver,
            "approved_at": _local(row.approved_at, zone),
        }
        yield ("\n  " if number == 0 else ",\n  ") + json.dumps(post, ensure_ascii=False)
    yield "\n ]\n}\n"
