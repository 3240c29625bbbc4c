"""Placeholder until this area is built in this session."""

from django.http import Http404


def post_create(request, **kwargs):
    raise Http404


def post_detail(request, **kwargs):
    raise Http404


def post_edit(request, **kwargs):
    raise Http404


def post_submit(request, **kwargs):
    raise Http404


def comment_add(request, **kwargs):
    raise Http404


def post_share(request, **kwargs):
    raise Http404


def media_file(request, **kwargs):
    raise Http404
