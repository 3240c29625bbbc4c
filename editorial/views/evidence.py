"""The evidence record of a post (issue 16, point 1): a printable page, its JSON export and a self-contained HTML
file that prints well. For the zone's officers and directors (``permissions.can_view_evidence``): another zone's
post is a 404, a post of this zone they may not read or whose evidence is not theirs to see a 403.

A post that never went out has a page that says so. Each export leaves the desk, so each is written to the audit
log (``editorial.post.evidence_export``)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from accounts import permissions
from editorial.audit import audit_record
from editorial.evidence import evidence_record
from editorial.models import Post, Zone
from editorial.views.access import post_for_user


def _evidence_for_user(request: HttpRequest, zone_slug: str, post_id: int) -> tuple[Zone, Post, dict[str, Any]]:
    zone, post = post_for_user(request.user, zone_slug, post_id)
    if not permissions.can_view_evidence(request.user, post):
        raise PermissionDenied
    return zone, post, evidence_record(post=post)


def _audit_export(request: HttpRequest, zone: Zone, post: Post, record: dict[str, Any], fmt: str) -> None:
    with transaction.atomic():
        audit_record(
            action="editorial.post.evidence_export",
            actor=request.user,
            zone=zone,
            obj=post,
            data={"format": fmt, "went_out": record["went_out"], "title": post.title},
        )


def _attachment(response: HttpResponse, zone: Zone, post: Post, extension: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="evidence-{zone.slug}-post-{post.pk}.{extension}"'
    return response


@login_required
@require_safe
def post_evidence(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    zone, post, record = _evidence_for_user(request, zone_slug, post_id)
    return render(request, "editorial/evidence.html", {"zone": zone, "post": post, "record": record})


@login_required
@require_safe
def post_evidence_json(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """Everything in the record, times in UTC (ISO 8601), as a file to hand over."""
    zone, post, record = _evidence_for_user(request, zone_slug, post_id)
    _audit_export(request, zone, post, record, "json")
    body = json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return _attachment(HttpResponse(body, content_type="application/json; charset=utf-8"), zone, post, "json")


@login_required
@require_safe
def post_evidence_html(request: HttpRequest, zone_slug: str, post_id: int) -> HttpResponse:
    """The record as one HTML file with its own style sheet, to open and print anywhere: always a download, never
    a page of the desk."""
    zone, post, record = _evidence_for_user(request, zone_slug, post_id)
    _audit_export(request, zone, post, record, "html")
    body = render_to_string("editorial/evidence_export.html", {"zone": zone, "post": post, "record": record}, request)
    return _attachment(HttpResponse(body, content_type="text/html; charset=utf-8"), zone, post, "html")
