"""The fake itself: in-process and as a separate process driven over HTTP (as benchmarks and the Celery
integration test use it)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.social import Answer, FakeSocial, FakeSocialClient, Faults, closed_port_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake():
    with FakeSocial() as server:
        yield server


def test_it_answers_like_x_and_graph_with_unique_ids(fake):
    oauth = {"Authorization": 'OAuth oauth_consumer_key="k", oauth_token="t", oauth_signature="s"'}
    first = requests.post(f"{fake.url}/2/tweets", json={"text": "un"}, headers=oauth, timeout=5)
    second = requests.post(f"{fake.url}/2/tweets", json={"text": "deux"}, headers=oauth, timeout=5)
    unsigned = requests.post(f"{fake.url}/2/tweets", json={"text": "trois"}, timeout=5)
    page = requests.get(f"{fake.url}/v25.0/1234", params={"fields": "name", "access_token": "tok"}, timeout=5)
    no_token = requests.post(f"{fake.url}/v25.0/1234/feed", data={"message": "x"}, timeout=5)
    unknown = requests.get(f"{fake.url}/nowhere", timeout=5)

    assert (first.status_code, second.status_code, unsigned.status_code) == (201, 201, 401)
    assert first.json()["data"]["text"] == "un"
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert page.json() == {"name": "Fake page 1234", "id": "1234"}
    assert no_token.status_code == 400 and no_token.json()["error"]["type"] == "OAuthException"
    assert unknown.status_code == 404
    assert [r.route for r in fake.received()] == ["tweets", "tweets", "tweets", "page", "feed", "unknown"]
    assert fake.received("feed")[0].form() == {"message": "x"}


def test_scripts_are_consumed_in_order_then_normal_answers_resume(fake):
    fake.script("page", Answer(status=500, body="boom"), Answer(delay=0.3))
    url = f"{fake.url}/v25.0/1/?access_token=t"

    answers = [requests.get(url, timeout=5) for _ in range(3)]

    assert [a.status_code for a in answers] == [500, 200, 200]
    assert answers[0].text == "boom"
    assert answers[1].elapsed.total_seconds() >= 0.3


def test_hang_holds_the_request_until_reset(fake):
    fake.script("page", Answer(mode="hang"))
    outcome = {}

    def call():
        try:
            requests.get(f"{fake.url}/v25.0/1?access_token=t", timeout=5)
        except requests.ConnectionError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not fake.received("page") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.received("page")[0].status is None  # recorded as received, not answered
    fake.reset()
    thread.join(5)
    assert "error" in outcome  # closed without an answer once released
    assert fake.received() == []


def test_closed_port_refuses():
    with pytest.raises(requests.ConnectionError):
        requests.get(closed_port_url(), timeout=2)


def test_it_runs_as_a_process_driven_over_http():
    url = closed_port_url()  # a free port
    port = url.rsplit(":", 1)[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.social", "--port", port, "--delay", "0.05"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        client = FakeSocialClient(url)
        client.wait_until_up()
        client.script("feed", Answer(status=400, body={"error": {"code": 4, "message": "limit"}}))

        limited = requests.post(f"{url}/v25.0/9/feed", data={"message": "a", "access_token": "t"}, timeout=5)
        posted = requests.post(f"{url}/v25.0/9/feed", data={"message": "b", "access_token": "t"}, timeout=5)

        assert limited.json()["error"]["code"] == 4
        assert posted.json()["id"].startswith("9_")
        received = client.received("feed")
        assert [r.form()["message"] for r in received] == ["a", "b"]
        assert [r.status for r in received] == [400, 200]
        assert received[0].at <= received[1].at
        client.reset()
        assert client.received() == []
    finally:
        process.terminate()
        process.wait(5)
        process.stdout.close()


# --- Seeded faults (the fault campaign, bench/faults.py) ---------------------------------------------------------

OAUTH = {"Authorization": 'OAuth oauth_consumer_key="k", oauth_token="t", oauth_signature="s"'}
CAMPAIGN_MIX = Faults(seed=11, rate_limit=0.10, error_before=0.05, error_after=0.02, hang=0.02, hang_seconds=1)


def text_meeting(faults: Faults, kind: str, prefix: str = "Contrôle") -> str:
    """A post text whose first create request meets ``kind`` under ``faults``."""
    return next(f"{prefix} {n}" for n in range(10_000) if faults.draw(f"{prefix} {n}", 0)[0] == kind)


def test_the_same_seed_and_text_meet_the_same_fault_in_the_shares_asked():
    draws = [CAMPAIGN_MIX.draw(f"post {n}", 0)[0] for n in range(20_000)]

    assert draws == [CAMPAIGN_MIX.draw(f"post {n}", 0)[0] for n in range(20_000)]
    shares = {kind: draws.count(kind) / len(draws) for kind in ("rate_limit", "error_before", "error_after", "hang")}
    assert shares == pytest.approx(
        {"rate_limit": 0.10, "error_before": 0.05, "error_after": 0.02, "hang": 0.02}, abs=0.01
    )
    # The next request with the same text draws again; another seed draws otherwise.
    assert [CAMPAIGN_MIX.draw(f"post {n}", 1)[0] for n in range(200)] != draws[:200]
    other = Faults(seed=12, rate_limit=0.10, error_before=0.05, error_after=0.02, hang=0.02)
    assert [other.draw(f"post {n}", 0)[0] for n in range(200)] != draws[:200]
    with pytest.raises(ValueError):
        Faults(rate_limit=0.8, hang=0.3)


def test_rate_limits_create_nothing_and_say_when_to_come_back():
    with FakeSocial(faults=CAMPAIGN_MIX) as fake:
        # The count is per text, whatever the network: each text is one publication's.
        text, other = text_meeting(CAMPAIGN_MIX, "rate_limit"), text_meeting(CAMPAIGN_MIX, "rate_limit", "Radar")
        x = requests.post(f"{fake.url}/2/tweets", json={"text": text}, headers=OAUTH, timeout=5)
        graph = requests.post(f"{fake.url}/v25.0/77/feed", data={"message": other, "access_token": "t"}, timeout=5)
        creates = fake.creates()

    assert x.status_code == 429
    assert 15 <= int(x.headers["x-rate-limit-reset"]) - time.time() <= 41
    assert graph.status_code in (400, 403) and graph.json()["error"]["code"] in (4, 17, 32, 613)
    usage = json.loads(graph.headers["x-business-use-case-usage"])
    assert usage["77"][0]["estimated_time_to_regain_access"] == 1
    assert [(c.text, c.route, c.fault, c.created) for c in creates] == [
        (text, "tweets", "rate_limit", False),
        (other, "feed", "rate_limit", False),
    ]


def test_server_errors_come_before_or_after_the_post_is_made():
    with FakeSocial(faults=CAMPAIGN_MIX) as fake:
        before, after = text_meeting(CAMPAIGN_MIX, "error_before"), text_meeting(CAMPAIGN_MIX, "error_after")
        answers = [
            requests.post(f"{fake.url}/2/tweets", json={"text": before}, headers=OAUTH, timeout=5),
            requests.post(f"{fake.url}/v25.0/77/feed", data={"message": after, "access_token": "t"}, timeout=5),
        ]
        creates = fake.creates()

    assert [a.status_code >= 500 for a in answers] == [True, True]
    assert answers[1].json()["error"]["code"] in (1, 2)
    assert [(c.fault, c.created) for c in creates] == [("error_before", False), ("error_after", True)]


def test_a_hang_makes_the_post_then_answers_nothing_until_it_hangs_up():
    with FakeSocial(faults=CAMPAIGN_MIX) as fake:
        text = text_meeting(CAMPAIGN_MIX, "hang")
        caption_only = {"caption": text, "access_token": "t"}
        outcome = {}

        def call():
            try:
                requests.post(f"{fake.url}/v25.0/77/photos", data=caption_only, files={"source": b"png"}, timeout=5)
            except requests.ConnectionError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=call)
        started = time.monotonic()
        thread.start()
        deadline = time.monotonic() + 5
        while not fake.in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)
        in_flight = fake.in_flight()
        thread.join(5)
        creates = fake.creates()

    assert [(c.text, c.route, c.fault, c.created) for c in in_flight] == [(text, "photos", "hang", True)]
    assert in_flight[0].peer is not None
    assert "error" in outcome and time.monotonic() - started >= 1  # closed without an answer after hang_seconds
    assert creates[0].finished_at is not None and creates[0].status is None


def test_uploads_and_scripts_meet_no_fault_and_the_next_request_of_a_text_draws_again():
    with FakeSocial(faults=CAMPAIGN_MIX) as fake:
        text = text_meeting(CAMPAIGN_MIX, "rate_limit")
        assert CAMPAIGN_MIX.draw(text, 1)[0] == ""  # this text's second request meets nothing
        unpublished = {"published": "false", "caption": text, "access_token": "t"}
        upload = requests.post(f"{fake.url}/v25.0/77/photos", data=unpublished, files={"source": b"png"}, timeout=5)
        first = requests.post(f"{fake.url}/2/tweets", json={"text": text}, headers=OAUTH, timeout=5)
        second = requests.post(f"{fake.url}/2/tweets", json={"text": text}, headers=OAUTH, timeout=5)
        fake.script("tweets", Answer(status=403, body={"title": "Forbidden", "detail": "no"}))
        scripted = requests.post(f"{fake.url}/2/tweets", json={"text": text}, headers=OAUTH, timeout=5)
        creates = fake.creates()

    assert (upload.status_code, first.status_code, second.status_code, scripted.status_code) == (200, 429, 201, 403)
    assert [(c.fault, c.created, c.status) for c in creates] == [
        ("rate_limit", False, 429),
        ("", True, 201),
        ("", False, 403),
    ]


def test_faults_are_set_and_listed_over_http_and_on_the_command_line():
    url = closed_port_url()
    port = url.rsplit(":", 1)[1]
    only_rate_limits = Faults(seed=3, rate_limit=1.0)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.social",
            "--port",
            port,
            "--faults",
            json.dumps(only_rate_limits.to_dict()),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        client = FakeSocialClient(url)
        client.wait_until_up()
        limited = requests.post(f"{url}/2/tweets", json={"text": "un"}, headers=OAUTH, timeout=5)
        client.set_faults(None)
        posted = requests.post(f"{url}/2/tweets", json={"text": "un"}, headers=OAUTH, timeout=5)
        client.set_faults(Faults(seed=3, error_after=1.0))
        failed = requests.post(f"{url}/2/tweets", json={"text": "deux"}, headers=OAUTH, timeout=5)

        assert (limited.status_code, posted.status_code) == (429, 201) and failed.status_code >= 500
        assert [(c.text, c.fault, c.created) for c in client.creates()] == [
            ("un", "rate_limit", False),
            ("un", "", True),
            ("deux", "error_after", True),
        ]
        assert client.in_flight() == []
    finally:
        process.terminate()
        process.wait(5)
