"""A few months of made-up history for the demo zone (issue 14): items, posts, reviews, publications and active
time, so that the Posts search, the plan's past weeks and the reports show something real on a local run.

Everything goes through the desk's own services, as the people of the demo would have done it, with the clock of
each step set to its moment in the past: every row, review, value check, fingerprint and audit event is what the
desk itself writes (the audit events are in the chain, in the order they were written, with their past times).
Two things differ from a real day, on purpose:

- publications go out through ``HistoryPublisher`` (made-up ids, a few scripted failures and unknown outcomes),
  never through the configured publishers: a staging desk seeded with real accounts must not publish its past;
- the history sends each publication itself at its time, instead of through the broker, so that no task is left
  for the worker; e-mails of the past go to a local mailbox, not to the console.

Nothing here runs outside ``seed_demo`` (DEBUG or ``--allow-production``); the history is made once per zone.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from django.db import transaction
from django.db.models import F
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from editorial import services
from editorial.audit import audit_record
from editorial.clock import local_day_bounds
from editorial.models import (
    ActiveTime,
    Alert,
    AuditEvent,
    Category,
    Channel,
    Locality,
    PostVariant,
    Publication,
    Unit,
    Value,
    WorkKind,
    Zone,
)
from editorial.publishers.base import BasePublisher, ErrorKind, PublishError, PublishResult
from editorial.publishing import settle
from editorial.publishing.prepare import post_cancel
from editorial.publishing.send import publication_send

HISTORY_ACTION = "editorial.demo.history"
DEFAULT_WEEKS = 16

# title, unit (None: the officer's own post), category, locality, text. Made up, like every name of the demo.
STORIES = [
    ("Contrôle radar à {locality}", "Trafic", "Contrôle vitesse", None,
     "Contrôle de vitesse ce {day} à {locality}. Levez le pied : à 50 km/h, on s'arrête à temps devant une école."),
    ("Contrôle alcool ce week-end", "Trafic", "Contrôle alcool", None,
     "Ce week-end, contrôles d'alcoolémie dans toute la zone. Qui conduit ne boit pas : prévoyez un Bob ou un taxi."),
    ("Travaux à {locality}", "Trafic", "Travaux", None,
     "Travaux de voirie à {locality} à partir de {day} : circulation alternée par feux. Merci de votre patience."),
    ("Déviation à {locality}", "Trafic", "Déviation", None,
     "Déviation mise en place à {locality} ce {day} de 8 h à 17 h. Suivez les panneaux jaunes."),
    ("Bouchon sur la N6", "Trafic", "Bouchons", None,
     "Circulation ralentie sur la N6 à hauteur de {locality}. Prévoyez un peu plus de temps pour vos trajets."),
    ("Conseils contre les cambriolages", "Proximité", "Prévention", None,
     "Absent quelques jours ? Votre agent de quartier peut surveiller votre habitation. Demandez-le au 065 00 00 00."),
    ("Permanence de l'agent de quartier à {locality}", "Proximité", "Prévention", None,
     "Votre agent de quartier vous reçoit ce {day} de 9 h à 12 h au commissariat de {locality}. Sans rendez-vous."),
    ("Fête locale à {locality}", "Proximité", "Fête locale", None,
     "Fête locale à {locality} ce {day}. Stationnement interdit place communale dès 6 h. Bonne fête à tous !"),
    ("Vol à l'astuce : soyez vigilants", "Judiciaire", "Prévention", None,
     "Des faux agents se présentent chez des personnes âgées à {locality}. Un vrai policier montre toujours sa carte."),
    ("Recrutement : rejoignez la zone", None, "Recrutement", "Mons",
     "La zone recrute des inspecteurs. Un métier utile, au service des citoyens. Infos et candidatures en ligne."),
    ("Inondations : prudence", None, "Inondation", None,
     "Fortes pluies annoncées ce {day}. Ne traversez pas une route inondée. En cas d'urgence : 112."),
    ("Merci pour votre prudence", None, "Prévention", None,
     "Ce {day}, moins d'excès de vitesse relevés à {locality} qu'il y a un mois. Merci à tous les conducteurs !"),
]  # fmt: skip
CHANGES_ASKED = [
    "Ajoutez l'horaire exact, s'il vous plaît.",
    "Ton un peu sec : une phrase de plus pour remercier les riverains ?",
    "Précisez la localité dans la première phrase.",
]
DAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class HistoryPublisher(BasePublisher):
    """The publisher of the demo's past: made-up ids, and the failures ``scripted`` names (publication ids)."""

    scripted: dict[int, ErrorKind] = {}
    counter = 0

    def publish(self, variant: PostVariant) -> PublishResult:
        publication = Publication.objects.filter(post_id=variant.post_id, channel_id=variant.channel_id).first()
        kind = HistoryPublisher.scripted.get(publication.pk if publication else 0)
        if kind is ErrorKind.UNKNOWN:
            raise PublishError("Le réseau n'a pas répondu à temps (démo).", kind=kind, detail="demo timeout")
        if kind is ErrorKind.PERMANENT:
            raise PublishError("Le réseau a refusé l'image (démo).", kind=kind, detail="demo refusal")
        HistoryPublisher.counter += 1
        external_id = f"demo-{variant.post_id}-{variant.channel_id}"
        return PublishResult(external_id=external_id, url=f"https://demo.invalid/{variant.channel.kind}/{external_id}")

    def check_connection(self, channel: Channel) -> str:
        return "demo history"


class _Clock:
    """The moment the services read as "now" while the history is written."""

    def __init__(self) -> None:
        self.moment = timezone.now()

    def __call__(self) -> dt.datetime:
        return self.moment


@contextmanager
def _in_the_past(clock: _Clock) -> Iterator[None]:
    publishers = {
        kind: {"BACKEND": "editorial.demo_history.HistoryPublisher"} for kind in (Channel.Kind.X, Channel.Kind.FACEBOOK)
    }
    # The past's scripted failures are logged as errors by the pipeline: not news on the console of a first start.
    pipeline_log = logging.getLogger("editorial.publishing")
    level = pipeline_log.level
    pipeline_log.setLevel(logging.CRITICAL)
    # timezone.now is what the services, the models' auto_now fields and the audit log read.
    with (
        override_settings(PUBLISHERS=publishers, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        mock.patch("django.utils.timezone.now", clock),
    ):
        try:
            yield
        finally:
            pipeline_log.setLevel(level)


@dataclass
class _People:
    officer: User
    director: User
    heads: dict[str, User]


def _people(zone: Zone) -> _People | None:
    users = {u.username: u for u in User.objects.filter(username__in=["officier", "directeur", "trafic", "proximite",
                                                                       "judiciaire"])}  # fmt: skip
    if "officier" not in users or "directeur" not in users:
        return None
    return _People(
        officer=users["officier"],
        director=users["directeur"],
        heads={
            "Trafic": users.get("trafic"),
            "Proximité": users.get("proximite"),
            "Judiciaire": users.get("judiciaire"),
        },
    )


def _local(day: dt.date, hour: int, minute: int, zone: Zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone.tzinfo)


def has_history(zone: Zone) -> bool:
    return AuditEvent.objects.filter(zone=zone, action=HISTORY_ACTION).exists()


def seed_history(zone: Zone, *, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None) -> int:
    """Write ``weeks`` weeks of history before ``today`` (the zone's local day), once: the number of posts made."""
    if weeks <= 0 or has_history(zone):
        return 0
    people = _people(zone)
    if people is None:
        return 0
    today = today or timezone.localdate(timezone=zone.tzinfo)
    rng = random.Random(f"{zone.slug}-history")  # noqa: S311 - made-up data, the same on every machine
    clock = _Clock()
    started = clock.moment
    made = 0
    HistoryPublisher.scripted = {}
    with _in_the_past(clock):
        day = today - dt.timedelta(weeks=weeks)
        # Today too, up to now: the dashboard's day shows what already went out this morning.
        while day <= today:
            for _n in range(_posts_on(day, rng)):
                with transaction.atomic():
                    made += _one_post(zone, people, day, rng, clock, until=started)
            day += dt.timedelta(days=1)
    with transaction.atomic():
        # The past's failures were told at their time: no e-mail about them at the desk's first start.
        Alert.objects.filter(zone=zone, mailed_at__isnull=True, raised_at__lte=clock.moment).update(
            mailed_at=F("raised_at")
        )
        _active_time(zone, people, today - dt.timedelta(weeks=weeks), today, rng)
        audit_record(action=HISTORY_ACTION, zone=zone, obj=zone, data={"weeks": weeks, "posts": made})
    return made


def _posts_on(day: dt.date, rng: random.Random) -> int:
    if day.weekday() >= 5:
        return 1 if rng.random() < 0.25 else 0
    return rng.choice([1, 1, 2, 2, 3])


def _one_post(
    zone: Zone, people: _People, day: dt.date, rng: random.Random, clock: _Clock, *, until: dt.datetime
) -> int:
    """One post of ``day``, from its item to its publications, when its time is before ``until`` (else none)."""
    title, unit_name, category_name, locality_name, text = rng.choice(STORIES)
    locality = Locality.objects.filter(zone=zone, name=locality_name).first() if locality_name else None
    locality = locality or rng.choice(list(Locality.objects.filter(zone=zone)))
    category = Category.objects.filter(zone=zone, name=category_name).first()
    words = {"locality": locality.name, "day": DAY_NAMES[day.weekday()]}
    title, text = title.format(**words), text.format(**words)
    planned = _local(day, rng.choice([8, 9, 10, 11, 12, 14, 16, 17]), rng.choice([0, 15, 30, 45]), zone)
    if planned + dt.timedelta(hours=2) > until:
        return 0
    before = day - dt.timedelta(days=rng.choice([1, 1, 2, 3]))
    channels = list(Channel.objects.filter(zone=zone))
    if category_name == "Bouchons":
        channels = [c for c in channels if c.kind == Channel.Kind.X]
    officer, director = people.officer, people.director

    head = people.heads.get(unit_name) if unit_name else None
    if head is not None:
        clock.moment = _local(before, 8, rng.randrange(0, 50), zone)
        item = services.item_submit(
            actor=head,
            zone=zone,
            unit=Unit.objects.get(zone=zone, name=unit_name),
            title=title,
            facts=text,
            category=category,
            locality=locality,
            wanted_start=planned,
        )
        clock.moment += dt.timedelta(minutes=rng.randrange(20, 120))
        post = services.item_take_up(actor=officer, item=item)
        clock.moment += dt.timedelta(minutes=rng.randrange(5, 25))
        services.post_update(
            actor=officer,
            post=post,
            texts={channel: "" for channel in channels},
            main_texts={"fr": text},
            follows_main=channels,
            planned_at=planned,
        )
    else:
        clock.moment = _local(before, 9, rng.randrange(0, 50), zone)
        post = services.post_create(
            actor=officer,
            zone=zone,
            title=title,
            texts={channel: "" for channel in channels},
            main_texts={"fr": text},
            follows_main=channels,
            category=category,
            locality=locality,
            planned_at=planned,
        )
    clock.moment += dt.timedelta(minutes=rng.randrange(2, 10))
    services.post_submit(actor=officer, post=post)
    if rng.random() < 0.18:
        clock.moment += dt.timedelta(minutes=rng.randrange(30, 240))
        services.post_request_changes(actor=director, post=post, comment=rng.choice(CHANGES_ASKED))
        clock.moment += dt.timedelta(minutes=rng.randrange(15, 90))
        services.post_update(actor=officer, post=post, main_texts={"fr": f"{text} Merci."}, follows_main=channels)
        services.post_submit(actor=officer, post=post)
    clock.moment += dt.timedelta(minutes=rng.randrange(20, 300))
    clock.moment = min(clock.moment, planned - dt.timedelta(minutes=10))
    post.refresh_from_db()
    values = Value.objects.filter(zone=zone, is_active=True)
    services.post_approve(
        actor=director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={value.pk: services.ValueAnswer(True) for value in values},
        confidentiality_confirmed=True,
        language="fr",
    )
    if rng.random() < 0.03:
        clock.moment = planned - dt.timedelta(minutes=rng.randrange(1, 9))
        post.refresh_from_db()
        post_cancel(actor=officer, post=post, reason="Annulé : l'événement est reporté.")
        return 1
    clock.moment = planned
    for publication in Publication.objects.filter(post=post).order_by("pk"):
        roll = rng.random()
        if roll < 0.03:
            HistoryPublisher.scripted[publication.pk] = ErrorKind.UNKNOWN
        elif roll < 0.05:
            HistoryPublisher.scripted[publication.pk] = ErrorKind.PERMANENT
        # What the dispatcher does at the time, without the broker: the history sends it right here.
        Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.QUEUED, queued_at=planned)
        clock.moment = planned + dt.timedelta(seconds=rng.randrange(1, 40))
        publication_send(publication_id=publication.pk)
        publication.refresh_from_db()
        clock.moment += dt.timedelta(minutes=rng.randrange(10, 90))
        if publication.status == Publication.Status.UNKNOWN:
            # The officer looked at the account: the post was online.
            settle.publication_confirm_published(
                actor=officer, publication=publication, url=f"https://demo.invalid/checked/{publication.pk}"
            )
        elif publication.status == Publication.Status.FAILED:
            settle.publication_leave_unsent(
                actor=officer, publication=publication, reason="Publié à la main avec une autre photo."
            )
    return 1


# Minutes a day per person and kind of work (low, high), weekdays: what the time budget's pages would have measured.
ACTIVE_MINUTES = {
    "officier": {WorkKind.ITEMS: (3, 8), WorkKind.WRITING: (10, 22), WorkKind.COMMENTS: (2, 7), WorkKind.OTHER: (1, 4)},
    "directeur": {WorkKind.REVIEW: (5, 14), WorkKind.OTHER: (0, 3)},
    "trafic": {WorkKind.ITEMS: (2, 6)},
    "proximite": {WorkKind.ITEMS: (1, 4)},
}


def _active_time(zone: Zone, people: _People, first: dt.date, last: dt.date, rng: random.Random) -> None:
    """Active minutes for the weekdays of the history (the pings' rows: one per person and minute)."""
    users = {people.officer.username: people.officer, people.director.username: people.director}
    users |= {head.username: head for head in people.heads.values() if head is not None}
    rows = []
    day = first
    while day < last:
        if day.weekday() < 5:
            for username, kinds in ACTIVE_MINUTES.items():
                user = users.get(username)
                if user is None:
                    continue
                start, _end = local_day_bounds(day, zone.tzinfo)
                minute = start + dt.timedelta(hours=8, minutes=rng.randrange(0, 60))
                for kind, (low, high) in kinds.items():
                    for _m in range(rng.randint(low, high)):
                        rows.append(
                            ActiveTime(zone=zone, user=user, minute=minute, kind=kind, seconds=rng.choice([45, 60]))
                        )
                        minute += dt.timedelta(minutes=rng.choice([1, 1, 1, 2, 7]))
        day += dt.timedelta(days=1)
    ActiveTime.objects.bulk_create(rows, ignore_conflicts=True)
