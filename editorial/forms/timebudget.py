"""The zone's time budget (issue 14, point 5): the daily minutes and their split by kind of work, set by the zone's
administrator or director. The model says when the split does not add up (``Zone.clean``)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from editorial.models import WorkKind, Zone
from editorial.timetracking import BUDGET_FIELDS

# The shares are named as the pages name the kinds of work.
_SHARE_KINDS = {
    "budget_items_minutes": WorkKind.ITEMS,
    "budget_writing_minutes": WorkKind.WRITING,
    "budget_review_minutes": WorkKind.REVIEW,
    "budget_comments_minutes": WorkKind.COMMENTS,
}
# A day has 1440 minutes: a budget beyond it is a typing mistake, not a plan.
MAX_MINUTES = 24 * 60


class TimeBudgetForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = list(BUDGET_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in BUDGET_FIELDS:
            field = self.fields[name]
            low = 1 if name == "daily_budget_minutes" else 0
            field.min_value, field.max_value = low, MAX_MINUTES
            field.validators += [MinValueValidator(low), MaxValueValidator(MAX_MINUTES)]
            if name in _SHARE_KINDS:
                field.label = _SHARE_KINDS[name].label
            field.widget.attrs.update({"min": low, "max": MAX_MINUTES, "step": 1, "inputmode": "numeric"})

    def error_links(self) -> list[tuple[str, str]]:
        """The error summary's lines: (the id of the field, or "" for the form as a whole, the message)."""
        links: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        for name in BUDGET_FIELDS:
            links += [(self[name].auto_id, str(message)) for message in self[name].errors]
        return links
