"""The fast lane with real processes (issue 13, "Speed"): a unit head publishes an instance of an approved template
under their delegated right, and the create request reaches the fake X within 5 seconds, through the Procfile's
worker and a Redis broker. The browser test (tests/e2e/test_fast_lane.py) counts the clicks and runs the task in its
own thread; this one measures the server's whole path: the service the page calls, the dispatch on commit, the
broker, the worker's pickup, the real X publisher.

Then the template is edited while an instance waits for its time: that instance is never sent.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone

from accounts import grants
from accounts.models import Grant, Membership
from bench.faults import edit_template, make_templates
from editorial import fastlane
from editorial.models import Category, Channel, Publication
from tests.integration.stack import database_url, desk_env, fake_social_process, procfile_process, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_broker]

SECONDS_BUDGET = 5.0
X_CREDENTIALS = {"api_key": "ck", "api_secret": "cs", "access_token": "at", "access_token_secret": "ats"}


def test_an_instance_reaches_x_within_five_seconds_and_an_edit_stops_the_next(
    postgres, redis_url, zone_users, tmp_path
):
    redis.Redis.from_url(redis_url).flushdb()
    zone = zone_users.zone
    x = Channel.objects.get(zone=zone, kind=Channel.Kind.X)
    x.set_credentials(X_CREDENTIALS)
    x.save()
    templates = make_templates(zone, zone_users.officer, zone_users.director)
    category = Category.objects.filter(zone=zone).first()
    for template in templates.values():
        template.category = category
        template.save(update_fields=["category"])
    grants.grant_create(
        actor=zone_users.director,
        membership=Membership.objects.get(user=zone_users.unit_head, zone=zone),
        scope=Grant.Scope.TEMPLATES,
        channels=[x],
        categories=[category],
    )
    head = type(zone_users.unit_head).objects.get(pk=zone_users.unit_head.pk)

    with fake_social_process(log=tmp_path / "fake.log") as fake:
        env = desk_env(
            database_url=database_url(connection.settings_dict),
            redis_url=redis_url,
            fake_url=fake.url,
            var_dir=tmp_path,
        )
        with procfile_process("worker", env, tmp_path / "worker.log"):
            # Once, so that the worker is up and connected: what is measured is the fast lane, not a cold start.
            warm = fastlane.template_instance_publish(
                actor=head,
                template=templates["A"],
                version_id=templates["A"].approved_version_id,
                raw_values={"locality": "Quévy", "mx": "[chauffe]", "mf": "-"},
                channels=[x],
            )
            wait_for(
                lambda: Publication.objects.filter(post=warm, status=Publication.Status.PUBLISHED).exists(),
                timeout=90,
                what="the first instance published (see worker.log in the test's tmp folder)",
            )

            clicked = time.time()
            post = fastlane.template_instance_publish(
                actor=head,
                template=templates["A"],
                version_id=templates["A"].approved_version_id,
                raw_values={"locality": "Quévy", "mx": "[mesure]", "mf": "-"},
                channels=[x],
            )
            wait_for(
                lambda: any("[mesure]" in r.json()["text"] for r in fake.received("tweets")),
                timeout=30,
                what="the instance's create request at the fake X",
            )
            arrived = next(r.at for r in fake.received("tweets") if "[mesure]" in r.json()["text"])
            print(f"\nfast lane, service call to the create at the fake X: {arrived - clicked:.3f} s")
            assert arrived - clicked < SECONDS_BUDGET, f"{arrived - clicked:.2f} s"
            assert post.published_under.startswith("grant:")

            # An instance of B due in 20 s; B is edited before: nothing of it may reach X.
            later = fastlane.template_instance_publish(
                actor=head,
                template=templates["B"],
                version_id=templates["B"].approved_version_id,
                raw_values={"locality": "Quévy", "mx": "[annule]", "mf": "-"},
                channels=[x],
                planned_at=timezone.now() + timedelta(seconds=20),
            )
            edit_template(templates["B"], zone_users.officer)
            wait_for(
                lambda: (
                    not Publication.objects.filter(
                        post=later, status__in=[Publication.Status.PENDING, Publication.Status.QUEUED]
                    ).exists()
                ),
                timeout=60,
                what="the edited template's instance settled",
            )
            time.sleep(25)  # past its time: a message queued before the edit would have run by now
        assert not any("[annule]" in r.json()["text"] for r in fake.received("tweets"))
        publication = Publication.objects.get(post=later)
        assert publication.status in (Publication.Status.CANCELLED, Publication.Status.FAILED)
