"""The archive's search form: the Posts page's form (``PostSearchForm``), without the status (everything here went
out), the period being when a post went out, sorted by that time."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext_lazy as _

from editorial.forms.search import PostSearchForm
from editorial.models import Zone
from editorial.selectors.archive import DEFAULT_ARCHIVE_SORT
from editorial.selectors.search import PostFilters

ARCHIVE_SORT_CHOICES = [
    ("went_out", _("Went out, latest first")),
    ("went_out_asc", _("Went out, earliest first")),
    ("title", _("Title, A to Z")),
]
FILTERS = ("channel", "unit", "category", "locality", "author", "start", "end")


class ArchiveSearchForm(PostSearchForm):
    def __init__(self, data: Any, *, zone: Zone) -> None:
        super().__init__(data, zone=zone)
        del self.fields["status"]
        self.fields["start"].label = _("Went out from")
        self.fields["end"].label = _("Went out until")
        self.fields["sort"].choices = ARCHIVE_SORT_CHOICES

    def search(self) -> tuple[PostFilters, list[str]]:
        filters, ignored = super().search()
        if filters.sort not in dict(ARCHIVE_SORT_CHOICES):
            filters = dataclasses.replace(filters, sort=DEFAULT_ARCHIVE_SORT)
        return filters, ignored

    @property
    def narrowed(self) -> bool:
        return any(self.data.get(name) for name in FILTERS)
