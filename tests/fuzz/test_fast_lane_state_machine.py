"""The fast lane driven through random lives by a Hypothesis state machine (issue 13; DESIGN.md sections 4 and 6).

The rules call the services as the officer, the director, the unit heads and the workers would: templates written,
edited (back and forth), submitted, read, approved (sometimes a version read before the latest edit), sent back,
retired; rights delegated to the traffic head and withdrawn between steps; instances of a template published by the
officer or by the head, from a form opened on a version that may have changed since, at once or later, with a free
text that may hold confidential data; urgent posts with a reason and a fresh, reused or wrong code, in a zone that
may turn them off; the director acknowledging what went out; follow-ups reminded, published as replies, dismissed;
a post of a category that needs the judicial head's sign-off, signed off, edited after it, approved; beat and the
workers (the locmem publisher, sometimes refusing for good), tasks delivered twice.

The machine keeps its own model: each template's content and the version the director approved; each instance's
texts, rendered by the machine itself (not by ``editorial.templating``); each urgent post's texts and reason; each
follow-up's texts; what the judicial head signed off and what the director approved. After every step it checks:

1. every create call sends, byte for byte, what the model says was approved: a reviewed post's approved content
   (with its review and, for a sign-off category, its sign-off on that fingerprint); an instance or a follow-up of
   the template version approved *at send time* (so nothing made from a template edited or retired since); an
   urgent post with its reason; and the post's fingerprint at send time is the approved one;
2. at most one create call per publication (nobody chooses "send it again" here), and the outbox holds exactly them;
3. every fast-lane post has exactly one ReviewAfter (urgent ones flagged), no reviewed post has one;
4. nothing is published under a grant after it was withdrawn (every refusal and success is predicted by the model);
5. a follow-up is published at most once, and only as one post;
6. a post of a sign-off category is approved only with the sign-off of its approved fingerprint;
7. the statuses of templates, posts and follow-ups are the model's, and the audit chain verifies.

Each run of the machine is one example; it works in a savepoint rolled back at its end (``teardown``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from accounts import grants as grant_services
from accounts.models import Grant, Membership, Role, TOTPDevice
from editorial import fastlane, followups, publishing, services, tasks, template_services, templating
from editorial.audit_verify import verify_chain
from editorial.models import (
    AuditEvent,
    Category,
    Channel,
    FollowUp,
    Post,
    PostOrigin,
    Publication,
    Review,
    ReviewAfter,
    SignOff,
    Template,
    Unit,
    Value,
    Zone,
)
from editorial.publishers import PublishError, locmem
from editorial.publishers.base import ErrorKind
from editorial.services import ValueAnswer, WorkflowError
from tests.factories import make_member, make_zone, totp_code, with_authenticator
from tests.fuzz import inputs

PostStatus = Post.Status
TStatus = Template.Status
REFUSED = (PermissionDenied, WorkflowError)

# What the template texts are made of: the machine renders them itself ({locality} "quévy" -> "Quévy", its hashtag,
# {from} "14h30" -> "14h30" in French, {note} the free text as typed, stripped).
NOTE = templating.Placeholder(name="note", kind=templating.Kind.TEXT, label="Note", max_length=40)
TEMPLATE_TEXTS = {
    "x": [
        "Contrôle radar à {locality} dès {from} #controle #radar {locality_hashtag}",
        "Contrôle radar à {locality} : {note}",
        "Route fermée à {locality} dès {from}.",
    ],
    "facebook": ["Contrôle de vitesse à {locality} à partir de {from}. {note}", "Prudence à {locality}."],
}
FOLLOW_UP_TEXTS = ["Contrôle terminé à {locality}. {locality_hashtag}", "Route rouverte à {locality}."]
VALUES = {"locality": "quévy", "from": "14h30"}
# A free text: ordinary, empty (required), too long (40 at most), with braces, with a phone number (a finding).
NOTES = ["Soyez prudents.", "  Soyez prudents. ", "", "x" * 41, "{locality}", "Témoin : appelez le 0470 12 34 56"]
NOTE_FINDING = NOTES[-1]
URGENT_TEXTS = ["Inondation rue de Mons : évitez le secteur.", "Accident sur la N6, déviation par Quévy."]
URGENT_FINDING = "Témoin recherché : appelez le 0470 12 34 56"
JUDICIAL_TEXTS = ["Appel à témoins : vol rue de Mons.", "Appel à témoins : rue de Mons, jeudi.", "Appel aux témoins."]


def render(text: str, note: str) -> str:
    """An instance's text as the machine expects it (independent of ``editorial.templating.render``)."""
    return (
        text.replace("{locality_hashtag}", "#Quevy")
        .replace("{locality}", "Quévy")
        .replace("{from}", "14h30")
        .replace("{note}", note.strip())
    )


@dataclass(frozen=True)
class TemplateContent:
    texts: tuple[tuple[int, str], ...]  # (channel id, text), by channel id
    follow_ups: tuple[tuple[int, str], ...]

    def uses_note(self) -> bool:
        return any("{note}" in text for _cid, text in (*self.texts, *self.follow_ups))


@dataclass
class TemplateModel:
    pk: int
    content: TemplateContent
    status: str = TStatus.DRAFT
    approved: TemplateContent | None = None
    approved_version: int | None = None  # the version id the director approved, while approved
    opened: list[int] = field(default_factory=list)  # approved version ids a form was opened on
    seen: list[tuple[str, TemplateContent]] = field(default_factory=list)  # what the director read


@dataclass
class FastPost:
    """An instance, a follow-up or an urgent post, as the machine expects it to go out."""

    pk: int
    texts: dict[int, str]
    template: int | None = None  # the template's pk (instances and follow-ups)
    version: int | None = None
    urgent_reason: str = ""
    acknowledged: bool = False


@dataclass
class FollowUpModel:
    pk: int
    original: int
    texts: dict[int, str]
    status: str = FollowUp.Status.PENDING


@dataclass
class ReviewedPost:
    """A post of the judicial category (its head signs it off before the director approves)."""

    pk: int
    texts: dict[int, str]
    status: str = PostStatus.DRAFT
    signed: set[tuple[tuple[int, str], ...]] = field(default_factory=set)
    approved: dict[int, str] | None = None
    seen: list[tuple[str, tuple[tuple[int, str], ...]]] = field(default_factory=list)
    signoff_seen: list[tuple[str, tuple[tuple[int, str], ...]]] = field(default_factory=list)

    def content(self) -> tuple[tuple[int, str], ...]:
        return tuple(sorted(self.texts.items()))


@dataclass(frozen=True)
class Call:
    publication_id: int
    post_id: int
    channel_id: int
    sent: str
    expected: str | None  # what the model says may go out there, None when nothing may
    why_not: str  # when nothing may: why


MACHINE: FastLaneLifecycle | None = None


class FuzzPublisher(locmem.Publisher):
    """The locmem publisher (its outbox is what was created), checked by the machine at each call."""

    def publish(self, variant: Any) -> Any:
        assert MACHINE is not None
        return MACHINE.on_create_call(variant, super().publish)


class FastLaneLifecycle(RuleBasedStateMachine):
    celery_outbox: list[Any] = []

    def __init__(self) -> None:
        super().__init__()
        global MACHINE
        MACHINE = self
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.zone = make_zone()
        self.officer = make_member(self.zone, Role.OFFICER)
        self.director = make_member(self.zone, Role.DIRECTOR)
        self.head = make_member(self.zone, Role.UNIT_HEAD, "Trafic")
        self.judicial_head = make_member(self.zone, Role.UNIT_HEAD, "Judiciaire")
        self.head_membership = Membership.objects.get(user=self.head, zone=self.zone)
        self.channels = list(Channel.objects.filter(zone=self.zone).order_by("pk"))
        self.speed = Category.objects.get(zone=self.zone, name="Contrôle vitesse")
        self.judicial = Category.objects.create(
            zone=self.zone, name="Appel à témoins", signoff_unit=Unit.objects.get(zone=self.zone, name="Judiciaire")
        )
        self.values = list(Value.objects.filter(zone=self.zone, is_active=True))
        self.templates: dict[int, TemplateModel] = {}
        self.fast: dict[int, FastPost] = {}
        self.instances: list[tuple[int, int, str | None, set[int]]] = []  # post, version, note, channels
        self.held: set[int] = set()  # posts the fast lane sent to normal review (never approved here)
        self.follow_ups: dict[int, FollowUpModel] = {}
        self.reviewed: dict[int, ReviewedPost] = {}
        self.grants: dict[int, tuple[set[int], set[int], str, bool]] = {}  # pk: channels, categories, scope, active
        self.urgent_allowed = True
        self.codes: dict[int, str] = {}  # the last code each user typed
        self.tainted: set[int] = set()  # users whose app saw a refused code (throttled for a while)
        self.calls: list[Call] = []
        self.creates: Counter[int] = Counter()
        self.refuse_next = False  # the network refuses the next create for good
        self.deliveries: list[int] = []
        self.delivered: list[int] = []
        self.outbox_seen = len(self.celery_outbox)
        locmem.outbox.clear()

    def teardown(self) -> None:
        global MACHINE
        MACHINE = None
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- Plumbing ------------------------------------------------------------------------------------------------

    def _run(self, action: Any) -> Any:
        """Run a service as a request or a task does: its on-commit work (e-mails, tasks) runs at the end."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            result = action()
        for task in self.celery_outbox[self.outbox_seen :]:
            if task.name == "editorial.tasks.publish":
                self.deliveries.append(task.args[0])
        self.outbox_seen = len(self.celery_outbox)
        return result

    def _expect(self, label: str, expected: type[Exception] | None, action: Any) -> Any:
        """Run ``action``: it must succeed when ``expected`` is None, else be refused with that exception type."""
        try:
            result = self._run(action)
        except REFUSED as error:
            assert expected is not None, f"{label} refused although allowed: {error!r}"
            assert isinstance(error, expected), f"{label}: {error!r}, expected {expected.__name__}"
            event(f"{label}: refused ({type(error).__name__})")
            return None
        assert expected is None, f"{label} done although it should be refused ({expected.__name__})"
        event(f"{label}: done")
        return result

    def _audited(self, action: str, obj: Any) -> None:
        assert AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists(), f"{action} not audited"

    def _channels(self, data: st.DataObject, label: str = "channels") -> list[Channel]:
        return data.draw(st.lists(st.sampled_from(self.channels), min_size=1, unique=True), label=label)

    def _grant_covers(self, category: Category | None, channels: set[int], *, free_posts: bool) -> bool:
        if category is None or not channels:
            return False
        return any(
            active and category.pk in categories and channels <= granted and (not free_posts or scope == "posts")
            for granted, categories, scope, active in self.grants.values()
        )

    def _may_publish(self, actor: Any, category: Category | None, channels: set[int], free_posts: bool = False) -> bool:
        return actor == self.officer or self._grant_covers(category, channels, free_posts=free_posts)

    def _actor(self, data: st.DataObject) -> Any:
        return data.draw(st.sampled_from([self.officer, self.head, self.head]), label="actor")

    def on_create_call(self, variant: Any, create: Any) -> Any:
        publication = Publication.objects.get(post_id=variant.post_id, channel_id=variant.channel_id)
        post = Post.objects.select_related("template_version").get(pk=variant.post_id)
        expected, why_not = self._expected_text(post, variant.channel_id)
        under = post.published_under.removeprefix("grant:")
        if under.isdigit() and not self.grants[int(under)][3]:
            # Withdrawing a right leaves what was made under it as it is (accounts.grants.grant_revoke).
            event("sent after the grant it was made under was withdrawn (made before)")
        if expected is not None and post.approved_fingerprint != services.post_fingerprint(post=post):
            expected, why_not = None, "the post's fingerprint is not the approved one"
        self.calls.append(Call(publication.pk, post.pk, variant.channel_id, variant.text, expected, why_not))
        if self.refuse_next:
            self.refuse_next = False
            raise PublishError("refused by the fake network", kind=ErrorKind.PERMANENT)
        self.creates[publication.pk] += 1
        return create(variant)

    def _expected_text(self, post: Post, channel_id: int) -> tuple[str | None, str]:
        """What may go out on this channel for this post now, by the model; or None and why."""
        if post.pk in self.fast:
            model = self.fast[post.pk]
            if model.template is not None:
                template = self.templates[model.template]
                if template.status != TStatus.APPROVED or template.approved_version != model.version:
                    return None, f"made from template {template.pk}, {template.status} or approved again since"
                if post.template_version_id != model.version:
                    return None, "an instance of another version than the one it was made from"
            elif not model.urgent_reason or post.origin != PostOrigin.URGENT or not post.urgent_reason:
                return None, "an urgent post without its reason"
            return model.texts.get(channel_id), "no text for this channel"
        if post.pk in self.reviewed:
            model = self.reviewed[post.pk]
            if model.status != PostStatus.APPROVED or model.approved is None:
                return None, f"a reviewed post {model.status}"
            if not Review.objects.filter(
                post=post, decision=Review.Decision.APPROVE, fingerprint=post.approved_fingerprint
            ).exists():
                return None, "no review approved this fingerprint"
            if not SignOff.objects.filter(post=post, fingerprint=post.approved_fingerprint).exists():
                return None, "no sign-off of this fingerprint"
            return model.approved.get(channel_id), "no text for this channel"
        return None, "a post the model never approved (held for review, or unknown)"

    # --- Templates -----------------------------------------------------------------------------------------------

    def _template_content(self, data: st.DataObject) -> TemplateContent:
        chosen = sorted(self._channels(data, "template channels"), key=lambda c: c.pk)
        texts = tuple((c.pk, data.draw(st.sampled_from(TEMPLATE_TEXTS[c.kind]), label="text")) for c in chosen)
        follow_ups = tuple(
            (c.pk, text)
            for c in chosen
            if (text := data.draw(st.sampled_from([None, *FOLLOW_UP_TEXTS]), label="follow-up")) is not None
        )
        return TemplateContent(texts, follow_ups)

    def _template_args(self, content: TemplateContent) -> dict[str, Any]:
        by_pk = {c.pk: c for c in self.channels}
        return {
            "texts": {by_pk[cid]: text for cid, text in content.texts},
            "follow_up_texts": {by_pk[cid]: text for cid, text in content.follow_ups},
            "follow_up_after_minutes": 90 if content.follow_ups else None,
            "category": self.speed,
            "placeholders": [NOTE],
        }

    @precondition(lambda self: len(self.templates) < 2)
    @rule(data=st.data())
    def template_create(self, data: st.DataObject) -> None:
        content = self._template_content(data)
        name = f"Modèle {len(self.templates) + 1}"
        template = self._expect(
            "template create",
            None,
            lambda: template_services.template_create(
                actor=self.officer, zone=self.zone, name=name, **self._template_args(content)
            ),
        )
        self.templates[template.pk] = TemplateModel(template.pk, content)
        self._audited("editorial.template.create", template)

    def _template(self, data: st.DataObject) -> TemplateModel | None:
        if not self.templates:
            return None
        return self.templates[data.draw(st.sampled_from(sorted(self.templates)), label="template")]

    @precondition(lambda self: bool(self.templates))
    @rule(data=st.data())
    def template_edit(self, data: st.DataObject) -> None:
        """The officer changes a template, sometimes back to a version read or approved before (same fingerprint)."""
        model = self._template(data)
        assert model is not None
        earlier = [content for _fingerprint, content in model.seen] + ([model.approved] if model.approved else [])
        content = self._template_content(data)
        if earlier and data.draw(st.booleans(), label="back to an earlier version"):
            content = data.draw(st.sampled_from(earlier), label="earlier version")
        self._template_edit(model, content)

    def _template_edit(self, model: TemplateModel, content: TemplateContent) -> None:
        row = Template.objects.get(pk=model.pk)
        done = self._expect(
            "template edit",
            WorkflowError if model.status == TStatus.RETIRED else None,
            lambda: template_services.template_update(
                actor=self.officer, template=row, name=row.name, **self._template_args(content)
            ),
        )
        if done is None:
            return
        self._audited("editorial.template.update", row)
        if content != model.content and model.status in (TStatus.APPROVED, TStatus.IN_REVIEW):
            model.status, model.approved_version = TStatus.DRAFT, None
        model.content = content

    @precondition(lambda self: any(t.status == TStatus.DRAFT for t in self.templates.values()))
    @rule(data=st.data())
    def template_submit(self, data: st.DataObject) -> None:
        model = self._template(data)
        assert model is not None
        done = self._expect(
            "template submit",
            None if model.status == TStatus.DRAFT else WorkflowError,
            lambda: template_services.template_submit(actor=self.officer, template=Template.objects.get(pk=model.pk)),
        )
        if done is not None:
            model.status = TStatus.IN_REVIEW

    @precondition(lambda self: any(t.status == TStatus.IN_REVIEW for t in self.templates.values()))
    @rule(data=st.data())
    def template_read(self, data: st.DataObject) -> None:
        model = self._template(data)
        assert model is not None
        version = Template.objects.select_related("current_version").get(pk=model.pk).current_version
        model.seen.append((version.fingerprint, model.content))

    @precondition(lambda self: any(t.seen for t in self.templates.values()))
    @rule(data=st.data(), every_value=st.booleans())
    def template_approve(self, data: st.DataObject, every_value: bool) -> None:
        model = self._template(data)
        assert model is not None
        if not model.seen:
            return
        fingerprint, content = data.draw(st.sampled_from(model.seen[::-1]), label="version read")
        allowed = model.status == TStatus.IN_REVIEW and content == model.content and every_value
        answers = {v.pk: ValueAnswer(confirmed=every_value or i > 0) for i, v in enumerate(self.values)}
        done = self._expect(
            "template approve",
            None if allowed else WorkflowError,
            lambda: template_services.template_approve(
                actor=self.director,
                template=Template.objects.get(pk=model.pk),
                reviewed_fingerprint=fingerprint,
                answers=answers,
                confidentiality_confirmed=True,
            ),
        )
        if done is not None:
            model.status, model.approved = TStatus.APPROVED, model.content
            model.approved_version = Template.objects.get(pk=model.pk).current_version_id
            model.opened.append(model.approved_version)
            self._audited("editorial.template.approve", done.template_version.template)

    @precondition(lambda self: any(t.status == TStatus.IN_REVIEW for t in self.templates.values()))
    @rule(data=st.data())
    def template_request_changes(self, data: st.DataObject) -> None:
        model = self._template(data)
        assert model is not None
        done = self._expect(
            "template request changes",
            None if model.status == TStatus.IN_REVIEW else WorkflowError,
            lambda: template_services.template_request_changes(
                actor=self.director, template=Template.objects.get(pk=model.pk), comment="Plus court"
            ),
        )
        if done is not None:
            model.status = TStatus.DRAFT

    @precondition(lambda self: bool(self.templates))
    @rule(data=st.data(), chance=st.integers(0, 3))
    def template_retire(self, data: st.DataObject, chance: int) -> None:
        if chance:
            return  # retiring ends a template's life: rare
        model = self._template(data)
        assert model is not None
        actor = data.draw(st.sampled_from([self.officer, self.director]), label="who retires")
        done = self._expect(
            "template retire",
            WorkflowError if model.status == TStatus.RETIRED else None,
            lambda: template_services.template_retire(
                actor=actor, template=Template.objects.get(pk=model.pk), reason="Plus utilisé"
            ),
        )
        if done is not None:
            model.status, model.approved_version = TStatus.RETIRED, None
            self._audited("editorial.template.retire", done)

    @rule(data=st.data())
    def template_write_to_approval(self, data: st.DataObject) -> None:
        """The usual path in one step: a template written (or changed), submitted, read and approved."""
        if not self.templates or (len(self.templates) < 2 and data.draw(st.booleans(), label="new template")):
            self.template_create(data)
        model = self._template(data)
        assert model is not None
        if model.status == TStatus.APPROVED:
            self._template_edit(model, self._template_content(data))
        if model.status == TStatus.DRAFT:
            self._submit(model)
        if model.status == TStatus.IN_REVIEW:
            version = Template.objects.select_related("current_version").get(pk=model.pk).current_version
            model.seen.append((version.fingerprint, model.content))
            self._approve(model)

    def _submit(self, model: TemplateModel) -> None:
        self._expect(
            "template submit",
            None,
            lambda: template_services.template_submit(actor=self.officer, template=Template.objects.get(pk=model.pk)),
        )
        model.status = TStatus.IN_REVIEW

    def _approve(self, model: TemplateModel) -> None:
        self._expect(
            "template approve",
            None,
            lambda: template_services.template_approve(
                actor=self.director,
                template=Template.objects.get(pk=model.pk),
                reviewed_fingerprint=model.seen[-1][0],
                answers={v.pk: ValueAnswer(True) for v in self.values},
                confidentiality_confirmed=True,
            ),
        )
        model.status, model.approved = TStatus.APPROVED, model.content
        model.approved_version = Template.objects.get(pk=model.pk).current_version_id
        model.opened.append(model.approved_version)

    # --- Delegation ----------------------------------------------------------------------------------------------

    @precondition(lambda self: sum(active for *_rest, active in self.grants.values()) < 2 and len(self.grants) < 5)
    @rule(data=st.data(), scope=st.sampled_from(Grant.Scope.values))
    def grant_give(self, data: st.DataObject, scope: str) -> None:
        channels = self._channels(data, "granted channels")
        categories = data.draw(
            st.sampled_from([[self.speed], [self.judicial], [self.speed, self.judicial]]), label="categories"
        )
        grant = self._expect(
            "grant",
            None,
            lambda: grant_services.grant_create(
                actor=self.director,
                membership=self.head_membership,
                scope=scope,
                channels=channels,
                categories=categories,
            ),
        )
        self.grants[grant.pk] = ({c.pk for c in channels}, {c.pk for c in categories}, scope, True)
        self._audited("accounts.grant.create", grant)

    @precondition(lambda self: bool(self.grants))
    @rule(data=st.data())
    def grant_revoke(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(sorted(self.grants)), label="grant")
        channels, categories, scope, active = self.grants[pk]
        done = self._expect(
            "revoke",
            None if active else WorkflowError,
            lambda: grant_services.grant_revoke(
                actor=self.director, grant=Grant.objects.get(pk=pk), reason="Réorganisation"
            ),
        )
        if done is not None:
            self.grants[pk] = (channels, categories, scope, False)
            self._audited("accounts.grant.revoke", done)

    # --- Publishing from a template ------------------------------------------------------------------------------

    def _opened(self, data: st.DataObject, model: TemplateModel) -> int:
        """The version the publishing form showed: usually the approved one, sometimes one approved before (the form
        was opened before an edit, a retirement or a new approval)."""
        if model.approved_version is not None and (not model.opened or data.draw(st.integers(0, 3), label="stale")):
            return model.approved_version
        return data.draw(st.sampled_from(model.opened), label="version the form showed")

    @precondition(lambda self: any(t.opened for t in self.templates.values()))
    @rule(
        data=st.data(),
        note=st.one_of(st.just(NOTES[0]), st.sampled_from(NOTES)),
        later=st.one_of(st.none(), st.none(), st.integers(5, 600)),
    )
    def publish_instance(self, data: st.DataObject, note: str, later: int | None) -> None:
        model = self._template(data)
        if model is None or not model.opened:
            return
        actor = self._actor(data)
        version_id = self._opened(data, model)
        shown = model.approved or model.content
        offered = [c for c in self.channels if c.pk in {cid for cid, _text in shown.texts}]
        if offered and data.draw(st.integers(0, 3), label="channels of the template"):
            channels = data.draw(st.lists(st.sampled_from(offered), min_size=1, unique=True), label="channels")
        else:
            channels = self._channels(data)
        chosen = {c.pk for c in channels}
        content = model.approved  # what the version the form showed says, while it is the approved one
        # What the services must answer, in the order they ask.
        expected: type[Exception] | None = None
        if actor != self.officer and not any(active for *_rest, active in self.grants.values()):
            expected = PermissionDenied
        elif model.status != TStatus.APPROVED or version_id != model.approved_version or content is None:
            expected = WorkflowError
        elif not chosen <= {cid for cid, _text in content.texts} or not self._may_publish(actor, self.speed, chosen):
            expected = PermissionDenied
        elif content.uses_note() and (not note.strip() or len(note.strip()) > 40 or "{" in note):
            expected = WorkflowError
        elif self._just_published(version_id, note.strip() if content.uses_note() else None, chosen):
            expected = WorkflowError  # the same message a moment ago (a double click): not sent again
        planned_at = timezone.now() + timedelta(minutes=later) if later is not None else None
        post = self._expect(
            "publish instance",
            expected,
            lambda: fastlane.template_instance_publish(
                actor=actor,
                template=Template.objects.get(pk=model.pk),
                version_id=version_id,
                raw_values=VALUES | {"note": note},
                channels=channels,
                planned_at=planned_at,
            ),
        )
        if post is None:
            return
        assert content is not None
        post.refresh_from_db()
        uses = {cid: text for cid, text in content.texts if cid in chosen}
        # Every free text typed is scanned, whichever text of the version uses it.
        if content.uses_note() and note == NOTE_FINDING:
            assert post.status == PostStatus.IN_REVIEW and post.origin == PostOrigin.REVIEWED, "a finding went out"
            self.held.add(post.pk)
            event("publish instance: held for review")
            return
        assert post.status == PostStatus.APPROVED and post.origin == PostOrigin.TEMPLATE
        assert post.template_version_id == version_id
        if actor == self.officer:
            assert post.published_under == "role:officer"
        else:
            grant = int(post.published_under.removeprefix("grant:"))
            assert self.grants[grant][3], f"published under grant {grant}, withdrawn"
        self.fast[post.pk] = FastPost(
            post.pk, {cid: render(text, note) for cid, text in uses.items()}, model.pk, version_id
        )
        self.instances.append((post.pk, version_id, note.strip() if content.uses_note() else None, set(uses)))
        self._audited("editorial.post.fast_lane", post)
        follow_ups = {cid: render(text, note) for cid, text in content.follow_ups if cid in chosen}
        planned = FollowUp.objects.filter(post=post)
        if not follow_ups:
            assert not planned.exists(), "a follow-up planned that the template does not have"
            return
        follow_up = planned.get()
        assert follow_up.texts == {str(cid): text for cid, text in follow_ups.items()}
        self.follow_ups[follow_up.pk] = FollowUpModel(follow_up.pk, post.pk, follow_ups)

    @precondition(lambda self: any(t.opened for t in self.templates.values()))
    @rule(data=st.data())
    def instance_goes_out(self, data: st.DataObject) -> None:
        """The usual path in one step: an instance published at once, and the workers send it."""
        self.publish_instance(data, NOTES[0], None)
        self.beat_and_workers(0)

    # --- Urgent posts --------------------------------------------------------------------------------------------

    @rule(data=st.data(), code_kind=st.sampled_from(["fresh", "fresh", "fresh", "reused", "wrong"]))
    def publish_urgent(self, data: st.DataObject, code_kind: str) -> None:
        actor = self._actor(data)
        channels = self._channels(data)
        chosen = {c.pk for c in channels}
        category = data.draw(st.sampled_from([self.speed, self.speed, self.judicial, None]), label="category")
        reason = data.draw(st.one_of(st.just("Route inondée"), st.sampled_from(["  ", ""])), label="reason")
        text = data.draw(st.sampled_from([*URGENT_TEXTS, *URGENT_TEXTS, URGENT_FINDING]), label="text")
        code = self._code(actor, code_kind)
        expected: type[Exception] | None = None
        if not self.urgent_allowed:
            expected = WorkflowError
        elif not self._may_publish(actor, category, chosen, free_posts=True):
            expected = PermissionDenied
        elif not reason.strip() or code_kind != "fresh":
            expected = WorkflowError
        post = self._expect(
            "urgent post",
            expected,
            lambda: fastlane.post_publish_urgent(
                actor=actor,
                zone=Zone.objects.get(pk=self.zone.pk),
                title="Urgent",
                main_texts={"fr": text},
                channels=channels,
                category=category,
                locality=None,
                reason=reason,
                code=code,
            ),
        )
        if post is None:
            return
        self.codes[actor.pk] = code  # used: it never works again
        post.refresh_from_db()
        if text == URGENT_FINDING or category == self.judicial:
            # A finding, or a category whose posts the judicial head signs off: no fast lane, the normal review.
            assert post.status == PostStatus.IN_REVIEW and post.origin == PostOrigin.REVIEWED, "held post went out"
            if category == self.judicial:
                self.reviewed[post.pk] = ReviewedPost(post.pk, dict.fromkeys(chosen, text), PostStatus.IN_REVIEW)
            else:
                self.held.add(post.pk)
            event("urgent post: held for review")
            return
        assert post.status == PostStatus.APPROVED and post.origin == PostOrigin.URGENT
        assert post.urgent_reason == reason.strip()
        self.fast[post.pk] = FastPost(post.pk, dict.fromkeys(chosen, text), urgent_reason=reason.strip())
        self._audited("editorial.post.fast_lane", post)

    def _just_published(self, version_id: int, note: str | None, channels: set[int]) -> bool:
        """An instance of this version with these values went out on one of these channels in the last two minutes
        (``fastlane.DUPLICATE_WINDOW``)."""
        since = timezone.now() - fastlane.DUPLICATE_WINDOW
        recent = set(Post.objects.filter(created_at__gte=since).values_list("pk", flat=True))
        return any(
            pk in recent and version == version_id and typed == note and channels & used
            for pk, version, typed, used in self.instances
        )

    def _code(self, user: Any, kind: str) -> str:
        """A code of the user's authenticator app: fresh (from a new app when the last one is slowed down by a refused
        code or has no unused code left in this window), the one used last (refused), or a wrong one (refused)."""
        if kind == "wrong":
            self.tainted.add(user.pk)
            return "12345"  # five digits: never a code of the app
        if kind == "reused" and user.pk in self.codes:
            self.tainted.add(user.pk)
            return self.codes[user.pk]
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
        if device is None or user.pk in self.tainted or device.last_t >= int(timezone.now().timestamp()) // 30:
            with_authenticator(user)
            self.tainted.discard(user.pk)
        code = totp_code(user)
        if kind != "fresh":  # "reused" before any code was used: a code of an app replaced since
            with_authenticator(user)
            self.tainted.add(user.pk)
        return code

    @rule(allowed=st.booleans())
    def zone_urgent_switch(self, allowed: bool) -> None:
        # The zone's administrator turns urgent posts on or off (a setting of the zone's page).
        Zone.objects.filter(pk=self.zone.pk).update(urgent_posts_allowed=allowed)
        self.urgent_allowed = allowed

    # --- Review after --------------------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.fast))
    @rule(data=st.data(), by_officer=st.integers(0, 5))
    def acknowledge(self, data: st.DataObject, by_officer: int) -> None:
        model = self.fast[data.draw(st.sampled_from(sorted(self.fast)), label="fast-lane post")]
        actor = self.officer if by_officer == 0 else self.director
        review_after = ReviewAfter.objects.select_related("zone", "post").get(post_id=model.pk)
        expected = PermissionDenied if actor == self.officer else WorkflowError if model.acknowledged else None
        done = self._expect(
            "acknowledge",
            expected,
            lambda: fastlane.review_after_acknowledge(actor=actor, review_after=review_after, comment="Vu"),
        )
        if done is not None:
            model.acknowledged = True
            self._audited("editorial.post.review_after", review_after.post)

    # --- Follow-ups ----------------------------------------------------------------------------------------------

    def _follow_up(self, data: st.DataObject) -> FollowUpModel | None:
        if not self.follow_ups:
            return None
        return self.follow_ups[data.draw(st.sampled_from(sorted(self.follow_ups)), label="follow-up")]

    def _out_on(self, model: FollowUpModel) -> set[int]:
        """The follow-up's channels where its original is out (published, with the network's id)."""
        published = Publication.objects.filter(
            post_id=model.original, status=Publication.Status.PUBLISHED, channel_id__in=model.texts
        ).exclude(external_id="")
        return set(published.values_list("channel_id", flat=True))

    @precondition(lambda self: bool(self.follow_ups))
    @rule(data=st.data())
    def follow_up_publish(self, data: st.DataObject) -> None:
        model = self._follow_up(data)
        assert model is not None
        actor = self._actor(data)
        original = self.fast[model.original]
        template = self.templates[original.template]
        out = self._out_on(model)
        expected: type[Exception] | None = None
        if model.status != FollowUp.Status.PENDING:
            expected = WorkflowError
        elif not self._may_publish(actor, self.speed, out or set(model.texts)):
            expected = PermissionDenied
        elif not out or template.status != TStatus.APPROVED or template.approved_version != original.version:
            expected = WorkflowError
        post = self._expect(
            "follow-up publish",
            expected,
            lambda: fastlane.follow_up_publish(actor=actor, follow_up=FollowUp.objects.get(pk=model.pk)),
        )
        if post is None:
            return
        model.status = FollowUp.Status.PUBLISHED
        assert post.follows_up_id == model.original and post.origin == PostOrigin.TEMPLATE
        self.fast[post.pk] = FastPost(
            post.pk, {cid: text for cid, text in model.texts.items() if cid in out}, original.template, original.version
        )
        self._audited("editorial.follow_up.publish", post.follows_up)

    @precondition(lambda self: bool(self.follow_ups))
    @rule(data=st.data(), reason=st.sampled_from(["Route rouverte plus tôt", " "]))
    def follow_up_dismiss(self, data: st.DataObject, reason: str) -> None:
        model = self._follow_up(data)
        assert model is not None
        actor = self._actor(data)
        expected: type[Exception] | None = None
        if not self._may_publish(actor, self.speed, self._out_on(model) or set(model.texts)):
            expected = PermissionDenied
        elif not reason.strip() or model.status != FollowUp.Status.PENDING:
            expected = WorkflowError
        done = self._expect(
            "follow-up dismiss",
            expected,
            lambda: followups.follow_up_dismiss(
                actor=actor, follow_up=FollowUp.objects.get(pk=model.pk), reason=reason
            ),
        )
        if done is not None:
            model.status = FollowUp.Status.DISMISSED

    @precondition(lambda self: bool(self.follow_ups))
    @rule(ahead=st.integers(0, 24 * 60))
    def follow_ups_remind(self, ahead: int) -> None:
        self._run(lambda: followups.follow_ups_remind(now=timezone.now() + timedelta(minutes=ahead)))

    # --- A post that needs a sign-off ----------------------------------------------------------------------------

    @precondition(lambda self: len(self.reviewed) < 2)
    @rule(data=st.data())
    def judicial_post(self, data: st.DataObject) -> None:
        self._judicial_post(data)

    def _judicial_post(self, data: st.DataObject) -> ReviewedPost:
        channels = self._channels(data)
        texts = {c.pk: data.draw(st.sampled_from(JUDICIAL_TEXTS), label="text") for c in channels}
        post = self._expect(
            "judicial post",
            None,
            lambda: services.post_create(
                actor=self.officer,
                zone=self.zone,
                title="Appel à témoins",
                texts={c: texts[c.pk] for c in channels},
                category=self.judicial,
                planned_at=timezone.now() + timedelta(hours=2),
            ),
        )
        self.reviewed[post.pk] = model = ReviewedPost(post.pk, texts)
        return model

    def _reviewed(self, data: st.DataObject) -> ReviewedPost | None:
        if not self.reviewed:
            return None
        return self.reviewed[data.draw(st.sampled_from(sorted(self.reviewed)), label="judicial post")]

    @precondition(lambda self: bool(self.reviewed))
    @rule(data=st.data())
    def judicial_edit(self, data: st.DataObject) -> None:
        model = self._reviewed(data)
        assert model is not None
        self._judicial_edit(model, data)

    def _judicial_edit(self, model: ReviewedPost, data: st.DataObject) -> None:
        cid = data.draw(st.sampled_from(sorted(model.texts)), label="channel")
        new = dict(model.texts) | {cid: data.draw(st.sampled_from(JUDICIAL_TEXTS), label="text")}
        editable = model.status in (PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED)
        done = self._expect(
            "judicial edit",
            None if editable else PermissionDenied,
            lambda: services.post_update(
                actor=self.officer,
                post=Post.objects.get(pk=model.pk),
                texts={c: new[c.pk] for c in self.channels if c.pk in new},
            ),
        )
        if done is None:
            return
        if new != model.texts and model.status in (PostStatus.IN_REVIEW, PostStatus.APPROVED):
            model.status, model.approved = PostStatus.DRAFT, None
        model.texts = new

    @precondition(lambda self: any(p.status == PostStatus.DRAFT for p in self.reviewed.values()))
    @rule(data=st.data())
    def judicial_submit(self, data: st.DataObject) -> None:
        model = self._reviewed(data)
        assert model is not None
        self._judicial_submit(model)

    def _judicial_submit(self, model: ReviewedPost) -> None:
        done = self._expect(
            "judicial submit",
            None
            if model.status == PostStatus.DRAFT
            else WorkflowError
            if model.status in (PostStatus.IN_REVIEW, PostStatus.APPROVED)
            else PermissionDenied,  # published: nobody edits or submits it any more
            lambda: services.post_submit(actor=self.officer, post=Post.objects.get(pk=model.pk)),
        )
        if done is not None:
            model.status = PostStatus.IN_REVIEW

    @precondition(lambda self: any(p.status == PostStatus.IN_REVIEW for p in self.reviewed.values()))
    @rule(data=st.data())
    def judicial_read(self, data: st.DataObject) -> None:
        """The judicial head and the director read the post as it stands (their pages may go stale)."""
        model = self._reviewed(data)
        assert model is not None
        self._judicial_read(model)

    def _judicial_read(self, model: ReviewedPost) -> tuple[str, tuple[tuple[int, str], ...]]:
        seen = (services.post_fingerprint(post=Post.objects.get(pk=model.pk)), model.content())
        model.signoff_seen.append(seen)
        model.seen.append(seen)
        return seen

    @precondition(lambda self: any(p.signoff_seen for p in self.reviewed.values()))
    @rule(data=st.data(), wrong_head=st.integers(0, 5))
    def sign_off(self, data: st.DataObject, wrong_head: int) -> None:
        model = self._reviewed(data)
        assert model is not None
        if model.signoff_seen:
            seen = data.draw(st.sampled_from(model.signoff_seen[::-1]), label="version read")
            self._sign_off(model, seen, self.head if wrong_head == 0 else self.judicial_head)

    def _sign_off(self, model: ReviewedPost, seen: tuple[str, tuple[tuple[int, str], ...]], actor: Any) -> None:
        fingerprint, content = seen
        expected: type[Exception] | None = None
        if actor == self.head:
            expected = PermissionDenied  # the traffic head does not sign off for the judicial unit
        elif model.status != PostStatus.IN_REVIEW or content != model.content() or content in model.signed:
            expected = WorkflowError
        done = self._expect(
            "sign off",
            expected,
            lambda: services.post_sign_off(
                actor=actor, post=Post.objects.get(pk=model.pk), reviewed_fingerprint=fingerprint, note="RAS"
            ),
        )
        if done is not None:
            model.signed.add(content)
            self._audited("editorial.post.sign_off", done.post)

    @precondition(lambda self: any(p.seen for p in self.reviewed.values()))
    @rule(data=st.data())
    def judicial_approve(self, data: st.DataObject) -> None:
        model = self._reviewed(data)
        assert model is not None
        if model.seen:
            self._judicial_approve(model, data.draw(st.sampled_from(model.seen[::-1]), label="version read"))

    def _judicial_approve(self, model: ReviewedPost, seen: tuple[str, tuple[tuple[int, str], ...]]) -> None:
        fingerprint, content = seen
        allowed = model.status == PostStatus.IN_REVIEW and content == model.content() and content in model.signed
        done = self._expect(
            "judicial approve",
            None if allowed else WorkflowError,
            lambda: services.post_approve(
                actor=self.director,
                post=Post.objects.get(pk=model.pk),
                reviewed_fingerprint=fingerprint,
                answers={v.pk: ValueAnswer(True) for v in self.values},
                confidentiality_confirmed=True,
            ),
        )
        if done is not None:
            model.status, model.approved = PostStatus.APPROVED, dict(model.texts)
            self._audited("editorial.post.approve", done.post)

    @rule(data=st.data(), edit_after=st.booleans(), skip_signoff=st.integers(0, 4))
    def judicial_through_review(self, data: st.DataObject, edit_after: bool, skip_signoff: int) -> None:
        """The usual path in one step: submitted, signed off by the judicial head (sometimes not), sometimes edited
        after the sign-off (and submitted again), approved by the director as read."""
        model = self._reviewed(data) if self.reviewed and data.draw(st.booleans(), label="existing") else None
        if model is None:
            model = self._judicial_post(data) if len(self.reviewed) < 2 else self._reviewed(data)
        assert model is not None
        if model.status == PostStatus.DRAFT:
            self._judicial_submit(model)
        if model.status != PostStatus.IN_REVIEW:
            return
        seen = self._judicial_read(model)
        if skip_signoff:
            self._sign_off(model, seen, self.judicial_head)
        if edit_after:
            self._judicial_edit(model, data)
            if model.status == PostStatus.DRAFT:
                self._judicial_submit(model)
            seen = self._judicial_read(model)
        self._judicial_approve(model, seen)

    # --- Beat and the workers ------------------------------------------------------------------------------------

    @rule(ahead=st.one_of(st.integers(0, 30), st.integers(0, 24 * 60)))
    def beat_and_workers(self, ahead: int) -> None:
        """The dispatcher runs and the workers take every task on its way (tasks.publish: publication_send)."""
        self._run(lambda: publishing.publications_dispatch(now=timezone.now() + timedelta(minutes=ahead)))
        while self.deliveries:
            self._deliver(self.deliveries.pop(0))

    def _deliver(self, publication_id: int) -> None:
        outcome = self._run(lambda: tasks.publish(publication_id))
        event(f"publish task: {outcome}")
        self.delivered.append(publication_id)

    @precondition(lambda self: bool(self.deliveries))
    @rule(data=st.data())
    def deliver_task(self, data: st.DataObject) -> None:
        self._deliver(self.deliveries.pop(data.draw(st.integers(0, len(self.deliveries) - 1), label="task")))

    @precondition(lambda self: bool(self.delivered))
    @rule(data=st.data())
    def deliver_again(self, data: st.DataObject) -> None:
        self._deliver(data.draw(st.sampled_from(self.delivered), label="delivered again"))

    @precondition(lambda self: not self.refuse_next and bool(self.fast or self.reviewed))
    @rule(chance=st.integers(0, 3))
    def network_will_refuse(self, chance: int) -> None:
        self.refuse_next = chance == 0  # rarely: the original of a follow-up then misses a channel

    # --- Invariants, checked after every step --------------------------------------------------------------------

    @invariant()
    def desk_invariants(self) -> None:
        self._sent_only_what_was_approved()
        self._one_create_per_publication()
        self._fast_lane_posts_have_one_review_after()
        self._no_post_under_a_withdrawn_grant()
        self._follow_ups_published_once()
        self._signoff_before_approval()
        self._states_are_the_models()
        assert verify_chain()[0] == [], "the audit chain does not verify"

    def _sent_only_what_was_approved(self) -> None:
        for call in self.calls:
            assert call.expected is not None, f"post {call.post_id} sent on channel {call.channel_id}: {call.why_not}"
            assert call.sent == call.expected, f"post {call.post_id}: sent {call.sent!r}, approved {call.expected!r}"

    def _one_create_per_publication(self) -> None:
        for publication_id, count in self.creates.items():
            assert count <= 1, f"publication {publication_id}: {count} creates"
        assert len(locmem.outbox) == sum(self.creates.values())

    def _fast_lane_posts_have_one_review_after(self) -> None:
        rows = Post.objects.filter(zone=self.zone).values_list("pk", "origin", "status", "urgent_reason")
        after = dict(ReviewAfter.objects.filter(zone=self.zone).values_list("post_id", "urgent"))
        for pk, origin, status, reason in rows:
            if origin == PostOrigin.REVIEWED:
                assert pk not in after, f"reviewed post {pk} in the review-after queue"
                continue
            assert pk in self.fast, f"fast-lane post {pk} the model did not publish"
            assert status in (PostStatus.APPROVED, PostStatus.PUBLISHED), f"fast-lane post {pk} {status}"
            assert pk in after, f"fast-lane post {pk} without its review after"
            assert after[pk] == (origin == PostOrigin.URGENT), f"post {pk}: urgent flag wrong"
            assert origin != PostOrigin.URGENT or reason, f"urgent post {pk} without its reason"
        for pk in self.held:
            assert not Publication.objects.filter(post_id=pk).exists(), f"held post {pk} has publications"

    def _no_post_under_a_withdrawn_grant(self) -> None:
        revoked = dict(Grant.objects.filter(zone=self.zone, revoked_at__isnull=False).values_list("pk", "revoked_at"))
        for pk, under, created in Post.objects.filter(zone=self.zone, published_under__startswith="grant:").values_list(
            "pk", "published_under", "created_at"
        ):
            grant = int(under.removeprefix("grant:"))
            assert grant not in revoked or created < revoked[grant], f"post {pk} made under withdrawn grant {grant}"

    def _follow_ups_published_once(self) -> None:
        for row in FollowUp.objects.filter(zone=self.zone):
            replies = Post.objects.filter(follows_up_id=row.post_id).count()
            published = row.status == FollowUp.Status.PUBLISHED
            assert replies == int(published), f"follow-up {row.pk} {row.status} with {replies} posts"
            assert published == (row.published_post_id is not None)
            assert row.status == self.follow_ups[row.pk].status, f"follow-up {row.pk} is {row.status}"
        reminded = Counter(
            AuditEvent.objects.filter(zone=self.zone, action="editorial.follow_up.remind").values_list(
                "data__follow_up", flat=True
            )
        )
        assert all(count == 1 for count in reminded.values()), f"follow-ups reminded twice: {reminded}"

    def _signoff_before_approval(self) -> None:
        for post in Post.objects.filter(zone=self.zone, category__signoff_unit__isnull=False).select_related(
            "category"
        ):
            if post.status not in (PostStatus.APPROVED, PostStatus.PUBLISHED):
                continue
            assert SignOff.objects.filter(
                post=post, unit_id=post.category.signoff_unit_id, fingerprint=post.approved_fingerprint
            ).exists(), f"post {post.pk} approved without the sign-off of its fingerprint"
            if post.status == PostStatus.APPROVED:
                assert services.post_fingerprint(post=post) == post.approved_fingerprint

    def _states_are_the_models(self) -> None:
        for pk, status, approved in Template.objects.filter(zone=self.zone).values_list(
            "pk", "status", "approved_version"
        ):
            model = self.templates[pk]
            assert status == model.status, f"template {pk} is {status}, the model says {model.status}"
            assert approved == model.approved_version, f"template {pk}: approved version {approved}"
        for pk, status in Post.objects.filter(pk__in=list(self.reviewed)).values_list("pk", "status"):
            model = self.reviewed[pk]
            if status == PostStatus.PUBLISHED and model.status == PostStatus.APPROVED:
                model.status = PostStatus.PUBLISHED
            assert status == model.status, f"post {pk} is {status}, the model says {model.status}"
        acknowledged = set(
            ReviewAfter.objects.filter(zone=self.zone, acknowledged_at__isnull=False).values_list("post_id", flat=True)
        )
        assert acknowledged == {pk for pk, m in self.fast.items() if m.acknowledged}


@pytest.mark.django_db
def test_fast_lane_through_random_lives(settings, celery_outbox):
    backend = {"BACKEND": f"{__name__}.FuzzPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    FastLaneLifecycle.celery_outbox = celery_outbox
    run_state_machine_as_test(FastLaneLifecycle, settings=inputs.fuzz_settings(40, stateful_step_count=30))
