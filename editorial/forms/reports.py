"""The reports page's one form: a director asks for (or stops) the week's report by e-mail on Monday morning."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class WeeklyReportEmailForm(forms.Form):
    weekly_report_email = forms.BooleanField(
        label=_("E-mail me the week's report on Monday morning"),
        required=False,
        help_text=_("The tables of last week, with a link to this page. You can stop it here at any time."),
    )
