"""Placeholder until this area is built in this session."""

from django.http import Http404


def review_queue(request, **kwargs):
    raise Http404


def review_post(request, **kwargs):
    raise Http404


def request_changes(request, **kwargs):
    raise Http404
