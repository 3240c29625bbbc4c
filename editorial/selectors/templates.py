"""Reads of the zone's templates (issue 13): the list, one template's texts per channel with their placeholders, the
choices its placeholders pick from, the confidentiality scan of its texts, and the templates waiting for review.

The list and the review queue run a fixed number of queries whatever the number of templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from editorial import templating
from editorial.confidentiality import Finding, scan_text
from editorial.models import Channel, Locality, Review, Road, Template, TemplateVersion, Value, Zone
from editorial.templating import Placeholder


def zone_templates(*, zone: Zone) -> list[Template]:
    """The zone's templates, by name, with what the list shows (category, versions, author): three queries."""
    return list(
        Template.objects.filter(zone=zone)
        .select_related("category", "current_version", "approved_version", "created_by")
        .order_by("name", "pk")
    )


def templates_in_review(*, zone: Zone) -> list[Template]:
    """Templates waiting for the director, the one submitted first at the top."""
    return list(
        Template.objects.filter(zone=zone, status=Template.Status.IN_REVIEW)
        .select_related("category", "current_version__created_by", "created_by")
        .order_by("updated_at", "pk")
    )


def template_choices(*, zone: Zone) -> templating.Choices:
    """What the zone offers to the placeholders that pick from a list: {name: hashtag}."""
    return templating.Choices(
        localities=dict(Locality.objects.filter(zone=zone).order_by("name").values_list("name", "hashtag")),
        roads=dict(Road.objects.filter(zone=zone).order_by("name").values_list("name", "hashtag")),
    )


def zone_roads(*, zone: Zone) -> QuerySet[Road]:
    return Road.objects.filter(zone=zone).order_by("name")


@dataclass(frozen=True)
class ChannelText:
    """One channel's text of a template version, and its follow-up (empty when none)."""

    channel: Channel
    text: str
    follow_up: str
    findings: list[Finding]

    @property
    def text_html(self) -> SafeString:
        return highlight(self.text)

    @property
    def follow_up_html(self) -> SafeString:
        return highlight(self.follow_up)


def version_placeholders(version: TemplateVersion | None) -> list[Placeholder]:
    return templating.declared(version.placeholders or []) if version is not None else []


def version_texts(*, version: TemplateVersion | None, zone: Zone, scan: bool = False) -> list[ChannelText]:
    """The version's texts by channel, in the order of the zone's channels (a channel removed since is left out:
    its text can no longer be published anyway). ``scan``: with the confidentiality scan's findings of each text
    and its follow-up."""
    if version is None:
        return []
    texts = {str(k): v for k, v in (version.texts or {}).items()}
    follow_ups = {str(k): v for k, v in (version.follow_up_texts or {}).items()}
    rows = []
    # X first: templates are for real-time messages, and X is the zone's real-time channel.
    ids = [int(k) for k in texts if k.isdigit()]
    for channel in Channel.objects.filter(zone=zone, pk__in=ids).order_by("-kind", "name", "pk"):
        text, follow_up = texts.get(str(channel.pk), ""), follow_ups.get(str(channel.pk), "")
        findings = []
        if scan:
            findings = scan_text(text, zone=zone) + (scan_text(follow_up, zone=zone) if follow_up else [])
        rows.append(ChannelText(channel=channel, text=text, follow_up=follow_up, findings=findings))
    return rows


def findings_payload(rows: list[ChannelText]) -> list[dict[str, Any]]:
    """The findings as stored with an approval and in its override audit event (masked, like a post's)."""
    from django.utils import translation

    payload = []
    with translation.override("en"):
        for row in rows:
            payload += [{"channel": row.channel.pk, **finding.to_dict()} for finding in row.findings]
    return payload


def highlight(text: str) -> SafeString:
    """The text escaped, each {placeholder} in a <mark>, line breaks kept: what the reviewer reads."""
    escaped = escape(text or "")
    marked = templating.PLACEHOLDER_RE.sub(lambda m: f'<mark class="template-placeholder">{m.group(0)}</mark>', escaped)
    return mark_safe(marked.replace("\n", "<br>"))  # noqa: S308 - built from escaped text only


@dataclass(frozen=True)
class TemplateReviewPage:
    rows: list[ChannelText]
    placeholders: list[Placeholder]
    values: list[Value]
    reviews: list[Review]  # of every version of the template, newest first

    @property
    def finding_count(self) -> int:
        return sum(len(row.findings) for row in self.rows)


def template_reviews(*, template: Template) -> list[Review]:
    return list(
        Review.objects.filter(template_version__template=template)
        .select_related("reviewer", "template_version")
        .prefetch_related(Prefetch("value_checks"))
        .order_by("-created_at", "-pk")
    )


def template_review_page(*, template: Template) -> TemplateReviewPage:
    version = template.current_version
    return TemplateReviewPage(
        rows=version_texts(version=version, zone=template.zone, scan=True),
        placeholders=version_placeholders(version),
        values=list(Value.objects.filter(zone=template.zone_id, is_active=True).order_by("order", "name")),
        reviews=template_reviews(template=template),
    )
