"""Placeholder until this area is built in this session."""

from django.http import Http404


def plan_week(request, **kwargs):
    raise Http404


def theme_add(request, **kwargs):
    raise Http404


def theme_delete(request, **kwargs):
    raise Http404


def calendar_settings(request, **kwargs):
    raise Http404


def calendar_feed(request, **kwargs):
    raise Http404
