"""The Posts page: every post a person may read, found by its words, filtered, sorted, a page at a time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import permissions
from editorial.forms.search import PostSearchForm
from editorial.selectors import search as search_selectors

PAGE_SIZE = 50


@login_required
@require_safe
def post_list(request: HttpRequest, zone_slug: str) -> HttpResponse:
    zone = permissions.zone_for_user_or_404(request.user, zone_slug)
    if not search_selectors.may_list_posts(request.user, zone):
        raise PermissionDenied
    form = PostSearchForm(request.GET, zone=zone)
    filters, ignored = form.search()
    posts = search_selectors.search_posts(user=request.user, zone=zone, filters=filters)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "zone": zone,
        "form": form,
        "filters": filters,
        "ignored": ignored,
        "page": page,
        "posts": page.object_list,
        "searched": bool(filters.text) or form.narrowed,
        "now": timezone.now(),
    }
    return render(request, "editorial/post_list_page.html", context)
