from django.urls import path

from editorial.views import archive as archive_views
from editorial.views import audit as audit_views
from editorial.views import checks, dashboard, items, members, plan, posts, publishing, review
from editorial.views import evidence as evidence_views
from editorial.views import fastlane as fastlane_views
from editorial.views import followups as follow_up_views
from editorial.views import reports as report_views
from editorial.views import search as search_views
from editorial.views import templates as template_views
from editorial.views import timebudget as time_views

app_name = "editorial"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("z/<slug:zone_slug>/", dashboard.zone_dashboard, name="zone_dashboard"),
    # Items from the units, and the officer's inbox.
    path("z/<slug:zone_slug>/items/", items.item_list, name="item_list"),
    path("z/<slug:zone_slug>/items/new/", items.item_create, name="item_create"),
    path("z/<slug:zone_slug>/items/<int:item_id>/", items.item_detail, name="item_detail"),
    path("z/<slug:zone_slug>/items/<int:item_id>/take-up/", items.item_take_up, name="item_take_up"),
    path("z/<slug:zone_slug>/items/<int:item_id>/decline/", items.item_decline, name="item_decline"),
    path(
        "z/<slug:zone_slug>/items/<int:item_id>/files/<int:attachment_id>/",
        items.item_attachment,
        name="item_attachment",
    ),
    # Every post one may read, found by its words and filters (issue 14).
    path("z/<slug:zone_slug>/posts/", search_views.post_list, name="post_list"),
    # The archive of what went out, and a period of it as CSV or JSON (issue 16).
    path("z/<slug:zone_slug>/archive/", archive_views.archive, name="archive"),
    path(
        "z/<slug:zone_slug>/archive/export.csv",
        archive_views.archive_export,
        {"fmt": "csv"},
        name="archive_export_csv",
    ),
    path(
        "z/<slug:zone_slug>/archive/export.json",
        archive_views.archive_export,
        {"fmt": "json"},
        name="archive_export_json",
    ),
    # Drafting and the post page.
    path("z/<slug:zone_slug>/posts/new/", posts.post_create, name="post_create"),
    path("z/<slug:zone_slug>/posts/x-fit/", posts.x_fit, name="x_fit"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/", posts.post_detail, name="post_detail"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/edit/", posts.post_edit, name="post_edit"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/submit/", posts.post_submit, name="post_submit"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/comments/", posts.comment_add, name="comment_add"),
    # Multi-step review: the unit head the post's category names signs it off before the director approves it.
    path("z/<slug:zone_slug>/posts/<int:post_id>/sign-off/", posts.post_sign_off, name="post_sign_off"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/share/", posts.post_share, name="post_share"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/duplicate/", posts.post_duplicate, name="post_duplicate"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/images/<int:media_id>/", posts.media_file, name="media_file"),
    # The evidence of what a post published and on whose approval (issue 16): a printable page and two exports.
    path("z/<slug:zone_slug>/posts/<int:post_id>/evidence/", evidence_views.post_evidence, name="post_evidence"),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/evidence.json",
        evidence_views.post_evidence_json,
        name="post_evidence_json",
    ),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/evidence.html",
        evidence_views.post_evidence_html,
        name="post_evidence_html",
    ),
    # While the officer types a text: the review's confidentiality scan, the partner accounts to mention.
    path(
        "z/<slug:zone_slug>/checks/confidentiality/",
        checks.confidentiality_check,
        name="confidentiality_check",
    ),
    path("z/<slug:zone_slug>/checks/partners/", checks.partner_directory, name="partner_directory"),
    # Publishing: the post's publications, the decisions after an unknown outcome, the zone's publications that need
    # a person, the channels and pauses.
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/publications/",
        publishing.post_publications,
        name="post_publications",
    ),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/publications/<int:publication_id>/published/",
        publishing.publication_confirm_published,
        name="publication_confirm_published",
    ),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/publications/<int:publication_id>/leave-unsent/",
        publishing.publication_leave_unsent,
        name="publication_leave_unsent",
    ),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/publications/<int:publication_id>/send-again/",
        publishing.publication_send_again,
        name="publication_send_again",
    ),
    path("z/<slug:zone_slug>/posts/<int:post_id>/publish-now/", publishing.post_publish_now, name="post_publish_now"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/cancel/", publishing.post_cancel, name="post_cancel"),
    path(
        "z/<slug:zone_slug>/publications/attention/",
        publishing.publications_attention,
        name="publications_attention",
    ),
    path("z/<slug:zone_slug>/channels/", publishing.channels, name="channels"),
    path("z/<slug:zone_slug>/channels/pause/", publishing.zone_pause, name="zone_pause"),
    path("z/<slug:zone_slug>/channels/resume/", publishing.zone_resume, name="zone_resume"),
    path("z/<slug:zone_slug>/channels/<int:channel_id>/pause/", publishing.channel_pause, name="channel_pause"),
    path("z/<slug:zone_slug>/channels/<int:channel_id>/resume/", publishing.channel_resume, name="channel_resume"),
    path("z/<slug:zone_slug>/channels/<int:channel_id>/test/", publishing.channel_test, name="channel_test"),
    # Review by the director.
    path("z/<slug:zone_slug>/review/", review.review_queue, name="review_queue"),
    path("z/<slug:zone_slug>/posts/<int:post_id>/review/", review.review_post, name="review_post"),
    path(
        "z/<slug:zone_slug>/posts/<int:post_id>/request-changes/",
        review.request_changes,
        name="request_changes",
    ),
    # Templates (issue 13): written by the officer, approved once by the director.
    path("z/<slug:zone_slug>/templates/", template_views.template_list, name="template_list"),
    path("z/<slug:zone_slug>/templates/new/", template_views.template_create, name="template_create"),
    path("z/<slug:zone_slug>/templates/<int:template_id>/", template_views.template_detail, name="template_detail"),
    path("z/<slug:zone_slug>/templates/<int:template_id>/edit/", template_views.template_edit, name="template_edit"),
    path(
        "z/<slug:zone_slug>/templates/<int:template_id>/submit/",
        template_views.template_submit,
        name="template_submit",
    ),
    path(
        "z/<slug:zone_slug>/templates/<int:template_id>/review/",
        template_views.template_review,
        name="template_review",
    ),
    path(
        "z/<slug:zone_slug>/templates/<int:template_id>/request-changes/",
        template_views.template_request_changes,
        name="template_request_changes",
    ),
    path(
        "z/<slug:zone_slug>/templates/<int:template_id>/retire/",
        template_views.template_retire,
        name="template_retire",
    ),
    # The fast lane: publishing from an approved template, urgent posts, and the director's review after.
    path("z/<slug:zone_slug>/publish/", fastlane_views.fast_lane, name="fast_lane"),
    path(
        "z/<slug:zone_slug>/templates/<int:template_id>/publish/",
        fastlane_views.template_publish,
        name="template_publish",
    ),
    path("z/<slug:zone_slug>/urgent/new/", fastlane_views.urgent_post, name="urgent_post"),
    path("z/<slug:zone_slug>/review-after/", fastlane_views.review_after_queue, name="review_after_queue"),
    path(
        "z/<slug:zone_slug>/review-after/<int:review_after_id>/acknowledge/",
        fastlane_views.review_after_acknowledge,
        name="review_after_acknowledge",
    ),
    # The zone's members and the rights delegated to unit heads (its administrator and director).
    path("z/<slug:zone_slug>/members/", members.member_list, name="member_list"),
    path("z/<slug:zone_slug>/members/<int:membership_id>/", members.member_detail, name="member_detail"),
    path("z/<slug:zone_slug>/members/<int:membership_id>/revoke/", members.grant_revoke, name="grant_revoke"),
    # The weekly plan and its calendar feed.
    path("z/<slug:zone_slug>/plan/", plan.plan_week, name="plan"),
    path("z/<slug:zone_slug>/plan/<int:year>-W<int:week>/", plan.plan_week, name="plan_week"),
    path("z/<slug:zone_slug>/plan/month/", plan.plan_month, name="plan_month"),
    path("z/<slug:zone_slug>/plan/month/<int:year>-<int:month>/", plan.plan_month, name="plan_month_of"),
    path("z/<slug:zone_slug>/plan/posts/<int:post_id>/move/", plan.post_move, name="post_move"),
    path("z/<slug:zone_slug>/plan/new/", plan.plan_post_new, name="plan_post_new"),
    path("z/<slug:zone_slug>/plan/themes/", plan.theme_add, name="theme_add"),
    path("z/<slug:zone_slug>/plan/themes/<int:theme_id>/delete/", plan.theme_delete, name="theme_delete"),
    path("z/<slug:zone_slug>/plan/calendar/", plan.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", plan.calendar_feed, name="calendar_feed"),
    # Reports (issue 14): a week's or a month's charts and tables, a CSV per report (?report=), the director's e-mail.
    path("z/<slug:zone_slug>/reports/", report_views.reports, name="reports"),
    path("z/<slug:zone_slug>/reports/<int:year>-W<int:week>/", report_views.report_week, name="report_week"),
    path(
        "z/<slug:zone_slug>/reports/<int:year>-W<int:week>/csv/", report_views.report_week_csv, name="report_week_csv"
    ),
    path("z/<slug:zone_slug>/reports/<int:year>-<int:month>/", report_views.report_month, name="report_month"),
    path(
        "z/<slug:zone_slug>/reports/<int:year>-<int:month>/csv/", report_views.report_month_csv, name="report_month_csv"
    ),
    path("z/<slug:zone_slug>/reports/weekly-email/", report_views.report_email, name="report_email"),
    # Follow-ups of real-time posts (a reopening after a closure): published as a reply in two clicks.
    path("z/<slug:zone_slug>/follow-ups/", follow_up_views.follow_up_list, name="follow_up_list"),
    path(
        "z/<slug:zone_slug>/follow-ups/<int:follow_up_id>/",
        follow_up_views.follow_up_detail,
        name="follow_up_detail",
    ),
    path(
        "z/<slug:zone_slug>/follow-ups/<int:follow_up_id>/publish/",
        follow_up_views.follow_up_publish,
        name="follow_up_publish",
    ),
    path(
        "z/<slug:zone_slug>/follow-ups/<int:follow_up_id>/dismiss/",
        follow_up_views.follow_up_dismiss,
        name="follow_up_dismiss",
    ),
    # The time budget (issue 14): the pages' pings, each person's time, the team's, the zone's budget.
    path("z/<slug:zone_slug>/time/", time_views.time_mine, name="time_mine"),
    path("z/<slug:zone_slug>/time/team/", time_views.time_team, name="time_team"),
    path("z/<slug:zone_slug>/time/budget/", time_views.time_budget, name="time_budget"),
    path("z/<slug:zone_slug>/time/ping/", time_views.time_ping, name="time_ping"),
    # The zone's audit log for its director and administrator (issue 16, point 4).
    path("z/<slug:zone_slug>/audit/", audit_views.audit_log, name="audit_log"),
]
