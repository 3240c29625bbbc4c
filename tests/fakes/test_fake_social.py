"""The fake itself: in-process and as a separate process driven over HTTP (as benchmarks and the Celery
integration test use it)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.fakes.social import Answer, FakeSocial, FakeSocialClient, closed_port_url

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
