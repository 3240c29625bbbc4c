"""A bad morning in a real browser: the officer sees on the dashboard how many publications need a person, opens
the whole list, and from a row reaches the post's publications block where it is settled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from editorial.demo import seed_demo
from editorial.models import Channel, Post, Publication, Zone
from tests.e2e.test_editorial_path import ZONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
Status = Publication.Status

# (title, channel kind, status, minutes ago, last error): 3 late, 1 stuck, 2 unknown, 1 failed.
# fmt: off
BAD_MORNING = [
    ("Travaux rue de Nimy : circulation alternée", "x", Status.PENDING, 42, ""),
    ("Déviation sur la N6 à Givry", "x", Status.RETRYING, 25,
     "X limite le nombre de requêtes : nouvel essai après 09:40."),
    ("Déviation sur la N6 à Givry", "facebook", Status.PENDING, 25, ""),
    ("Contrôle radar à Quévy ce jeudi", "facebook", Status.SENDING, 18, ""),
    ("Inondation rue de la Station à Havré", "x", Status.UNKNOWN, 12,
     "X n'a pas répondu dans les temps après l'envoi : le message est peut-être en ligne."),
    ("Marché de Noël : parkings fermés", "facebook", Status.UNKNOWN, 8,
     "Facebook a répondu par une erreur 500 après l'envoi."),
    ("Séance d'information recrutement", "facebook", Status.FAILED, 5,
     "Facebook a refusé le jeton d'accès de la page (expiré ou révoqué) : reconnectez la page."),
]
# fmt: on


def bad_morning(zone: Zone, *, more_unknown: int = 0) -> None:
    """The publications of a morning when the publishing service stopped, plus ``more_unknown`` older unknown
    outcomes (enough of them fill a second page)."""
    now = timezone.now()
    officer = User.objects.get(username="officier")
    rows = BAD_MORNING + [
        (
            f"Prévention des vols dans les voitures ({n + 1})",
            "x",
            Status.UNKNOWN,
            24 * 60 * (1 + n // 10) + n,
            "X a répondu par une erreur 503 après l'envoi.",
        )
        for n in range(more_unknown)
    ]
    for title, kind, status, minutes, error in rows:
        since = now - timedelta(minutes=minutes, seconds=5)
        post, _ = Post.objects.get_or_create(
            zone=zone,
            title=title,
            defaults={
                "author": officer,
                "planned_at": since,
                "status": Post.Status.APPROVED,
                "approved_fingerprint": "f" * 64,
                "approved_by": User.objects.get(username="directeur"),
                "approved_at": since - timedelta(hours=1),
            },
        )
        publication = Publication.objects.create(
            post=post,
            channel=Channel.objects.get(zone=zone, kind=kind),
            status=status,
            next_attempt_at=since,
            sending_started_at=since if status == Status.SENDING else None,
            last_error=error,
        )
        Publication.objects.filter(pk=publication.pk).update(updated_at=since)


def test_from_the_dashboard_to_the_post_that_needs_a_person(page, live_server):
    zone = seed_demo().zone
    bad_morning(zone, more_unknown=50)
    sign_in(page, live_server, "officier")
    block = page.locator("#failures")
    assert "57 publications demandent une intervention" in block.inner_text()
    block.get_by_role("link", name="Voir les 57").click()
    page.wait_for_url(re.compile(rf"/z/{ZONE}/publications/attention/$"))
    assert page.locator("#attention-list > li").count() == 50
    page.get_by_role("link", name="Page suivante").click()
    assert page.locator("#attention-list > li").count() == 7
    page.get_by_role("link", name="Séance d'information recrutement").click()
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/\d+/#publications$"))
    assert page.locator("#publications").is_visible()
    assert page.browser_errors == []
