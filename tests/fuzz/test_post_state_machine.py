"""Posts driven through random lives by a Hypothesis state machine (issue 5, point 8; DESIGN.md section 6).

The rules call the services as the officer and the director would (editorial/services.py) and as beat and the
workers would (editorial/publishing.py): edits of texts, images, alt texts, channels and times; submissions;
the director reading a version and approving it (sometimes a version read earlier, now stale) or asking for
changes; publish now; dispatcher and reaper runs; publish tasks delivered once, twice, or never (a flushed
broker); a network that answers with each kind of failure or a worker killed during the call; "send it again",
"it was published", cancellation, pauses.

The machine keeps its own model of each post: the content it put in (texts, the bytes and alt text of each
image, the channels, the time) and the content that was approved. It does not trust the desk's fingerprint: an
approval must succeed exactly when the post is in review and the version the director read is, by the model,
the current one. After every step it checks the invariants:

1. every create call gets, byte for byte, the text and images (file bytes and alt texts) the director approved
   for that channel, and only while the post is approved;
2. no create call for a publication that may already be online (success, unknown outcome, worker killed)
   unless a person chose "send it again" since;
3. the post's state is the one the workflow says (an edit of an approved or reviewed post voids it...);
4. every publication is in a known state: failed and unknown ones carry a reason and an alert, "sending" only
   after a killed worker, "queued" only with a task on its way or a flushed broker; and the rule ``settle``
   (time passes, nobody acts) leaves each one published, failed, unknown, cancelled, or waiting for a
   deliberate pause or an alerted reconnection;
5. the audit chain verifies, and each action of a person is in it.

Each run of the machine is one example; it works in a savepoint rolled back at its end (``teardown``).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PIL import Image

from accounts.models import Role
from editorial import publishing, services, tasks
from editorial.audit_verify import verify_chain
from editorial.models import AuditEvent, Channel, Post, PostVariant, Publication, Value, VariantMedia, Zone
from editorial.publishers import PublishError, locmem
from editorial.publishers.base import ErrorKind
from editorial.services import ValueAnswer, WorkflowError
from tests.factories import make_member, make_zone
from tests.fuzz import inputs

PostStatus = Post.Status
PubStatus = Publication.Status
Media = tuple[str, str]  # (SHA-256 of the file's bytes, alt text)
DONE = (PubStatus.PUBLISHED, PubStatus.CANCELLED)


@dataclass(frozen=True)
class Content:
    """What would be published, as the machine put it in: independent of the desk's own fingerprint."""

    planned_at: datetime | None
    channels: tuple[tuple[int, str, tuple[Media, ...]], ...]  # (channel id, text, images), by channel id

    def of(self, channel_id: int) -> tuple[str, tuple[Media, ...]] | None:
        return next(((text, media) for cid, text, media in self.channels if cid == channel_id), None)


@dataclass
class PostModel:
    pk: int
    status: str
    texts: dict[int, str]
    media: dict[int, list[Media]]
    planned_at: datetime | None
    approved: Content | None = None  # the approval in force
    last_approved: Content | None = None  # kept after an edit voids it, for the officer who puts it back
    seen: list[tuple[str, Content]] = field(default_factory=list)  # what a director read: fingerprint, content

    def content(self) -> Content:
        channels = tuple((cid, self.texts[cid], tuple(self.media.get(cid, []))) for cid in sorted(self.texts))
        return Content(self.planned_at, channels)


class Fault(Enum):
    """What the network (or the worker) does on the next create call."""

    RETRY = "retry"  # refused, provably nothing created (429...)
    PERMANENT = "permanent"  # refused for good (policy, invalid content)
    RECONNECT = "reconnect"  # credentials refused: the channel must be reconnected
    UNKNOWN_SENT = "unknown-sent"  # created, but the answer was lost (read timeout)
    UNKNOWN_NOT_SENT = "unknown-not-sent"  # not created, but nobody can tell (5xx)
    BUG_SENT = "bug-sent"  # created, then the publisher raised something unexpected
    KILLED_SENT = "killed-sent"  # created, then the worker was killed (SIGKILL)
    KILLED_NOT_SENT = "killed-not-sent"  # killed before the request left


class WorkerKilled(BaseException):
    """The worker process died during the call: nothing in it catches this, as nothing survives a SIGKILL."""


@dataclass(frozen=True)
class Call:
    publication_id: int
    channel_id: int
    sent: tuple[str, tuple[Media, ...]]
    approved: tuple[str, tuple[Media, ...]] | None  # the model's approved version for this channel at that time
    post_approved_in_db: bool
    while_maybe_online: bool  # a create may already be online and nobody chose to send again since


MACHINE: PostLifecycle | None = None


class FuzzPublisher(locmem.Publisher):
    """The locmem publisher (its outbox is what was created), with the machine's faults and a record of what
    each call received: the text, and each image's file bytes hash and alt text."""

    def publish(self, variant: Any) -> Any:
        assert MACHINE is not None
        return MACHINE.on_create_call(variant, super().publish)


def _file_hash(media: VariantMedia) -> str:
    with media.image.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _newest_image(post_id: int, channel_id: int) -> Media:
    """The image just added to a post's text, as stored: the hash of its bytes and its alt text."""
    media = VariantMedia.objects.filter(variant__post_id=post_id, variant__channel_id=channel_id).latest("pk")
    return _file_hash(media), media.alt_text


def _png(colour: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (colour, 255 - colour, 40)).save(buffer, "PNG")
    return buffer.getvalue()


# A few distinct images and texts, so that an edit sometimes puts back what was there (and voids nothing).
IMAGES = {colour: _png(colour) for colour in (10, 120, 240)}
service_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
texts = st.one_of(
    st.sampled_from(["Contrôle radar #Quevy", "Contrôle radar #Quevy ", "Travaux N6 🚧", "<b>zx</b> & co", ""]),
    service_text.filter(str.strip),
    service_text,
)
EDIT_KINDS = ["text", "channels", "time", "title", "undo", "add image", "describe image", "remove image"]
alts = st.sampled_from(["Un radar", "Un radar ", "Le radar", "Travaux sur la N6"])
# Planned times from a few minutes to three days ahead, and time passing by a little or by a lot.
minutes = st.one_of(st.integers(5, 600), st.integers(5, 3 * 24 * 60))
ahead = st.one_of(st.integers(0, 30), st.integers(0, 4 * 24 * 60))


class PostLifecycle(RuleBasedStateMachine):
    posts = Bundle("posts")
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
        self.channels = list(Channel.objects.filter(zone=self.zone).order_by("pk"))
        self.values = list(Value.objects.filter(zone=self.zone, is_active=True))
        self.models: dict[int, PostModel] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.maybe_online: set[int] = set()  # publications a create may have reached
        self.decisions: Counter[int] = Counter()  # "send it again", per publication
        self.creates: Counter[int] = Counter()  # create calls that may have created something
        self.killed: set[int] = set()  # publications whose worker died during the call
        self.deliveries: list[int] = []  # publish tasks on their way
        self.delivered: list[int] = []  # delivered at least once: a broker may deliver them again
        self.broker_flushed = False
        self.reconnect_needed = False
        self.settled = False  # nothing happened since the last settle: settling again would test nothing
        self.outbox_seen = len(self.celery_outbox)
        locmem.outbox.clear()

    def teardown(self) -> None:
        global MACHINE
        MACHINE = None
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- Plumbing ------------------------------------------------------------------------------------------

    def _run(self, action: Any) -> Any:
        """Run a service as a request or a task does: its on-commit work (e-mails, tasks) runs at the end."""
        self.settled = False
        with TestCase.captureOnCommitCallbacks(execute=True):
            result = action()
        for task in self.celery_outbox[self.outbox_seen :]:
            if task.name == "editorial.tasks.publish":
                self.deliveries.append(task.args[0])
        self.outbox_seen = len(self.celery_outbox)
        return result

    def _expect(
        self, label: str, allowed: bool, action: Any, refusal: type[Exception] | tuple[type[Exception], ...]
    ) -> bool:
        """Run ``action``; it must succeed when the model says it is allowed and be refused otherwise."""
        try:
            self._run(action)
        except refusal as error:
            assert not allowed, f"{label} refused although allowed: {error!r}"
            event(f"{label}: refused")
            return False
        assert allowed, f"{label} done although the workflow forbids it"
        event(f"{label}: done")
        return True

    def _any(self, status: str) -> bool:
        return any(model.status == status for model in self.models.values())

    def _audited(self, action: str, obj: Any) -> None:
        assert AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).exists(), f"{action} not audited"

    def _post(self, model: PostModel) -> Post:
        return Post.objects.select_related("zone").get(pk=model.pk)

    def on_create_call(self, variant: Any, create: Any) -> Any:
        publication = Publication.objects.get(post_id=variant.post_id, channel_id=variant.channel_id)
        model = self.models[variant.post_id]
        media = tuple(
            (_file_hash(m), m.alt_text) for m in VariantMedia.objects.filter(variant=variant).order_by("order", "pk")
        )
        post_status = Post.objects.filter(pk=variant.post_id).values_list("status", flat=True).get()
        self.calls.append(
            Call(
                publication_id=publication.pk,
                channel_id=variant.channel_id,
                sent=(variant.text, media),
                approved=model.approved.of(variant.channel_id) if model.approved else None,
                post_approved_in_db=post_status == PostStatus.APPROVED,
                while_maybe_online=publication.pk in self.maybe_online,
            )
        )
        fault = self.faults.pop(0) if self.faults else None
        if fault in (Fault.RETRY, Fault.PERMANENT, Fault.RECONNECT):
            self.reconnect_needed = self.reconnect_needed or fault == Fault.RECONNECT
            kind = ErrorKind.RETRY if fault == Fault.RETRY else ErrorKind.PERMANENT
            raise PublishError("refused by the fake network", kind=kind, needs_reconnect=fault == Fault.RECONNECT)
        # From here on the post may be online: only a person's "send it again" allows another create.
        self.maybe_online.add(publication.pk)
        if fault == Fault.UNKNOWN_NOT_SENT:
            raise PublishError("no answer", kind=ErrorKind.UNKNOWN)
        if fault == Fault.KILLED_NOT_SENT:
            raise WorkerKilled
        self.creates[publication.pk] += 1
        result = create(variant)
        if fault == Fault.UNKNOWN_SENT:
            raise PublishError("read timeout after sending", kind=ErrorKind.UNKNOWN)
        if fault == Fault.BUG_SENT:
            raise RuntimeError("unexpected answer")
        if fault == Fault.KILLED_SENT:
            raise WorkerKilled
        return result

    # --- The officer drafts ----------------------------------------------------------------------------------

    @initialize(target=posts, data=st.data(), approved=st.booleans())
    def first_post(self, data: st.DataObject, approved: bool) -> PostModel:
        model = self._new_post(data)
        if approved:
            self.submit_and_approve(model)
        return model

    def _channels(self, data: st.DataObject) -> list[Channel]:
        # In the list's order, not the set's: a set of model instances iterates by their ids' hashes, and ids
        # differ between Hypothesis' replays on PostgreSQL (sequences are not rolled back), so the draws that
        # follow would come in another order (FlakyStrategyDefinition).
        chosen = data.draw(st.sets(st.sampled_from(self.channels), min_size=1), label="channels")
        return [channel for channel in self.channels if channel in chosen]

    def _new_post(self, data: st.DataObject) -> PostModel:
        chosen = self._channels(data)
        planned = data.draw(st.one_of(minutes, minutes, st.none()), label="planned in minutes")
        planned_at = timezone.now() + timedelta(minutes=planned) if planned is not None else None
        post_texts = {channel: data.draw(texts, label=f"text {channel.kind}") for channel in chosen}
        # Often with an image from the start, so that its alt text and its file take part in most lives.
        images = [self._image(data, channel) for channel in chosen if data.draw(st.booleans(), label="image")]
        post = self._run(
            lambda: services.post_create(
                actor=self.officer,
                zone=self.zone,
                title="Post",
                texts=post_texts,
                planned_at=planned_at,
                media_add=images,
            )
        )
        self._audited("editorial.post.create", post)
        model = PostModel(
            pk=post.pk,
            status=PostStatus.DRAFT,
            texts={c.pk: t for c, t in post_texts.items()},
            media={new.channel.pk: [_newest_image(post.pk, new.channel.pk)] for new in images},
            planned_at=post.planned_at,
        )
        self.models[post.pk] = model
        return model

    # Two posts at most: enough for one to interfere with the other, and every step goes deeper into their lives.
    @precondition(lambda self: len(self.models) < 2)
    @rule(target=posts, data=st.data())
    def new_post(self, data: st.DataObject) -> PostModel:
        return self._new_post(data)

    def _edit(self, model: PostModel, change: Any, **kwargs: Any) -> None:
        """Apply an edit through post_update, and the same change to the model."""
        before = model.content()
        editable = model.status in (PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED)
        done = self._expect(
            "edit",
            editable,
            lambda: services.post_update(actor=self.officer, post=self._post(model), **kwargs),
            PermissionDenied,
        )
        if not done:
            return
        change()
        self._audited("editorial.post.update", model)
        if model.content() != before and model.status in (PostStatus.IN_REVIEW, PostStatus.APPROVED):
            model.status, model.approved = PostStatus.DRAFT, None
        self._check_media_order(model)

    # Two rules, so that edits (what voids an approval) are about as frequent as the publishing steps.
    @rule(post=posts, kind=st.sampled_from(["text", "text", "channels", "time", "title", "undo"]), data=st.data())
    def edit_texts(self, post: PostModel, kind: str, data: st.DataObject) -> None:
        self.edit(post, kind, data)

    @rule(
        post=posts,
        kind=st.sampled_from(["add image", "describe image", "describe image", "remove image"]),
        data=st.data(),
    )
    def edit_images(self, post: PostModel, kind: str, data: st.DataObject) -> None:
        self.edit(post, kind, data)

    @rule(post=posts, kind=st.sampled_from(EDIT_KINDS), data=st.data())
    def change_after_approval(self, post: PostModel, kind: str, data: st.DataObject) -> None:
        """The case invariant 2 is about: a post goes through review, then the officer changes something."""
        self.submit_and_approve(post)
        self.edit(post, kind, data)

    @rule(post=posts, kind=st.sampled_from(EDIT_KINDS), data=st.data())
    def revise(self, post: PostModel, kind: str, data: st.DataObject) -> None:
        """The officer changes an approved (or published, or failed) post and has it approved again."""
        self.edit(post, kind, data)
        self.submit_and_approve(post)

    def edit(self, post: PostModel, kind: str, data: st.DataObject) -> None:
        """The officer changes one thing of a post."""
        if kind == "text":
            channel = data.draw(st.sampled_from([c for c in self.channels if c.pk in post.texts]), label="channel")
            new_text = data.draw(texts, label="text")
            new_texts = dict(post.texts) | {channel.pk: new_text}
            by_channel = {c: new_texts[c.pk] for c in self.channels if c.pk in new_texts}
            self._edit(post, lambda: post.texts.update({channel.pk: new_text}), texts=by_channel)
        elif kind == "channels":
            chosen = self._channels(data)
            kept = {c.pk: post.texts.get(c.pk, "Texte pour " + c.kind) for c in chosen}

            def change() -> None:
                post.texts = kept
                post.media = {cid: media for cid, media in post.media.items() if cid in kept}

            self._edit(post, change, texts={c: kept[c.pk] for c in chosen})
        elif kind == "time":
            planned = data.draw(st.one_of(st.none(), minutes), label="planned in minutes")
            planned_at = timezone.now() + timedelta(minutes=planned) if planned is not None else None
            self._edit(post, lambda: setattr(post, "planned_at", planned_at), planned_at=planned_at)
        elif kind == "undo":
            # A change of mind: the texts, channels and time of the version approved last are put back.
            last = post.last_approved
            if last is None:
                return
            old = {cid: text for cid, text, _media in last.channels}

            def undo() -> None:
                post.texts, post.planned_at = dict(old), last.planned_at
                post.media = {cid: media for cid, media in post.media.items() if cid in old}

            by_channel = {c: old[c.pk] for c in self.channels if c.pk in old}
            self._edit(post, undo, texts=by_channel, planned_at=last.planned_at)
        elif kind == "title":
            # The title is never published: the approval stands.
            self._edit(post, lambda: None, title=data.draw(st.sampled_from(["Titre", "Autre titre"]), label="title"))
        elif kind == "add image":
            channel = data.draw(st.sampled_from([c for c in self.channels if c.pk in post.texts]), label="channel")
            new = self._image(data, channel)

            def add() -> None:
                post.media.setdefault(channel.pk, []).append(_newest_image(post.pk, channel.pk))

            self._edit(post, add, media_add=[new])
        else:
            found = self._existing_image(post, data)
            if found is None:
                return
            cid, index, media = found
            if kind == "remove image":
                self._edit(post, lambda: post.media[cid].pop(index), media_remove=[media.pk])
                return
            alt = data.draw(alts, label="alt text")

            def describe() -> None:
                post.media[cid][index] = (post.media[cid][index][0], alt.strip())

            self._edit(post, describe, media_alt_texts={media.pk: alt})

    def _image(self, data: st.DataObject, channel: Channel) -> services.NewMedia:
        """An image for ``channel`` as the form hands it to the services (they store it re-encoded)."""
        content = IMAGES[data.draw(st.sampled_from(sorted(IMAGES)), label="image")]
        upload = SimpleUploadedFile("photo.png", content)
        return services.NewMedia(channel=channel, image=upload, alt_text=data.draw(alts, label="alt text"))

    def _existing_image(self, post: PostModel, data: st.DataObject) -> tuple[int, int, VariantMedia] | None:
        with_images = [cid for cid, media in post.media.items() if media]
        if not with_images:
            return None
        cid = data.draw(st.sampled_from(with_images), label="channel with images")
        index = data.draw(st.integers(0, len(post.media[cid]) - 1), label="image")
        row = VariantMedia.objects.filter(variant__post_id=post.pk, variant__channel_id=cid).order_by("order", "pk")
        return cid, index, row[index]

    def _check_media_order(self, model: PostModel) -> None:
        # The images of a text are the ones the officer chose, in the order they were added, each recorded with
        # the hash of the very bytes stored (those are what is fingerprinted and sent).
        for cid, media in model.media.items():
            rows = VariantMedia.objects.filter(variant__post_id=model.pk, variant__channel_id=cid)
            stored = [(_file_hash(m), m.alt_text) for m in rows.order_by("order", "pk")]
            assert stored == media, f"images of channel {cid}: stored {stored}, chosen {media}"
            assert all(m.sha256 == _file_hash(m) for m in rows), "an image recorded with another file's hash"

    # Preconditions keep the steps on posts they can act on; the post drawn may still be in another state.
    @precondition(lambda self: self._any(PostStatus.DRAFT))
    @rule(post=posts)
    def submit(self, post: PostModel) -> None:
        ready = all(text.strip() for text in post.texts.values()) and post.planned_at is not None
        editable = post.status in (PostStatus.DRAFT, PostStatus.IN_REVIEW, PostStatus.APPROVED)
        done = self._expect(
            "submit",
            editable and post.status == PostStatus.DRAFT and ready,
            lambda: services.post_submit(actor=self.officer, post=self._post(post)),
            (WorkflowError, PermissionDenied),
        )
        if done:
            post.status = PostStatus.IN_REVIEW
            self._audited("editorial.post.submit", post)

    # --- The director reviews --------------------------------------------------------------------------------

    @precondition(lambda self: self._any(PostStatus.IN_REVIEW))
    @rule(post=posts)
    def director_reads(self, post: PostModel) -> None:
        post.seen.append((services.post_fingerprint(post=self._post(post)), post.content()))

    @precondition(lambda self: any(m.seen for m in self.models.values()))
    @rule(post=posts, data=st.data(), every_value=st.booleans())
    def approve(self, post: PostModel, data: st.DataObject, every_value: bool) -> None:
        if not post.seen:
            return
        # Usually the version just read; sometimes one read before the latest edits (a stale page).
        self._approve(post, data.draw(st.sampled_from(post.seen[::-1]), label="version read"), every_value)

    def _approve(self, post: PostModel, seen: tuple[str, Content], every_value: bool) -> None:
        fingerprint, content = seen
        answers = {v.pk: ValueAnswer(confirmed=every_value or i > 0) for i, v in enumerate(self.values)}
        allowed = post.status == PostStatus.IN_REVIEW and content == post.content() and every_value
        done = self._expect(
            "approve",
            allowed,
            lambda: services.post_approve(
                actor=self.director,
                post=self._post(post),
                reviewed_fingerprint=fingerprint,
                answers=answers,
                confidentiality_confirmed=True,
            ),
            WorkflowError,
        )
        if done:
            post.status, post.approved = PostStatus.APPROVED, post.content()
            post.last_approved = post.approved
            self._audited("editorial.post.approve", post)
            # Every channel it still has may already be out (an edit that only dropped a channel, or changed the
            # text of one already published, which re-approval never sends again): the post is published at once.
            self._sync_published()

    @rule(post=posts)
    def submit_and_approve(self, post: PostModel) -> None:
        """The usual path in one step: submitted, read by the director, approved as read."""
        self.submit(post)
        if post.status == PostStatus.IN_REVIEW:
            self.director_reads(post)
            self._approve(post, post.seen[-1], every_value=True)

    @precondition(lambda self: self._any(PostStatus.IN_REVIEW))
    @rule(post=posts)
    def request_changes(self, post: PostModel) -> None:
        done = self._expect(
            "request changes",
            post.status == PostStatus.IN_REVIEW,
            lambda: services.post_request_changes(actor=self.director, post=self._post(post), comment="Plus court"),
            WorkflowError,
        )
        if done:
            post.status = PostStatus.DRAFT
            self._audited("editorial.post.request_changes", post)

    # --- Publishing --------------------------------------------------------------------------------------------

    @precondition(lambda self: self._any(PostStatus.APPROVED))
    @rule(post=posts)
    def publish_now(self, post: PostModel) -> None:
        done = self._expect(
            "publish now",
            post.status == PostStatus.APPROVED,
            lambda: publishing.post_publish_now(actor=self.officer, post=self._post(post)),
            PermissionDenied,
        )
        if done:
            self._audited("editorial.post.publish_now", post)

    @rule(ahead=ahead)
    def run_dispatcher(self, ahead: int) -> None:
        self._run(lambda: publishing.publications_dispatch(now=timezone.now() + timedelta(minutes=ahead)))

    @rule(ahead=ahead)
    def beat_and_workers(self, ahead: int) -> None:
        """The dispatcher runs and the workers take every task on its way."""
        self.run_dispatcher(ahead)
        while self.deliveries:
            self._deliver(self.deliveries.pop(0))

    @precondition(lambda self: self._any(PostStatus.APPROVED) and len(self.faults) < 3)
    @rule(fault=st.sampled_from(Fault))
    def network_will_fail(self, fault: Fault) -> None:
        self.faults.append(fault)

    @precondition(lambda self: self._any(PostStatus.APPROVED))
    @rule(fault=st.sampled_from(Fault), ahead=ahead)
    def publish_into_a_failure(self, fault: Fault, ahead: int) -> None:
        """What is due goes out and the network fails on the first call (in one step: it is the usual incident)."""
        self.faults.insert(0, fault)
        self.beat_and_workers(ahead)

    def _deliver(self, publication_id: int) -> None:
        try:
            outcome = self._run(lambda: tasks.publish(publication_id))
        except WorkerKilled:
            self.killed.add(publication_id)
            outcome = "worker killed"
        event(f"publish task: {outcome}")
        self.delivered.append(publication_id)

    @precondition(lambda self: bool(self.deliveries))
    @rule(data=st.data())
    def deliver_task(self, data: st.DataObject) -> None:
        if self.deliveries:
            self._deliver(self.deliveries.pop(data.draw(st.integers(0, len(self.deliveries) - 1), label="task")))

    @precondition(lambda self: bool(self.delivered))
    @rule(data=st.data())
    def deliver_again(self, data: st.DataObject) -> None:
        # A message delivered twice: redelivered after a lost acknowledgement, or re-enqueued by the reaper.
        if self.delivered:
            self._deliver(data.draw(st.sampled_from(self.delivered), label="delivered again"))

    @precondition(lambda self: bool(self.deliveries))
    @rule()
    def broker_flushed(self) -> None:
        self.deliveries.clear()
        self.broker_flushed = True

    @precondition(lambda self: bool(self.calls))
    @rule(ahead=ahead)
    def run_reaper(self, ahead: int) -> None:
        report = self._run(lambda: publishing.publications_reap(now=timezone.now() + timedelta(minutes=ahead)))
        self.killed -= set(report.unknown)

    def _publication(self, data: st.DataObject) -> Publication | None:
        rows = list(Publication.objects.filter(post__zone=self.zone).order_by("pk"))
        return data.draw(st.sampled_from(rows), label="publication") if rows else None

    @precondition(lambda self: bool(self.calls))
    @rule(data=st.data())
    def send_again(self, data: st.DataObject) -> None:
        publication = self._publication(data)
        if publication is None:
            return
        post = Post.objects.get(pk=publication.post_id)
        try:
            self._run(lambda: publishing.publication_send_again(actor=self.officer, publication=publication))
        except (WorkflowError, PermissionDenied):
            # Allowed for an unknown or failed publication of a post approved as it stands, on a channel the post
            # still has (one dropped by an edit has no text to send).
            still_has_channel = PostVariant.objects.filter(post=post, channel_id=publication.channel_id).exists()
            assert publication.status not in (PubStatus.UNKNOWN, PubStatus.FAILED) or (
                post.status != PostStatus.APPROVED
                or post.approved_fingerprint != self._current_fingerprint(post)
                or not still_has_channel
            ), "send again refused for an unknown or failed publication of an approved post"
            return
        assert publication.status in (PubStatus.UNKNOWN, PubStatus.FAILED), f"sent again from {publication.status}"
        # A person checked the account and chose to send again: one more create is allowed.
        self.decisions[publication.pk] += 1
        self.maybe_online.discard(publication.pk)
        self._audited("editorial.publication.send_again", publication)

    def _current_fingerprint(self, post: Post) -> str:
        return services.post_fingerprint(post=post)

    def _settle(self, data: st.DataObject, label: str, action: str, decide: Any) -> Publication | None:
        """A person's decision about a drawn publication: allowed for an unknown or failed outcome only."""
        publication = self._publication(data)
        if publication is None:
            return None
        allowed = publication.status in (PubStatus.UNKNOWN, PubStatus.FAILED)
        if not self._expect(label, allowed, lambda: decide(publication), WorkflowError):
            return None
        self._audited(action, publication)
        return publication

    @precondition(lambda self: bool(self.calls))
    @rule(data=st.data())
    def confirm_published(self, data: st.DataObject) -> None:
        self._settle(
            data,
            "confirm published",
            "editorial.publication.confirm_published",
            lambda publication: publishing.publication_confirm_published(
                actor=self.officer, publication=publication, url="https://x.com/zone/status/42"
            ),
        )

    @precondition(lambda self: bool(self.calls))
    @rule(data=st.data())
    def leave_unsent(self, data: st.DataObject) -> None:
        publication = self._settle(
            data,
            "leave unsent",
            "editorial.publication.leave_unsent",
            lambda publication: publishing.publication_leave_unsent(
                actor=self.officer, publication=publication, reason="Information dépassée"
            ),
        )
        if publication is not None:
            # A person checked the account and found nothing: a new approval may send it (one more create).
            self.decisions[publication.pk] += 1
            self.maybe_online.discard(publication.pk)

    @rule(post=posts, chance=st.integers(0, 3))
    def cancel(self, post: PostModel, chance: int) -> None:
        if chance:
            return  # cancelling ends a post's life: a person does it rarely
        online = Publication.objects.filter(
            post_id=post.pk, status__in=[PubStatus.SENDING, PubStatus.PUBLISHED, PubStatus.UNKNOWN]
        ).exists()
        allowed = post.status not in (PostStatus.PUBLISHED, PostStatus.CANCELLED) and not online
        done = self._expect(
            "cancel",
            allowed,
            lambda: publishing.post_cancel(actor=self.officer, post=self._post(post), reason="Annulé"),
            WorkflowError,
        )
        if done:
            post.status, post.approved = PostStatus.CANCELLED, None
            self._audited("editorial.post.cancel", post)

    @rule(paused=st.booleans())
    def zone_pause(self, paused: bool) -> None:
        if paused:
            self._run(lambda: publishing.zone_pause(actor=self.officer, zone=self.zone, reason="Exercice"))
        else:
            self._run(lambda: publishing.zone_resume(actor=self.officer, zone=self.zone))

    @precondition(lambda self: self.reconnect_needed)
    @rule()
    def reconnect_channels(self) -> None:
        # An administrator pasted new credentials and tested the connection.
        for channel in Channel.objects.filter(zone=self.zone, status=Channel.Status.NEEDS_RECONNECT):
            self._run(lambda channel=channel: publishing.channel_test_connection(actor=self.officer, channel=channel))
        self.reconnect_needed = False

    @precondition(lambda self: not self.settled)
    @rule()
    def settle(self) -> None:
        """Time passes and nobody acts: beat, the workers and the reaper run until nothing moves."""
        self.faults.clear()  # the network answers again
        self.broker_flushed = False
        for _round in range(8):
            later = timezone.now() + timedelta(days=5)  # past every planned time and retry
            self._run(lambda later=later: publishing.publications_reap(now=later))
            self.killed.clear()
            self._run(lambda later=later: publishing.publications_dispatch(now=later))
            if not self.deliveries:
                break
            while self.deliveries:
                self._deliver(self.deliveries.pop(0))
        self._sync_published()
        zone_paused = Zone.objects.get(pk=self.zone.pk).publishing_paused
        for publication in Publication.objects.filter(post__zone=self.zone).select_related("post", "channel"):
            status, post = publication.status, publication.post
            if status in (PubStatus.PUBLISHED, PubStatus.CANCELLED, PubStatus.FAILED, PubStatus.UNKNOWN):
                continue
            assert status != PubStatus.SENDING, f"publication {publication.pk} left sending"
            assert post.status == PostStatus.APPROVED, f"publication {publication.pk} {status} of a {post.status} post"
            waits_on_purpose = zone_paused or publication.channel.status == Channel.Status.PAUSED
            alerted = publication.alerted_at is not None
            assert waits_on_purpose or alerted, f"publication {publication.pk} {status}, nobody told"
        self.settled = True

    def _sync_published(self, publications: list[dict[str, Any]] | None = None) -> None:
        """The pipeline publishes a post when its last channel goes out: the model follows, if that was legal."""
        statuses = dict(Post.objects.filter(zone=self.zone).values_list("pk", "status"))
        if publications is None:
            publications = self._publications()
        for model in self.models.values():
            if statuses[model.pk] == PostStatus.PUBLISHED and model.status == PostStatus.APPROVED:
                left = [p for p in publications if p["post_id"] == model.pk and p["status"] not in DONE]
                assert not left, f"post {model.pk} published with publications {left}"
                model.status = PostStatus.PUBLISHED

    def _publications(self) -> list[dict[str, Any]]:
        return list(
            Publication.objects.filter(post__zone=self.zone).values(
                "pk", "post_id", "status", "last_error", "alerted_at", "external_id"
            )
        )

    # --- Invariants, checked after every step (one method: each check is a query or two) -----------------------

    @invariant()
    def desk_invariants(self) -> None:
        publications = self._publications()
        self._sent_exactly_what_was_approved()
        self._one_create_per_publication_unless_sent_again()
        self._posts_follow_the_workflow(publications)
        self._publications_are_in_a_known_state(publications)
        assert verify_chain()[0] == [], "the audit chain does not verify"

    def _sent_exactly_what_was_approved(self) -> None:
        for call in self.calls:
            assert call.post_approved_in_db and call.approved is not None, "a create call for a post not approved"
            assert call.sent == call.approved, f"sent {call.sent!r}, approved {call.approved!r}"

    def _one_create_per_publication_unless_sent_again(self) -> None:
        for call in self.calls:
            assert not call.while_maybe_online, (
                f"publication {call.publication_id}: a create call while an earlier one may be online"
            )
        for publication_id, count in self.creates.items():
            assert count <= 1 + self.decisions[publication_id], f"publication {publication_id}: {count} creates"
        # The locmem outbox holds what was really created: exactly the calls that went through.
        assert len(locmem.outbox) == sum(self.creates.values())

    def _posts_follow_the_workflow(self, publications: list[dict[str, Any]]) -> None:
        self._sync_published(publications)
        rows = Post.objects.filter(zone=self.zone).values_list("pk", "status", "approved_fingerprint", "approved_by")
        for pk, status, fingerprint, approver in rows:
            model = self.models[pk]
            assert status == model.status, f"post {pk} is {status}, the workflow says {model.status}"
            if status in (PostStatus.APPROVED, PostStatus.PUBLISHED):
                assert fingerprint and approver == self.director.pk, f"post {pk} {status} without its approval"

    def _publications_are_in_a_known_state(self, publications: list[dict[str, Any]]) -> None:
        for row in publications:
            pk, status = row["pk"], row["status"]
            assert status in PubStatus.values
            if status in (PubStatus.FAILED, PubStatus.UNKNOWN):
                assert row["last_error"], f"publication {pk} {status} without a reason"
                assert row["alerted_at"] is not None, f"publication {pk} {status}, nobody alerted"
            if status == PubStatus.PUBLISHED:
                assert row["external_id"], f"publication {pk} published without its id"
            if status == PubStatus.SENDING:
                assert pk in self.killed, f"publication {pk} stuck in sending"
            if status == PubStatus.QUEUED:
                assert pk in self.deliveries or self.broker_flushed, f"publication {pk} queued, no task on its way"


@pytest.mark.django_db
def test_posts_through_random_lives(settings, celery_outbox):
    backend = {"BACKEND": f"{__name__}.FuzzPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    settings.PUBLISH_MAX_ATTEMPTS = 3
    PostLifecycle.celery_outbox = celery_outbox
    run_state_machine_as_test(
        PostLifecycle,
        settings=inputs.fuzz_settings(60, stateful_step_count=25),
    )
