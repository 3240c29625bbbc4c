"""The audit log page and the admin's audit changelist with five years of events (issue 16, point 4), on PostgreSQL.

    .venv/bin/python -m bench.audit_log                    # 700,000 events, results written to docs/performance.md
    .venv/bin/python -m bench.audit_log --events 50000 --no-write

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/desk_audit, recreated on each run).
The events are inserted in bulk (their hashes are not a chain: what is measured is reading them): nine in ten of
the bench zone, one in twenty of another zone, one in twenty sign-ins without a zone. Each page is asked through
Django's test client (middleware, sessions, permissions, templates) with DEBUG off as in production; the figure is
the wall time of the whole request in this process. Each address is asked ``--runs`` times after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.search import measure, prepare_django

ROOT = Path(__file__).resolve().parents[1]
START_MARK = "<!-- bench/audit_log.py results: start -->"
END_MARK = "<!-- bench/audit_log.py results: end -->"
YEARS = 5

# (action, weight, object kind) of the bench zone's events: roughly what a desk writes.
MIX = [
    ("editorial.post.create", 10, "post"),
    ("editorial.post.update", 20, "post"),
    ("editorial.post.submit", 10, "post"),
    ("editorial.post.approve", 9, "post"),
    ("editorial.post.request_changes", 2, "post"),
    ("editorial.publication.published", 18, "publication"),
    ("editorial.post.published", 9, "post"),
    ("editorial.item.submit", 6, "item"),
    ("editorial.item.take_up", 5, "item"),
    ("editorial.comment.add", 6, "post"),
    ("editorial.channel.pause", 1, "channel"),
    ("admin.value.change", 1, ""),
]


def make_history(events: int, seed: int = 16):
    from django.db import connection

    from accounts.models import Role
    from editorial.models import AuditEvent, Channel, Item, Post
    from tests.factories import make_member, make_zone

    rng = random.Random(seed)  # noqa: S311 - made-up history, the same on every run
    zone = make_zone("Zone de banc d'essai Mons-Quévy", slug="bench-audit")
    other = make_zone("Zone de banc d'essai Boraine", slug="bench-audit-b")
    officer = make_member(zone, Role.OFFICER, first_name="Claire", last_name="Dupont")
    director = make_member(zone, Role.DIRECTOR, first_name="Marc", last_name="Lambert")
    admin = make_member(zone, Role.ADMIN, is_staff=True, first_name="Anne", last_name="Admin")
    head = make_member(zone, Role.UNIT_HEAD, unit_name="Trafic")
    stranger = make_member(other, Role.OFFICER)
    people = [officer] * 6 + [head] * 2 + [director] * 1 + [None] * 2  # the director acts in about one in eleven
    posts = Post.objects.bulk_create(
        [Post(zone=zone, author=officer, title=f"Contrôle radar à Quévy n° {n}") for n in range(3000)]
    )
    items = Item.objects.bulk_create(
        [Item(zone=zone, submitted_by=head, unit=head.memberships.first().unit, title=f"Travaux N6 n° {n}")
         for n in range(1000)]
    )  # fmt: skip
    channel = Channel.objects.filter(zone=zone).first()
    objects = {
        "post": ("editorial.post", [p.pk for p in posts]),
        "item": ("editorial.item", [i.pk for i in items]),
        "publication": ("editorial.publication", [p.pk for p in posts]),  # ids that need not exist: read as titles
        "channel": ("editorial.channel", [channel.pk]),
        "": ("", [None]),
    }
    actions = [a for a, w, _k in MIX for _ in range(w)]
    kinds = {a: k for a, _w, k in MIX}
    now = datetime.now(UTC)
    span = timedelta(days=365 * YEARS).total_seconds()
    # In the order of time, as the log is written (ids follow time).
    moments = sorted(now - timedelta(seconds=rng.random() * span) for _ in range(events))
    batch = []
    for n, at in enumerate(moments):
        roll = rng.random()
        if roll < 0.05:
            zone_id, actor, action = other.pk, stranger, "editorial.post.update"
            obj_type, obj_id = "editorial.post", "1"
        elif roll < 0.10:
            zone_id, actor, obj_type, obj_id = None, rng.choice([officer, director, head, stranger]), "", ""
            action = rng.choice(["accounts.login", "accounts.logout", "accounts.login", "accounts.mfa.failure"])
        else:
            zone_id, actor = zone.pk, rng.choice(people)
            action = rng.choice(actions)
            obj_type, ids = objects[kinds[action]]
            chosen = rng.choice(ids)
            obj_id = "" if chosen is None else str(chosen)
        batch.append(
            AuditEvent(
                zone_id=zone_id,
                actor=actor,
                actor_label=actor.username if actor else "system",
                action=action,
                object_type=obj_type,
                object_id=obj_id,
                data={"fingerprint": "b" * 64} if obj_type == "editorial.post" else {},
                created_at=at,
                prev_hash="0" * 64,
                hash=f"{n:064x}",
            )
        )
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return zone, director, admin, posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=700_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    args = parser.parse_args()

    prepare_django(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desk_audit"))
    from django.urls import reverse

    started = time.perf_counter()
    zone, director, admin, posts = make_history(args.events)
    print(f"{args.events} events made in {time.perf_counter() - started:.1f} s")

    from editorial.models import AuditEvent
    from tests.conftest import DeskClient

    client = DeskClient()
    client.force_login(director)
    log = reverse("editorial:audit_log", args=[zone.slug])
    year = datetime.now(UTC).year - 1
    # A position about four years back: the pages before it were followed one by one, or its link was shared.
    deep = AuditEvent.objects.filter(zone=zone).order_by("pk").values_list("pk", flat=True)[args.events // 5]
    addresses = [
        ("Audit log, first page (the newest events)", log),
        ("Filtered by a person (the director)", f"{log}?person={director.pk}"),
        ("Filtered by a kind (post approved)", f"{log}?kind=editorial.post.approve"),
        ("Filtered by a rare kind (channel paused)", f"{log}?kind=editorial.channel.pause"),
        ("Filtered by a period (March of last year)", f"{log}?start={year}-03-01&end={year}-03-31"),
        ("Events of one post", f"{log}?object_type=editorial.post&object={posts[17].pk}"),
        ("A deep page (four years back)", f"{log}?before={deep}"),
    ]
    results = []
    for label, url in addresses:
        results.append((label, measure(client, url, args.runs)))
    client.force_login(admin)
    changelist = reverse("admin:editorial_auditevent_changelist")
    admin_addresses = [
        ("Admin changelist (zone administrator)", changelist),
        ("Admin changelist, one action", f"{changelist}?action=editorial.post.approve"),
        ("Admin changelist, page 50", f"{changelist}?p=50"),
    ]
    for label, url in admin_addresses:
        results.append((label, measure(client, url, args.runs)))
    for label, r in results:
        print(f"{label:50} median {r['median'] * 1000:7.1f} ms  p95 {r['p95'] * 1000:7.1f} ms  {r['queries']} queries")
    if not args.no_write:
        write_results(args.events, args.runs, results)


def write_results(events: int, runs: int, results: list[tuple[str, dict]]) -> None:
    lines = [
        START_MARK,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.audit_log` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}, PostgreSQL "
        f"on localhost, DEBUG off): {events:,} audit events over {YEARS} years (nine in ten of the zone, the rest of "
        f"another zone and sign-ins without a zone), the whole request through Django's test client as the "
        f"director (the desk's page) and the zone's administrator (the admin), {runs} runs after a warm-up.",
        "",
        "| page | median | p95 | queries |",
        "|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(f"| {label} | {r['median'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | {r['queries']} |")
    lines += ["", END_MARK]
    block = "\n".join(lines)
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="The audit log with 700,000 events (issue 16)")


if __name__ == "__main__":
    main()
