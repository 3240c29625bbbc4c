"""No deadlock by design (issue 11): the outcomes of every channel of one post written at the same moment, with a
comment added to the post and the reaper running meanwhile, on PostgreSQL, many times.

A deadlock shows here as PostgreSQL's "deadlock detected" raised in one of the threads (at_once re-raises it), or as
an outcome lost (its transaction rolled back, the publication left "sending").
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from editorial import publishing, services
from editorial.audit_verify import verify_chain
from editorial.models import AuditEvent, Channel, Comment, Post, Publication
from editorial.publishers import PublishError, PublishResult
from editorial.publishers.base import BasePublisher, ErrorKind
from tests.concurrency import at_once
from tests.factories import make_post, submit_and_approve

Status = Publication.Status

# The outcome each channel's create call gives, by the channel's position in the post: all kinds of outcome
# (the post completes only in the rounds where every channel is published).
MIXED = ("published", "retry", "failed", "unknown", "reconnect")


class Outcomes:
    barrier = threading.Barrier(1)
    by_channel: dict[int, str] = {}


class BarrierPublisher(BasePublisher):
    """Waits until every channel's call (and the comment's writer) is there, then answers as told."""

    def publish(self, variant):
        Outcomes.barrier.wait()
        outcome = Outcomes.by_channel[variant.channel_id]
        if outcome == "published":
            return PublishResult(external_id=f"id-{variant.pk}", url=f"https://example.test/{variant.pk}")
        if outcome == "retry":
            raise PublishError("Limite atteinte.", kind=ErrorKind.RETRY)
        if outcome == "failed":
            raise PublishError("Contenu refusé.", kind=ErrorKind.PERMANENT)
        if outcome == "reconnect":
            raise PublishError("Identifiants refusés.", kind=ErrorKind.PERMANENT, needs_reconnect=True)
        raise PublishError("Pas de réponse.", kind=ErrorKind.UNKNOWN)


EXPECTED = {
    "published": Status.PUBLISHED,
    "retry": Status.RETRYING,
    "failed": Status.FAILED,
    "reconnect": Status.FAILED,
    "unknown": Status.UNKNOWN,
}


@pytest.fixture
def channels(zone_users, settings, request):
    """The zone's X and Facebook channels plus enough X accounts to reach the number asked for."""
    backend = {"BACKEND": f"{__name__}.BarrierPublisher", "OPTIONS": {}}
    settings.PUBLISHERS = {"x": backend, "facebook": backend}
    zone = zone_users.zone
    for n in range(request.param - Channel.objects.filter(zone=zone).count()):
        Channel.objects.create(zone=zone, kind=Channel.Kind.X, name=f"X {n}", handle=f"@extra{n}")
    return list(Channel.objects.filter(zone=zone).order_by("pk"))


def one_round(zone_users, channels, *, mixed: bool) -> None:
    # Channels marked for reconnection in an earlier round are made active again for this one.
    Channel.objects.filter(pk__in=[c.pk for c in channels]).update(status=Channel.Status.ACTIVE)
    post = make_post(zone_users.zone, zone_users.officer, planned_at=timezone.now() + timedelta(minutes=10))
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    publications = Publication.objects.filter(post=post)
    publications.update(next_attempt_at=timezone.now())  # due now; the approved time is fingerprinted
    assert publishing.publications_dispatch(only=list(publications.values_list("pk", flat=True))) == len(channels)
    Outcomes.by_channel = {
        channel.pk: (MIXED[n % len(MIXED)] if mixed else "published") for n, channel in enumerate(channels)
    }
    publications = list(Publication.objects.filter(post=post).order_by("pk"))
    # Every create call and the comment's writer meet at the barrier, then write at the same moment.
    Outcomes.barrier = threading.Barrier(len(publications) + 1, timeout=30)

    def act(what: str, publication_id: int | None) -> str:
        if what == "send":
            return publishing.publication_send(publication_id=publication_id)
        if what == "comment":
            Outcomes.barrier.wait()
            services.comment_add(actor=zone_users.officer, post=post, body="Vu, merci.")
            return "comment"
        publishing.publications_reap()
        return "reap"

    results = at_once(act, [("send", p.pk) for p in publications] + [("comment", None), ("reap", None), ("reap", None)])
    assert sorted(r for r in results if r not in ("comment", "reap")) == sorted(
        EXPECTED[Outcomes.by_channel[p.channel_id]] for p in publications
    )
    # Every outcome kept: the publication, its attempt row and its audit event.
    for publication in publications:
        publication.refresh_from_db()
        assert publication.status == EXPECTED[Outcomes.by_channel[publication.channel_id]]
        assert publication.attempt_rows.count() == 1
        assert (
            AuditEvent.objects.filter(
                object_type="editorial.publication",
                object_id=str(publication.pk),
                action=f"editorial.publication.{publication.status}",
            ).count()
            == 1
        )
    post.refresh_from_db()
    assert post.status == (Post.Status.APPROVED if mixed else Post.Status.PUBLISHED)
    assert Comment.objects.filter(post=post).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("channels", "rounds"), [(2, 12), (10, 6)], indirect=["channels"])
def test_outcomes_of_one_post_finishing_at_once_never_deadlock(postgres, zone_users, channels, rounds):
    for n in range(rounds):
        one_round(zone_users, channels, mixed=n % 2 == 1)
    assert verify_chain()[0] == []
