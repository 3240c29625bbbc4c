"""Every page of the desk answers with the security headers (issue 5, point 5), whoever asks and whatever the
answer (200, 302, 403, 404, 405). A new URL pattern of the editorial or accounts apps is walked automatically."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from accounts.middleware import CONTENT_SECURITY_POLICY
from editorial import services
from editorial.models import CalendarFeed, Channel, ItemAttachment, Publication, WeekTheme
from tests.factories import make_item, make_post, submit_and_approve


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("editorial", "accounts"):
                found += [(f"{entry.namespace}:{name}", p) for name, p in _patterns(entry, prefix)]
        elif entry.name:
            found.append((entry.name, entry))
    return found


@pytest.fixture
def objects(zone_users):
    zone = zone_users.zone
    item = make_item(zone, submitted_by=zone_users.unit_head)
    attachment = ItemAttachment.objects.create(item=item, file=_png())
    post = make_post(zone, zone_users.officer, planned_at=timezone.now() + timedelta(days=1), item=item)
    x = Channel.objects.get(zone=zone, kind="x")
    services.post_update(
        actor=zone_users.officer,
        post=post,
        media_add=[services.NewMedia(channel=x, image=_png(), alt_text="Un radar", sha256="b" * 64)],
    )
    post = submit_and_approve(post, zone_users.officer, zone_users.director)
    theme = WeekTheme.objects.create(
        zone=zone, week_start=timezone.localdate(), title="Sécurité", created_by=zone_users.officer
    )
    feed = CalendarFeed.objects.create(zone=zone, user=zone_users.officer, token="t" * 43)
    year, week, _ = timezone.localdate().isocalendar()
    return {
        "zone_slug": zone.slug,
        "item_id": item.pk,
        "attachment_id": attachment.pk,
        "post_id": post.pk,
        "media_id": post.variants.get(channel=x).media.get().pk,
        "publication_id": Publication.objects.filter(post=post).first().pk,
        "channel_id": x.pk,
        "theme_id": theme.pk,
        "token": feed.token,
        "uidb64": "MQ",
        "year": year,
        "week": week,
    }


def _urls(objects) -> list[str]:
    urls = []
    for name, pattern in _patterns(get_resolver()):
        wanted = set(pattern.pattern.converters)
        missing = wanted - set(objects)
        assert not missing, f"{name}: no test value for {missing}: add one to the `objects` fixture"
        urls.append(reverse(name, kwargs={k: objects[k] for k in wanted}))
    return urls


@pytest.mark.parametrize("who", ["anonymous", "officer", "director", "unit_head", "outsider"])
def test_every_page_carries_the_security_headers(client, zone_users, objects, who):
    urls = _urls(objects)
    assert len(urls) > 30
    for url in urls:
        for method in ("get", "post"):
            if who != "anonymous":
                # Signing out, or a page that ends the session, must not turn the rest of the walk anonymous.
                client.force_login(getattr(zone_users, who))
            response = getattr(client, method)(url)
            policy = response.headers.get("Content-Security-Policy", "")
            assert policy == CONTENT_SECURITY_POLICY or policy.startswith("default-src 'none'"), (method, url)
            assert response.headers.get("X-Content-Type-Options") == "nosniff", url
            assert response.headers.get("Referrer-Policy") == "same-origin", url
            assert response.headers.get("X-Frame-Options") == "DENY", url
            if who != "anonymous":
                assert "no-store" in response.headers.get("Cache-Control", ""), (method, url)


def test_the_policy_forbids_inline_script_and_framing():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_or_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html") if inline.search(p.read_text())]
    assert offenders == []
