"""The Posts page with five years of history (issue 14): about 50,000 posts of one zone, searched as people do, timed
against the other pages a person opens every day, on PostgreSQL.

    .venv/bin/python -m bench.search               # 50,000 posts, results written to docs/performance.md
    .venv/bin/python -m bench.search --posts 5000 --no-write

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/desk_search, recreated on each run).
Each page is asked through Django's test client, middleware, sessions, permissions and templates included, with
DEBUG off as in production; the figure is the wall time of the whole request in this process (no network, no
browser). Each address is asked ``--runs`` times after one warm-up request.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_MARK = "<!-- bench/search.py results: start -->"
END_MARK = "<!-- bench/search.py results: end -->"
YEARS = 5

WORDS = [
    "contrôle", "vitesse", "radar", "alcool", "travaux", "déviation", "fête", "prévention", "cambriolage", "vol",
    "témoins", "accident", "inondation", "recrutement", "école", "vélo", "piétons", "quartier", "agent", "marché",
]  # fmt: skip


def _texts(rng: random.Random, localities: list[str], n: int) -> tuple[str, str]:
    from editorial.demo_history import DAY_NAMES, STORIES

    title, _unit, _category, _locality, text = STORIES[n % len(STORIES)]
    words = {"locality": rng.choice(localities), "day": rng.choice(DAY_NAMES)}
    extra = " ".join(rng.sample(WORDS, 3))
    return title.format(**words), f"{text.format(**words)} ({extra}, réf. {n})"


def make_history(posts: int, seed: int = 14):
    """``posts`` posts spread over five years before now, 95 in 100 published on every channel of the zone, in
    bulk (the services would take hours; what is measured is reading them)."""
    from accounts.models import Role
    from editorial.models import Category, Channel, Locality, Post, PostVariant, Publication
    from tests.factories import make_item, make_member, make_zone

    rng = random.Random(seed)  # noqa: S311 - made-up history, the same on every run
    zone = make_zone("Zone de banc d'essai Mons-Quévy", slug="bench-search")
    officer = make_member(zone, Role.OFFICER)
    director = make_member(zone, Role.DIRECTOR)
    head = make_member(zone, Role.UNIT_HEAD, unit_name="Trafic")
    localities = [
        Locality.objects.get_or_create(zone=zone, name=name)[0] for name in ("Mons", "Quévy", "Jemappes", "Havré")
    ]
    categories = [Category.objects.get_or_create(zone=zone, name=name)[0] for name in ("Contrôle vitesse", "Travaux")]
    channels = list(Channel.objects.filter(zone=zone))
    item = make_item(zone, unit_name="Trafic", submitted_by=head)
    now = datetime.now(UTC)
    span = timedelta(days=365 * YEARS).total_seconds()
    batch = 5000
    for first in range(0, posts, batch):
        rows, planned = [], []
        for n in range(first, min(first + batch, posts)):
            title, text = _texts(rng, [loc.name for loc in localities], n)
            at = now - timedelta(seconds=rng.random() * span)
            published = rng.random() < 0.95
            rows.append(
                Post(
                    zone=zone,
                    author=officer,
                    item=item if n % 3 == 0 else None,
                    title=title,
                    category=rng.choice([*categories, None]),
                    locality=rng.choice(localities),
                    planned_at=at,
                    main_texts={"fr": text},
                    status=Post.Status.PUBLISHED if published else Post.Status.CANCELLED,
                    approved_fingerprint="b" * 64,
                    approved_by=director,
                    approved_at=at - timedelta(hours=3),
                )
            )
            planned.append((at, published, text))
        made = Post.objects.bulk_create(rows)
        PostVariant.objects.bulk_create(
            [
                PostVariant(post=post, channel=channel, text=text)
                for post, (_at, _published, text) in zip(made, planned, strict=True)
                for channel in channels
            ]
        )
        Publication.objects.bulk_create(
            [
                Publication(
                    post=post,
                    channel=channel,
                    status=Publication.Status.PUBLISHED,
                    external_id=f"{post.pk}-{channel.pk}",
                    published_at=at + timedelta(seconds=5),
                    attempts=1,
                )
                for post, (at, published, _text) in zip(made, planned, strict=True)
                if published
                for channel in channels
            ]
        )
    # auto_now_add wrote today into created_at: the history's own dates instead.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE editorial_post SET created_at = planned_at - interval '2 days' WHERE zone_id = %s", [zone.pk]
        )
        cursor.execute("ANALYZE")
    return zone, officer, director


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, secure=True)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, secure=True)
    ordered = sorted(times)
    return {
        "median": statistics.median(times),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "queries": len(queries),
    }


def prepare_django(database_url: str) -> None:
    """This process as a production web process on a new, migrated database of its own, asked through Django's test
    client (``measure``): DEBUG off, an in-memory broker, e-mails kept, the plain static storage (production's
    manifest needs collectstatic; it names the same files, a dictionary lookup less)."""
    sys.path.insert(0, str(ROOT))
    import bench.publishing as publishing_bench

    publishing_bench.production_env()
    os.environ.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL="memory://",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zonepolice.settings")
    publishing_bench.recreate_database(database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print the results without updating the docs")
    args = parser.parse_args()

    prepare_django(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/desk_search"))
    from django.urls import reverse

    started = time.perf_counter()
    zone, officer, _director = make_history(args.posts)
    print(f"{args.posts} posts made in {time.perf_counter() - started:.1f} s")

    from tests.conftest import DeskClient

    client = DeskClient()
    client.force_login(officer)
    posts = reverse("editorial:post_list", args=[zone.slug])
    last_spring = datetime.now(UTC).year - 1
    from editorial.models import Locality

    quevy = Locality.objects.get(zone=zone, name="Quévy")
    addresses = [
        ("Posts, no search (the newest first)", posts),
        ("Search “radar Quévy”", f"{posts}?q=radar+Qu%C3%A9vy"),
        (
            "“contrôle vitesse” in Quévy last spring",
            f"{posts}?q=contr%C3%B4le+vitesse&locality={quevy.pk}&start={last_spring}-03-21&end={last_spring}-06-20",
        ),
        ("Search a word in no post (“hélicoptère”)", f"{posts}?q=h%C3%A9licopt%C3%A8re"),
        ("Search “travaux”, sorted by title, page 40", f"{posts}?q=travaux&sort=title&page=40"),
        ("Cancelled posts", f"{posts}?status=cancelled"),
        ("Dashboard (officer)", reverse("editorial:zone_dashboard", args=[zone.slug])),
        ("Weekly plan", reverse("editorial:plan", args=[zone.slug])),
        ("Items", reverse("editorial:item_list", args=[zone.slug])),
    ]
    results = []
    for label, url in addresses:
        r = measure(client, url, args.runs)
        results.append((label, r))
        print(f"{label:55} median {r['median'] * 1000:7.1f} ms  p95 {r['p95'] * 1000:7.1f} ms  {r['queries']} queries")
    if not args.no_write:
        write_results(args.posts, args.runs, results)


def write_results(posts: int, runs: int, results: list[tuple[str, dict]]) -> None:
    lines = [
        START_MARK,
        f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.search` on "
        f"{platform.node() or 'this machine'} ({os.cpu_count()} CPUs, Python {platform.python_version()}, PostgreSQL "
        f"on localhost, DEBUG off): one zone with {posts:,} posts over {YEARS} years (two channels each, 95 in 100 "
        f"published), the whole request through Django's test client as the officer, {runs} runs after a warm-up.",
        "",
        "| page | median | p95 | queries |",
        "|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(f"| {label} | {r['median'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | {r['queries']} |")
    lines += ["", END_MARK]
    block = "\n".join(lines)
    from bench.doc_results import write_block

    write_block(block, start=START_MARK, end=END_MARK, heading="The Posts page with five years of history (issue 14)")


if __name__ == "__main__":
    main()
