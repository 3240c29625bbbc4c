"""Duplicating a post in a real browser (issue 14, point 2): the officer opens last year's published speed control,
clicks "Duplicate", lands on the new draft with the texts and the photo, sets the new date and saves."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from editorial import services
from editorial.demo import demo_photo, seed_demo
from editorial.models import Category, Channel, Locality, Post, Publication, VariantMedia, Zone
from tests.e2e.test_editorial_path import ZONE, sign_in
from tests.factories import submit_and_approve

pytestmark = pytest.mark.django_db(transaction=True)

X_TEXT = "Contrôle de vitesse ce jeudi rue de Binche à #Mons. Levez le pied ! #controle #radar"
MAIN_TEXT = "Ce jeudi, nos équipes contrôlent la vitesse rue de Binche à Mons. Merci de lever le pied."


def published_demo_post() -> Post:
    """Last year's speed control in the demo zone, with the demo photo on both channels, approved and out."""
    zone = Zone.objects.get(slug=ZONE)
    officer, director = User.objects.get(username="officier"), User.objects.get(username="directeur")
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    fb = Channel.objects.get(zone=zone, kind=Channel.Kind.FACEBOOK)
    photo = "Un radar au bord de la rue de Binche"
    post = services.post_create(
        actor=officer,
        zone=zone,
        title="Contrôle de vitesse rue de Binche",
        texts={x: X_TEXT, fb: ""},
        category=Category.objects.get(zone=zone, name="Contrôle vitesse"),
        locality=Locality.objects.get(zone=zone, name="Mons"),
        planned_at=timezone.now() - dt.timedelta(days=300),
        main_texts={"fr": MAIN_TEXT},
        follows_main=[fb],
        media_add=[
            services.NewMedia(channel=channel, image=ContentFile(demo_photo(), name="radar.jpg"), alt_text=photo)
            for channel in (x, fb)
        ],
    )
    submit_and_approve(post, officer, director)
    for publication in Publication.objects.filter(post=post):
        Publication.objects.filter(pk=publication.pk).update(
            status=Publication.Status.PUBLISHED,
            external_id=f"demo-{publication.pk}",
            external_url=f"https://example.test/{publication.pk}",
            published_at=post.planned_at,
        )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    post.refresh_from_db()
    return post


def test_the_officer_duplicates_a_published_post_and_sets_its_new_date(page, live_server):
    seed_demo()
    source = published_demo_post()
    sign_in(page, live_server, "officier")

    page.goto(f"{live_server.url}/z/{ZONE}/posts/{source.pk}/")
    page.click(f"form[action$='/posts/{source.pk}/duplicate/'] button")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/\d+/edit/$"))
    copy = Post.objects.exclude(pk=source.pk).get(zone__slug=ZONE, title__startswith=source.title)
    assert page.url.endswith(f"/posts/{copy.pk}/edit/")
    assert copy.status == Post.Status.DRAFT and copy.planned_at is None
    # The draft shows the texts, the photo on each channel, and says what to do next.
    assert page.locator("textarea[data-x-counter]").first.input_value().strip() == X_TEXT
    assert MAIN_TEXT in page.content()
    assert page.locator(f"img.post-thumb[src*='/posts/{copy.pk}/images/']").count() == 2
    assert page.locator("#id_planned_at").input_value() == ""
    assert page.locator(".alert-success").count() == 1

    wanted = (timezone.localtime(timezone.now()) + dt.timedelta(days=7)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    page.fill("#id_planned_at", wanted.strftime("%Y-%m-%dT%H:%M"))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(rf"/z/{ZONE}/posts/{copy.pk}/$"))
    copy.refresh_from_db()
    assert copy.planned_at == wanted
    assert copy.status == Post.Status.DRAFT
    assert [v.text for v in copy.variants.order_by("channel_id")] == [
        v.text for v in source.variants.order_by("channel_id")
    ]
    sources = set(VariantMedia.objects.filter(variant__post=source).values_list("sha256", flat=True))
    assert set(VariantMedia.objects.filter(variant__post=copy).values_list("sha256", flat=True)) == sources
    assert page.browser_errors == []
