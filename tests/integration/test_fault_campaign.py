"""The fault campaign of issue 11 at a small scale: the campaign code of bench/faults.py (``SHORT``), for real.

About 50 publications (X and Facebook, some with images) due over a minute, against the fake X/Graph answering with
the campaign's seeded mix (rate limits, 5xx before and after creating, hangs longer than the read timeout), two
workers and beat as the Procfile runs them, a Redis of the test's own, one worker killed with SIGKILL while it is
inside a create call and restarted 5 s later (as systemd would), ``check_publishing`` every minute as cron would run
it. A third of the posts go through the fast lane of issue 13 (instances of two approved templates published by a
unit head under a delegated right, urgent posts), and one of the templates is edited 30 s after the first due time.
The seed is fixed: the same posts meet the same faults on every run.

What is asserted is the campaign's own checks, less the lateness (a time measured on a shared CI machine; the full
campaign reports it): at most one create request per publication whose first request was accepted, and none after
any answer that was not a refusal; every publication final; nothing created on the network that the desk calls
neither published nor unknown; no instance of the edited template created after the edit; every alert within two
minutes of its problem and at most one per problem.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from bench import faults
from tests.conftest import service_missing
from tests.integration.stack import RedisServer, database_url, redis_server_installed, redis_server_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_broker]


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    if not redis_server_installed():
        service_missing("needs redis-server on the PATH (apt-get install redis-server): the campaign runs its own")
    with redis_server_process(tmp_path / "redis.log") as server:
        yield server


def test_a_short_fault_campaign_keeps_the_promises_of_the_pipeline(postgres, redis_url, own_redis, tmp_path):
    observed = faults.run(
        faults.SHORT, database_url=database_url(connection.settings_dict), redis=own_redis, tmp=tmp_path
    )
    evaluation = faults.evaluate(observed)
    report = f"{faults.describe(observed, evaluation)}\nviolations: {evaluation.violations}\nlogs in {tmp_path}"

    missed = [check for check in evaluation.checks if not check.met and not check.name.startswith("lateness")]
    assert not missed, report
    figures = evaluation.figures
    # The campaign did what it says: the faults were met, and the worker died inside a create call.
    assert figures["kills_during_create"] == 1, report
    # The fast lane was in the campaign, and the edit of template B stopped instances that were still to go out.
    assert {"reviewed", "template", "urgent"} <= set(figures["lanes"]), report
    assert figures["template_b_due_after_edit"][0] >= 1, report
    assert figures["restarts"] == 1, report
    assert {"rate_limit", "error_before"} <= set(figures["requests_by_answer"]), report
    assert figures["statuses"].get("published", 0) >= 0.7 * figures["publications"], report
    # The publications that worker was sending were made unknown by the reaper (never sent again).
    reaped = sum(n for cause, n in figures["unknown_causes"].items() if cause.startswith("worker killed"))
    assert reaped >= 1, report
    assert not evaluation.violations, report
