"""Every state change of a template (issue 13, point 1): written by the officer, approved once by the director.

```
draft --submit--> in_review --approve--> approved --retire--> retired
  ^                   |                     |
  +--request_changes--+                     +--update (what an instance publishes changes)--> draft
```

A template's texts live in immutable versions (``TemplateVersion``): an update that changes what an instance
would publish (a text, a placeholder or its kind, the hashtags, the follow-up, the category) writes a new version,
and its fingerprint then differs from the approved one: the approval, or the review under way, is void, and every
publication of its instances that has not started sending is cancelled (the send-time check in
``editorial.publishing.send`` would refuse them anyway). Approval is the checklist of a post
(``services.approval_checklist``), bound to the version's fingerprint; the version's author never approves it.

Same shape as ``editorial.services``: keyword-only arguments, the actor's right and the state checked on the
locked row, one transaction, an AuditEvent (``editorial.template.*``), e-mails on commit. ``PermissionDenied`` when
the actor may not act at all; ``WorkflowError`` (a ValidationError) when refused in this state or with this input;
a refusal about one field carries the field's name as its code (``name``, ``texts``, ``placeholders``...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from editorial import notifications, templating
from editorial.audit import audit_record
from editorial.compose import text_limit_problem
from editorial.errors import WorkflowError
from editorial.models import Category, Channel, Publication, Review, Template, TemplateVersion, Zone
from editorial.publishing.state import NOT_STARTED
from editorial.selectors import templates as template_selectors
from editorial.services import ValueAnswer, approval_checklist, value_checks_record
from editorial.templating import Placeholder

NAME_MAX = 120


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def template_lock(template: Template | int) -> Template:
    """The template, read again and locked until the end of the transaction (taken before any post's lock: an
    update that voids the approval then cancels its instances' publications)."""
    pk = template if isinstance(template, int) else template.pk
    return (
        Template.objects.select_for_update(of=("self",), no_key=True)
        .select_related("zone", "category", "current_version", "approved_version")
        .get(pk=pk)
    )


def template_snapshot(*, version: TemplateVersion) -> dict[str, Any]:
    """What the reviewer read, kept with their review."""
    return {
        "version": version.number,
        "texts": dict(version.texts),
        "placeholders": list(version.placeholders),
        "hashtags": version.hashtags,
        "follow_up_texts": dict(version.follow_up_texts),
        "follow_up_after_minutes": version.follow_up_after_minutes,
    }


def _content(
    zone: Zone,
    *,
    category: Category | None,
    texts: Mapping[Channel, str],
    placeholders: Sequence[Placeholder],
    hashtags: str,
    follow_up_texts: Mapping[Channel, str],
    follow_up_after_minutes: int | None,
) -> dict[str, Any]:
    """The version's fields as stored, checked; ``WorkflowError`` with every problem at once."""
    _require(all(channel.zone_id == zone.pk for channel in [*texts, *follow_up_texts]))
    _require(category is None or category.zone_id == zone.pk)
    texts = {channel: (text or "").strip() for channel, text in texts.items()}
    follow_ups = {channel: (text or "").strip() for channel, text in follow_up_texts.items() if (text or "").strip()}
    problems: list[WorkflowError] = []
    if not texts:
        problems.append(WorkflowError(_("Choose at least one channel."), code="channels"))
    problems += [
        WorkflowError(_("Write the text for %(channel)s.") % {"channel": channel.label}, code="texts")
        for channel, text in texts.items()
        if not text
    ]
    if any(channel not in texts for channel in follow_ups):
        problems.append(
            WorkflowError(_("A follow-up text is given for a channel the template does not use."), code="follow_up")
        )
    if follow_ups and follow_up_after_minutes is not None and follow_up_after_minutes < 1:
        problems.append(WorkflowError(_("The follow-up comes at least one minute after."), code="follow_up"))
    every_text = [*texts.values(), *follow_ups.values()]
    found = templating.placeholders_for(every_text, placeholders)
    problems += [WorkflowError(p, code="placeholders") for p in templating.template_problems(every_text, found)]
    if problems:
        raise WorkflowError(problems)
    return {
        "texts": {str(channel.pk): text for channel, text in texts.items()},
        "placeholders": [p.as_dict() for p in found],
        "hashtags": " ".join(hashtags.split()),
        "follow_up_texts": {str(channel.pk): text for channel, text in follow_ups.items()},
        "follow_up_after_minutes": follow_up_after_minutes if follow_ups else None,
        "category_id": category.pk if category is not None else None,
    }


def _fingerprint(content: Mapping[str, Any]) -> str:
    return templating.version_fingerprint(
        texts=content["texts"],
        placeholders=templating.declared(content["placeholders"]),
        hashtags=content["hashtags"],
        follow_up_texts=content["follow_up_texts"],
        follow_up_after_minutes=content["follow_up_after_minutes"],
        category_id=content["category_id"],
    )


def _version_write(template: Template, content: Mapping[str, Any], *, actor: Any, number: int) -> TemplateVersion:
    fields = {key: value for key, value in content.items() if key != "category_id"}
    return TemplateVersion.objects.create(
        template=template, number=number, fingerprint=_fingerprint(content), created_by=actor, **fields
    )


def _clean_name(zone: Zone, name: str, *, template: Template | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise WorkflowError(_("Give the template a name."), code="name")
    if len(name) > NAME_MAX:
        raise WorkflowError(_("The name takes at most %(max)s characters.") % {"max": NAME_MAX}, code="name")
    others = Template.objects.filter(zone=zone, name__iexact=name)
    if template is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        raise WorkflowError(_("The zone already has a template of that name."), code="name")
    return name


def template_create(
    *,
    actor: Any,
    zone: Zone,
    name: str,
    texts: Mapping[Channel, str],
    category: Category | None = None,
    placeholders: Sequence[Placeholder] = (),
    hashtags: str = "",
    follow_up_texts: Mapping[Channel, str] | None = None,
    follow_up_after_minutes: int | None = None,
) -> Template:
    """A new draft template and its first version.

    ``texts``: one text per channel, with {placeholders}; ``placeholders``: the declarations of the free ones (and
    of a usual one declared otherwise); the usual ones (``templating.STANDARD``) need none. ``follow_up_texts``: the
    proposed follow-up per channel (a reopening after a closure), ``follow_up_after_minutes`` its delay."""
    _require(permissions.can_write_templates(actor, zone))
    name = _clean_name(zone, name)
    content = _content(
        zone,
        category=category,
        texts=texts,
        placeholders=placeholders,
        hashtags=hashtags,
        follow_up_texts=follow_up_texts or {},
        follow_up_after_minutes=follow_up_after_minutes,
    )
    with transaction.atomic():
        try:
            # A savepoint: two officers naming a template alike at once, the unique rule decides.
            with transaction.atomic():
                template = Template.objects.create(zone=zone, name=name, category=category, created_by=actor)
        except IntegrityError:
            raise WorkflowError(_("The zone already has a template of that name."), code="name") from None
        version = _version_write(template, content, actor=actor, number=1)
        Template.objects.filter(pk=template.pk).update(current_version=version)
        template.refresh_from_db()
        audit_record(
            action="editorial.template.create",
            actor=actor,
            zone=zone,
            obj=template,
            data={"name": name, "version": version.number, "fingerprint": version.fingerprint},
        )
    return template


def _instances_void(template: Template) -> dict[str, list[int]]:
    """Cancel every publication of the template's instances that has not started sending; what is sending or sent
    is left to the pipeline (the send-time check refuses a version that is no longer approved)."""
    waiting = Publication.objects.filter(post__template_version__template=template, status__in=NOT_STARTED)
    found = list(waiting.values_list("pk", "post_id"))
    cancelled = Publication.objects.filter(pk__in=[pk for pk, _post in found], status__in=NOT_STARTED).update(
        status=Publication.Status.CANCELLED,
        last_error=_("The template it was made from changed after its approval: nothing was sent."),
        updated_at=timezone.now(),
    )
    if cancelled != len(found):
        # One started sending meanwhile: list only those really cancelled.
        still = set(
            Publication.objects.filter(
                pk__in=[pk for pk, _post in found], status=Publication.Status.CANCELLED
            ).values_list("pk", flat=True)
        )
        found = [(pk, post) for pk, post in found if pk in still]
    return {"publications": sorted(pk for pk, _post in found), "posts": sorted({post for _pk, post in found})}


def template_update(
    *,
    actor: Any,
    template: Template,
    name: str,
    texts: Mapping[Channel, str],
    category: Category | None = None,
    placeholders: Sequence[Placeholder] = (),
    hashtags: str = "",
    follow_up_texts: Mapping[Channel, str] | None = None,
    follow_up_after_minutes: int | None = None,
) -> Template:
    """Change a template (every argument is its new state). What an instance publishes changed (the fingerprint):
    a new version is written, an approval or a pending review is void (back to draft), and every publication of
    its instances not started yet is cancelled. A retired template is not edited."""
    zone = template.zone
    _require(permissions.can_write_templates(actor, zone))
    content = _content(
        zone,
        category=category,
        texts=texts,
        placeholders=placeholders,
        hashtags=hashtags,
        follow_up_texts=follow_up_texts or {},
        follow_up_after_minutes=follow_up_after_minutes,
    )
    with transaction.atomic():
        template = template_lock(template)
        if template.status == Template.Status.RETIRED:
            raise WorkflowError(_("This template is retired: it can no longer be changed."))
        name = _clean_name(zone, name, template=template)
        before = template.current_version
        fingerprint = _fingerprint(content)
        data: dict[str, Any] = {"fingerprint_before": before.fingerprint if before else "", "fingerprint": fingerprint}
        changes: dict[str, Any] = {"name": name, "category": category, "updated_at": timezone.now()}
        if name != template.name:
            data["name"] = name
        if before is None or fingerprint != before.fingerprint:
            version = _version_write(template, content, actor=actor, number=(before.number if before else 0) + 1)
            changes["current_version"] = version
            data["version"] = version.number
            if template.status in (Template.Status.APPROVED, Template.Status.IN_REVIEW):
                data["voided_status"] = template.status
                changes |= {"status": Template.Status.DRAFT, "approved_version": None}
                data |= _instances_void(template)
        try:
            with transaction.atomic():
                Template.objects.filter(pk=template.pk).update(**changes)
        except IntegrityError:
            raise WorkflowError(_("The zone already has a template of that name."), code="name") from None
        template.refresh_from_db()
        audit_record(action="editorial.template.update", actor=actor, zone=zone, obj=template, data=data)
    return template


def template_submit(*, actor: Any, template: Template) -> Template:
    """Draft -> in review; the zone's directors are told by e-mail. Refused when a text, without its placeholders
    filled, is already over its network's limit."""
    _require(permissions.can_write_templates(actor, template.zone))
    with transaction.atomic():
        template = template_lock(template)
        if template.status != Template.Status.DRAFT:
            raise WorkflowError(_("Only a draft template can be submitted for review."))
        version = template.current_version
        if version is None:
            raise WorkflowError(_("Write the template's texts before review."))
        rows = template_selectors.version_texts(version=version, zone=template.zone)
        if not rows:
            raise WorkflowError(_("Choose at least one channel."))
        too_long = [
            p for row in rows for text in (row.text, row.follow_up) if (p := text_limit_problem(row.channel, text))
        ]
        if too_long:
            raise WorkflowError(too_long)
        Template.objects.filter(pk=template.pk).update(status=Template.Status.IN_REVIEW, updated_at=timezone.now())
        template.refresh_from_db()
        audit_record(
            action="editorial.template.submit",
            actor=actor,
            zone=template.zone,
            obj=template,
            data={"version": version.number, "fingerprint": version.fingerprint},
        )
        transaction.on_commit(lambda: notifications.template_awaits_review(template_id=template.pk))
    return template


def is_author(user: Any, template: Template) -> bool:
    """Whoever created the template or wrote its current version never approves it."""
    version = template.current_version
    return user.pk in {template.created_by_id, version.created_by_id if version is not None else None}


def template_approve(
    *,
    actor: Any,
    template: Template,
    reviewed_fingerprint: str,
    answers: Mapping[int, ValueAnswer],
    confidentiality_confirmed: bool,
    override_reason: str = "",
    language: str = "",
) -> Review:
    """The director approves exactly the version they reviewed (``reviewed_fingerprint``): the checklist of a post
    (``services.approval_checklist``: every active value confirmed, the confidentiality rules confirmed, a reason
    for any finding of the scan of the template's texts, which is logged). The author never approves it.

    The version becomes the approved one: instances are made from it, without a new review each."""
    with transaction.atomic():
        template = template_lock(template)
        _require(permissions.can_review_templates(actor, template.zone))
        if template.status != Template.Status.IN_REVIEW:
            raise WorkflowError(_("This template is no longer waiting for review."))
        _require(not is_author(actor, template))
        version = template.current_version
        if version is None or version.fingerprint != reviewed_fingerprint:
            raise WorkflowError(_("The template changed while you were reviewing it: read it again before approving."))
        rows = template_selectors.version_texts(version=version, zone=template.zone, scan=True)
        findings = template_selectors.findings_payload(rows)
        values = approval_checklist(
            zone=template.zone,
            answers=answers,
            confidentiality_confirmed=confidentiality_confirmed,
            override_reason=override_reason,
            findings=findings,
            language=language,
        )
        review = Review.objects.create(
            template_version=version,
            reviewer=actor,
            decision=Review.Decision.APPROVE,
            fingerprint=version.fingerprint,
            confidentiality_confirmed=True,
            confidentiality_findings=findings,
            confidentiality_override_reason=override_reason.strip() if findings else "",
            snapshot=template_snapshot(version=version),
        )
        value_checks_record(review=review, values=values, answers=answers)
        updated = Template.objects.filter(
            pk=template.pk, status=Template.Status.IN_REVIEW, current_version=version
        ).update(status=Template.Status.APPROVED, approved_version=version, updated_at=timezone.now())
        if updated != 1:
            raise WorkflowError(_("This template is no longer waiting for review."))
        template.refresh_from_db()
        audit_record(
            action="editorial.template.approve",
            actor=actor,
            zone=template.zone,
            obj=template,
            data={"version": version.number, "fingerprint": version.fingerprint, "review": review.pk},
        )
        if findings:
            audit_record(
                action="editorial.template.confidentiality_override",
                actor=actor,
                zone=template.zone,
                obj=template,
                data={"reason": override_reason.strip(), "findings": findings, "fingerprint": version.fingerprint},
            )
        transaction.on_commit(lambda: notifications.template_reviewed(review_id=review.pk))
    return review


def template_request_changes(*, actor: Any, template: Template, comment: str) -> Review:
    """In review -> draft, with the director's comment for the officer."""
    _require(permissions.can_review_templates(actor, template.zone))
    comment = comment.strip()
    if not comment:
        raise WorkflowError(_("Say what should change: the officer will read it."), code="comment")
    with transaction.atomic():
        template = template_lock(template)
        if template.status != Template.Status.IN_REVIEW or template.current_version is None:
            raise WorkflowError(_("This template is no longer waiting for review."))
        version = template.current_version
        review = Review.objects.create(
            template_version=version,
            reviewer=actor,
            decision=Review.Decision.REQUEST_CHANGES,
            comment=comment,
            fingerprint=version.fingerprint,
            snapshot=template_snapshot(version=version),
        )
        Template.objects.filter(pk=template.pk).update(status=Template.Status.DRAFT, updated_at=timezone.now())
        template.refresh_from_db()
        audit_record(
            action="editorial.template.request_changes",
            actor=actor,
            zone=template.zone,
            obj=template,
            data={"version": version.number, "fingerprint": version.fingerprint, "comment": comment},
        )
        transaction.on_commit(lambda: notifications.template_reviewed(review_id=review.pk))
    return review


def template_retire(*, actor: Any, template: Template, reason: str = "") -> Template:
    """The template is no longer used: no new instance is made from it, and the publications of its instances not
    started yet are cancelled (its approval ends with it). Officers and directors may retire a template."""
    zone = template.zone
    _require(permissions.can_write_templates(actor, zone) or permissions.can_review_templates(actor, zone))
    with transaction.atomic():
        template = template_lock(template)
        if template.status == Template.Status.RETIRED:
            raise WorkflowError(_("This template is already retired."))
        data: dict[str, Any] = {"previous_status": template.status, "reason": reason.strip()}
        if template.approved_version_id is not None:
            data |= _instances_void(template)
        Template.objects.filter(pk=template.pk).update(
            status=Template.Status.RETIRED, approved_version=None, updated_at=timezone.now()
        )
        template.refresh_from_db()
        audit_record(action="editorial.template.retire", actor=actor, zone=zone, obj=template, data=data)
    return template
