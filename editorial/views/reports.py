"""The reports (issue 14, point 6): a page per week or month with its charts and tables, a CSV per report, and the
director's weekly e-mail switch. Officers and directors only (``permissions.can_view_reports``).

A week or a month that cannot exist (week 54, month 13) is a 404; a period kind the page does not know is named
and left out."""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import permissions
from accounts.models import User
from editorial import charts, weekly_report
from editorial.charts import Reference, Row, Series
from editorial.forms.reports import WeeklyReportEmailForm
from editorial.models import WorkKind, Zone
from editorial.selectors import reports as report_selectors
from editorial.selectors.reports import MONTH, PERIOD_KINDS, REPORTS, WEEK, ImpossiblePeriod, Period, ZoneReport

# The colours of the time budget's kinds of work, the same in every chart.
KIND_COLOURS = {
    WorkKind.ITEMS: "sky",
    WorkKind.WRITING: "blue",
    WorkKind.REVIEW: "orange",
    WorkKind.COMMENTS: "green",
    WorkKind.OTHER: "grey",
}


def _zone_for_reports(user: User, zone_slug: str) -> Zone:
    zone = permissions.zone_for_user_or_404(user, zone_slug)
    if not permissions.can_view_reports(user, zone):
        raise PermissionDenied
    return zone


def _period_or_404(kind: str, year: int, number: int) -> Period:
    try:
        return Period.week(year, number) if kind == WEEK else Period.month(year, number)
    except ImpossiblePeriod:
        raise Http404 from None


def period_url(zone: Zone, period: Period, *, csv_report: str = "") -> str:
    if period.kind == WEEK:
        name, args = "editorial:report_week", [zone.slug, period.year, f"{period.number:02d}"]
    else:
        name, args = "editorial:report_month", [zone.slug, period.year, f"{period.number:02d}"]
    if csv_report:
        return reverse(f"{name}_csv", args=args) + f"?report={csv_report}"
    return reverse(name, args=args)


def _today(zone: Zone) -> dt.date:
    return timezone.localdate(timezone=zone.tzinfo)


@login_required
@require_safe
def reports(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """This week's report, or this month's (``?period=month``)."""
    zone = _zone_for_reports(request.user, zone_slug)
    kind = request.GET.get("period", WEEK)
    if kind not in PERIOD_KINDS:
        messages.warning(
            request,
            _("The period “%(value)s” is not one the reports know (a week or a month): here is this week.")
            % {"value": kind[:40]},
        )
        kind = WEEK
    return redirect(period_url(zone, Period.containing(kind, _today(zone))))


@login_required
@require_safe
def report_week(request: HttpRequest, zone_slug: str, year: int, week: int) -> HttpResponse:
    zone = _zone_for_reports(request.user, zone_slug)
    return _render(request, zone, _period_or_404(WEEK, year, week))


@login_required
@require_safe
def report_month(request: HttpRequest, zone_slug: str, year: int, month: int) -> HttpResponse:
    zone = _zone_for_reports(request.user, zone_slug)
    return _render(request, zone, _period_or_404(MONTH, year, month))


@login_required
@require_safe
def report_week_csv(request: HttpRequest, zone_slug: str, year: int, week: int) -> HttpResponse:
    zone = _zone_for_reports(request.user, zone_slug)
    return _csv(request, zone, _period_or_404(WEEK, year, week))


@login_required
@require_safe
def report_month_csv(request: HttpRequest, zone_slug: str, year: int, month: int) -> HttpResponse:
    zone = _zone_for_reports(request.user, zone_slug)
    return _csv(request, zone, _period_or_404(MONTH, year, month))


@login_required
@require_POST
def report_email(request: HttpRequest, zone_slug: str) -> HttpResponse:
    """A director turns the week's report by e-mail on or off."""
    zone = _zone_for_reports(request.user, zone_slug)
    if not permissions.can_receive_weekly_report(request.user, zone):
        raise PermissionDenied
    form = WeeklyReportEmailForm(request.POST)
    form.is_valid()  # a checkbox: anything but "on" is off
    enabled = bool(form.cleaned_data.get("weekly_report_email"))
    changed = weekly_report.weekly_report_email_set(actor=request.user, zone=zone, enabled=enabled)
    if changed and enabled:
        messages.success(request, _("You will receive the week's report by e-mail on Monday mornings."))
    elif changed:
        messages.success(request, _("You will no longer receive the week's report by e-mail."))
    back = request.POST.get("next", "")
    # Only a path of this site: redirect() would read a bare word as the name of a view.
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("editorial:reports", args=[zone.slug])
    return HttpResponseRedirect(back)


# --- The page ---------------------------------------------------------------------------------------------------


def _render(request: HttpRequest, zone: Zone, period: Period) -> HttpResponse:
    today = _today(zone)
    report = report_selectors.zone_report(zone=zone, period=period, today=today)
    previous, following = period.previous(), period.next()
    current = Period.containing(period.kind, today)
    other_kind = MONTH if period.kind == WEEK else WEEK
    if period.first_day <= today <= period.last_day:
        switch_to = Period.containing(other_kind, today)
    elif period.kind == WEEK:
        switch_to = Period.containing(MONTH, period.first_day + dt.timedelta(days=3))  # the month of its Thursday
    else:
        switch_to = Period.containing(WEEK, period.first_day + dt.timedelta(days=3))  # its first week mostly in it
    email_form = None
    if permissions.can_receive_weekly_report(request.user, zone):
        email_form = WeeklyReportEmailForm(
            initial={"weekly_report_email": weekly_report.weekly_report_email_on(user=request.user, zone=zone)}
        )
    tz = zone.tzinfo
    sections = [
        {
            "kind": kind,
            "columns": [(str(column.header), column.kind in ("int", "hours")) for column in table.columns],
            "rows": table.display_rows(tz),
            "csv_url": period_url(zone, period, csv_report=kind.name),
            "empty": report.get(kind.name).empty,
        }
        for kind, table in report.sections()
    ]
    context = {
        "zone": zone,
        "period": period,
        "report": report,
        "sections": {section["kind"].attribute: section for section in sections},
        "charts": _charts(report),
        "previous_url": period_url(zone, previous) if previous else None,
        "next_url": period_url(zone, following) if following else None,
        "current_url": period_url(zone, current),
        "is_current": period == current,
        "week_url": period_url(zone, period if period.kind == WEEK else switch_to),
        "month_url": period_url(zone, period if period.kind == MONTH else switch_to),
        "email_form": email_form,
    }
    return render(request, "editorial/reports.html", context)


def _charts(report: ZoneReport) -> dict[str, object]:
    nothing = _("Nothing in this period.")
    by_week = report.period.kind == MONTH
    channels = report.channels
    channel_series = [Series(_("Planned"), "sky"), Series(_("Published"), "blue")]
    if channels.has_target:
        channel_series.append(Series(_("Target"), "grey"))
    channel_rows = [
        Row(r.channel, [r.planned, r.published, *([r.target or 0] if channels.has_target else [])])
        for r in channels.rows
    ]
    reviews = report.reviews
    failures = report.failures
    time = report.time
    time_rows = [
        Row(b.bucket.label, [round(b.per_day(str(kind))) for kind in report_selectors.TIME_KINDS]) for b in time.buckets
    ]
    budget_label = _("Budget: %(minutes)s min a day") % {"minutes": time.daily_budget}
    return {
        "channels": charts.grouped_bar_chart(
            title=_("Posts planned and published, per channel"),
            description=_("The figures are in the table beside the chart."),
            series=channel_series,
            rows=channel_rows,
            empty_text=nothing,
        ),
        "units": charts.bar_chart(
            title=_("Published posts per unit"),
            rows=report.units.by_unit(),
            series_label=_("Posts"),
            colour="green",
            empty_text=nothing,
        ),
        "categories": charts.bar_chart(
            title=_("Published posts per category"),
            rows=report.units.by_category(),
            series_label=_("Posts"),
            colour="vermillion",
            empty_text=nothing,
        ),
        "lead_time": charts.bar_chart(
            title=_("Posts by time from the item to publication"),
            rows=report.lead_time.bands(),
            series_label=_("Posts"),
            colour="purple",
            empty_text=nothing,
        ),
        "reviews": charts.stacked_bar_chart(
            title=_("Review decisions per week") if by_week else _("Review decisions per day"),
            series=[Series(_("Approved"), "green"), Series(_("Sent back"), "vermillion")],
            rows=[Row(b.bucket.label, [b.approved, b.sent_back]) for b in reviews.buckets],
            empty_text=nothing,
        ),
        "failures": charts.stacked_bar_chart(
            title=_("Failed attempts per channel"),
            series=[Series(_("Retried"), "orange"), Series(_("Failed"), "vermillion"), Series(_("Unknown"), "purple")],
            rows=[Row(r.channel, [r.retried, r.failed, r.unknown]) for r in failures.channels],
            empty_text=_("No failure in this period."),
        ),
        "time": charts.stacked_bar_chart(
            title=_("Minutes a day in the desk, per week, against the budget")
            if by_week
            else _("Minutes a day in the desk, against the budget"),
            series=[Series(str(kind.label), KIND_COLOURS[kind]) for kind in report_selectors.TIME_KINDS],
            rows=time_rows,
            reference=Reference(time.daily_budget, budget_label) if time.daily_budget else None,
            empty_text=nothing,
        ),
    }


# --- CSV --------------------------------------------------------------------------------------------------------


def _csv(request: HttpRequest, zone: Zone, period: Period) -> HttpResponse:
    name = request.GET.get("report", "")
    if name not in REPORTS:
        raise Http404
    report = report_selectors.zone_report(zone=zone, period=period, today=_today(zone))
    table = report.get(name).table()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{zone.slug}-{name}-{period.key}.csv"'
    # The byte-order mark tells a spreadsheet the file is UTF-8 (accents in names).
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([report_selectors.csv_safe(header) for header in table.headers])
    writer.writerows(table.csv_rows(zone.tzinfo))
    return response
