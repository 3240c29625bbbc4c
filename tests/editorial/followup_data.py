"""Test data for follow-ups: an approved template with follow-up texts (rows made directly, as the director's approval
leaves them) and an instance of it published through the fast lane, as the template page would."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from editorial import fastlane, followups, publishing
from editorial.models import Category, Channel, FollowUp, Locality, Post, PostOrigin, Publication, Road, Template
from editorial.models import TemplateVersion as Version
from editorial.templating import Choices, declared, placeholders_for, render, version_fingerprint

TEXT = "Route fermée à {locality} le {date} de {from} à {until}. {locality_hashtag}"
FOLLOW_UP = "Route rouverte à {locality}. {locality_hashtag}"


def approved_template(
    zone: Any,
    officer: Any,
    *,
    text: str = TEXT,
    follow_up: str | None = FOLLOW_UP,
    follow_up_after_minutes: int | None = None,
    kinds: tuple[str, ...] = ("x", "facebook"),
    name: str = "Route fermée",
) -> Version:
    """An approved template whose version has ``text`` (and ``follow_up``) on each channel of ``kinds``."""
    channels = list(Channel.objects.filter(zone=zone, kind__in=kinds))
    category = Category.objects.filter(zone=zone).first()
    texts = {str(c.pk): text for c in channels}
    follow_ups = {str(c.pk): follow_up for c in channels} if follow_up else {}
    placeholders = placeholders_for([*texts.values(), *follow_ups.values()])
    template = Template.objects.create(zone=zone, name=name, category=category, created_by=officer)
    version = Version.objects.create(
        template=template,
        number=1,
        texts=texts,
        placeholders=[p.as_dict() for p in placeholders],
        follow_up_texts=follow_ups,
        follow_up_after_minutes=follow_up_after_minutes,
        fingerprint=version_fingerprint(
            texts=texts,
            placeholders=placeholders,
            hashtags="",
            follow_up_texts=follow_ups,
            follow_up_after_minutes=follow_up_after_minutes,
            category_id=category.pk if category else None,
        ),
        created_by=officer,
    )
    Template.objects.filter(pk=template.pk).update(
        status=Template.Status.APPROVED, current_version=version, approved_version=version
    )
    return version


def choices(zone: Any) -> Choices:
    return Choices(
        localities=dict(Locality.objects.filter(zone=zone).values_list("name", "hashtag")),
        roads=dict(Road.objects.filter(zone=zone).values_list("name", "hashtag")),
    )


def publish_instance(
    version: Version, *, actor: Any, director: Any, values: dict[str, str], published_under: str = "role:officer"
) -> tuple[Post, FollowUp | None]:
    """An instance of ``version`` published at once in the fast lane, with its follow-up planned in the same
    transaction (what the template page's service does)."""
    template = version.template
    zone = template.zone
    placeholders = declared(version.placeholders)
    channels = Channel.objects.filter(zone=zone, pk__in=[int(pk) for pk in version.texts])
    texts = {
        c: render(version.texts[str(c.pk)], placeholders, values, language=c.language, choices=choices(zone))
        for c in channels
    }
    with transaction.atomic():
        post = fastlane.fast_lane_publish(
            actor=actor,
            zone=zone,
            title=f"{template.name} · {values.get('locality', '')}",
            texts=texts,
            origin=PostOrigin.TEMPLATE,
            published_under=published_under,
            approved_by=director,
            category=template.category,
            template_version=version,
            filled_values=values,
        )
        follow_up = followups.follow_up_plan(actor=actor, post=post)
    return post, follow_up


def send_all(post: Post) -> list[str]:
    """Run the publish tasks the fast lane enqueued (the worker's part), in channel order."""
    return [
        publishing.publication_send(publication_id=p.pk)
        for p in Publication.objects.filter(post=post).order_by("channel__kind", "pk")
    ]


def mark_published(post: Post) -> None:
    """The original's publications as the locmem publisher would leave them: out, with an id and a link."""
    now = timezone.now()
    for publication in Publication.objects.filter(post=post):
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED,
            external_id=f"ext-{publication.pk}",
            external_url=f"https://example.test/{publication.pk}",
            published_at=now,
        )
