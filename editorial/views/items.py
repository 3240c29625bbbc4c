"""Placeholder until this area is built in this session."""

from django.http import Http404


def item_list(request, **kwargs):
    raise Http404


def item_create(request, **kwargs):
    raise Http404


def item_detail(request, **kwargs):
    raise Http404


def item_take_up(request, **kwargs):
    raise Http404


def item_decline(request, **kwargs):
    raise Http404


def item_attachment(request, **kwargs):
    raise Http404
