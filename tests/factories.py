"""Small builders for test data: explicit, no magic, one zone per call."""

from __future__ import annotations

import itertools
from typing import Any

from accounts.models import Membership, Role, User
from editorial.models import Category, Channel, Item, Locality, Post, PostVariant, Unit, Value, Zone

_seq = itertools.count(1)
PASSWORD = "test-password-123"


def make_zone(name: str | None = None, **kwargs: Any) -> Zone:
    n = next(_seq)
    zone = Zone.objects.create(name=name or f"Zone {n}", slug=kwargs.pop("slug", f"zone-{n}"), **kwargs)
    Value.objects.create(zone=zone, name="Proximité", question="Proche des citoyens ?", order=1)
    Value.objects.create(zone=zone, name="Dynamisme", question="Active et réactive ?", order=2)
    Unit.objects.create(zone=zone, name="Trafic")
    Unit.objects.create(zone=zone, name="Judiciaire")
    Category.objects.create(zone=zone, name="Contrôle vitesse", default_hashtags="#controle #radar")
    Locality.objects.create(zone=zone, name="Quévy", hashtag="#Quevy")
    Channel.objects.create(zone=zone, kind=Channel.Kind.X, name="X", handle=f"@zone{n}")
    Channel.objects.create(zone=zone, kind=Channel.Kind.FACEBOOK, name="Facebook", handle=f"{n}000")
    return zone


def make_user(username: str | None = None, **kwargs: Any) -> User:
    username = username or f"user{next(_seq)}"
    kwargs.setdefault("email", f"{username}@example.test")
    user = User.objects.create_user(username=username, password=PASSWORD, **kwargs)
    return user


def make_member(zone: Zone, role: str, unit_name: str | None = None, **kwargs: Any) -> User:
    user = make_user(**kwargs)
    unit = Unit.objects.get(zone=zone, name=unit_name or "Trafic") if role == Role.UNIT_HEAD else None
    Membership.objects.create(user=user, zone=zone, role=role, unit=unit)
    return user


def make_item(zone: Zone, unit_name: str = "Trafic", submitted_by: User | None = None, **kwargs: Any) -> Item:
    unit = Unit.objects.get(zone=zone, name=unit_name)
    return Item.objects.create(
        zone=zone,
        unit=unit,
        submitted_by=submitted_by or make_member(zone, Role.UNIT_HEAD, unit_name),
        title=kwargs.pop("title", "Contrôle de vitesse"),
        facts=kwargs.pop("facts", "Jeudi, rue de Mons"),
        **kwargs,
    )


def make_post(zone: Zone, author: User, **kwargs: Any) -> Post:
    post = Post.objects.create(zone=zone, author=author, title=kwargs.pop("title", "Contrôle radar"), **kwargs)
    for channel in Channel.objects.filter(zone=zone):
        PostVariant.objects.create(post=post, channel=channel, text=f"Contrôle radar à Quévy {channel.kind}")
    return post


def submit_and_approve(post: Post, officer: User, director: User) -> Post:
    """A draft taken through review the way a director does it: every active value and the confidentiality
    rules confirmed, for exactly the version submitted."""
    from editorial import services
    from editorial.services import ValueAnswer

    services.post_submit(actor=officer, post=post)
    services.post_approve(
        actor=director,
        post=post,
        reviewed_fingerprint=services.post_fingerprint(post=post),
        answers={v.pk: ValueAnswer(True) for v in Value.objects.filter(zone=post.zone, is_active=True)},
        confidentiality_confirmed=True,
    )
    post.refresh_from_db()
    return post


def totp_code(user: User) -> str:
    """A code the user's authenticator app would accept now and that was not used yet (codes work once; the
    next time step is accepted too, so two sign-ins within 30 seconds still work)."""
    import time

    from accounts import mfa

    device = mfa.totp_device(user)
    assert device is not None, f"{user} has no authenticator app"
    current = int(time.time() // device.step)
    step = max(current, device.last_t + 1)
    assert step <= current + device.tolerance, "no unused code left in this 30-second window"
    return device.code_at(step * device.step)


def with_authenticator(user: User):
    """A confirmed authenticator app for ``user``, with a random key."""
    import secrets

    from accounts.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="app", confirmed=True, secret=secrets.token_hex(20))
