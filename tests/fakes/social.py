"""A fake X API and Meta Graph API in one small threaded HTTP server on 127.0.0.1.

It records every request (method, path, query, headers, body, time received) and answers like the real services:

- X: ``POST /2/tweets`` (201 ``{"data": {"id", "text"}}``), ``POST /2/media/upload`` (multipart, ``media``
  required), ``POST /2/media/metadata`` (JSON ``id`` and ``metadata.alt_text.text`` required),
  ``GET /2/users/me``; every X call needs an ``Authorization: OAuth ...`` header (else 401);
- Graph: ``POST /{version}/{page}/feed``, ``POST /{version}/{page}/photos`` (``source`` file required; with
  ``published=false`` only an id, no post), ``POST /{version}/{post-id}/comments`` (``message`` required; answers
  the comment's id, ``{post}_{comment}``), ``GET /{version}/{page}?fields=name``; every Graph call needs an
  ``access_token`` (else the OAuthException Graph gives).

A reply on X (``{"reply": {"in_reply_to_tweet_id": ...}}``) is recorded like any create; ``Received.in_reply_to``
reads it.

Routes are named ``tweets``, ``media_upload``, ``media_metadata``, ``users_me``, ``feed``, ``photos``, ``comments``,
``page``.
Canned answers queue per route (``"*"``: the next request of any route) and override the normal one:
``Answer(status=429, headers={...}, body={...})``, ``Answer(delay=2)`` (the normal answer, late),
``Answer(mode="hang")`` (take the request, record it, never answer: a read timeout for the client),
``Answer(mode="close")`` (record it, then close the connection without a word), ``Answer(mode="reset")`` (record
it, then abort the connection with a TCP reset) or ``Answer(mode="tls_error")`` (record it, then send a record the
client's TLS layer cannot decrypt: a TLS error while the answer is read; over plain HTTP, bytes that are not HTTP).

``FakeSocial(tls=True)`` answers over HTTPS with a self-signed certificate made once per process; a client trusts
it through ``tls_certificate()`` (the path of its PEM file, for REQUESTS_CA_BUNDLE or ``verify=``).

In a test::

    with FakeSocial() as fake:
        fake.script("tweets", Answer(status=503))
        ...
        assert fake.received("tweets")[0].json()["text"] == "..."

As a process, for benchmarks and the Celery integration test (``--delay`` delays every answer)::

    python -m tests.fakes.social --port 8765 --delay 0.1

and from another process, ``FakeSocialClient("http://127.0.0.1:8765")`` has the same ``received``, ``script``
and ``reset``, over ``GET /_fake/requests[?route=...]``, ``POST /_fake/script`` (``{"route": ..., "answers":
[{"status": ..., "headers": ..., "body": ..., "delay": ..., "mode": ...}]}``) and ``POST /_fake/reset``.

**Seeded faults** (the fault campaign, ``bench/faults.py``): ``Faults(seed=..., rate_limit=0.1, error_before=0.05,
error_after=0.02, hang=0.02)`` makes that share of *create requests* (``tweets``, ``feed``, and ``photos`` unless
``published=false``: the requests that make a post) answer with a fault instead of the normal answer:

- ``rate_limit``: nothing created; X answers 429 with ``x-rate-limit-reset`` a few tens of seconds ahead (epoch
  seconds), Graph a rate-limit code (4, 17, 32, 613) in a 400 or 403 with ``x-business-use-case-usage`` saying when
  access comes back (``estimated_time_to_regain_access``, minutes);
- ``error_before``: nothing created, then a 5xx (X's problem body; Graph's code 1 or 2);
- ``error_after``: the post is created, then a 5xx all the same;
- ``hang``: the post is created, then no answer for ``hang_seconds`` (longer than the client's read timeout), then
  the connection is closed.

Which fault a request meets depends only on the seed, the post's text and how many create requests with that text
came before (``Faults.draw``): the same texts meet the same faults on every run, whatever order requests arrive in.
A canned answer (``script``) still wins over a fault. Every create request is recorded with the fault it met and
whether the fake *created* a post for it (``Received.fault``, ``Received.created``); ``creates()`` lists every create
request without its body (``CreateRequest``: text, fault, created, times), ``in_flight()`` those not answered yet
(with the client's address: ``peer``). From another process:
``FakeSocialClient.set_faults(Faults(...))`` (``POST /_fake/faults``), ``creates()`` (``GET /_fake/creates``),
``in_flight()`` (``GET /_fake/creates?in_flight=1``); on the command line, ``--faults '{"seed": 7, ...}'``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import functools
import ipaddress
import itertools
import json
import random
import re
import socket
import ssl
import struct
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ROUTES = ("tweets", "media_upload", "media_metadata", "users_me", "feed", "photos", "comments", "page")
# The routes whose requests make a post (``photos`` only when published, see ``is_create``; a page's comment under
# its post is a publication too).
CREATE_ROUTES = ("tweets", "feed", "photos", "comments")
FAULT_KINDS = ("rate_limit", "error_before", "error_after", "hang")
_GRAPH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<page>[^/]+)(?:/(?P<edge>feed|photos|comments))?/?$")


@dataclass
class Answer:
    """A canned answer. ``status`` and ``body`` None: the route's normal answer (with ``headers`` added)."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # dict or list: JSON; str: sent as is (say the Content-Type in headers)
    delay: float | None = None
    # "hang": never answer; "close": close the connection without answering; "reset": abort it with a TCP reset;
    # "tls_error": send what the client's TLS layer cannot decrypt
    mode: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(**{key: data[key] for key in ("status", "headers", "body", "delay", "mode") if key in data})


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    route: str
    at: float  # time.time() when the whole request had arrived
    # What the fake answered (None: it hung or closed the connection): tests compare it with what the client kept.
    status: int | None = None
    answer: Any = None
    # The client's (address, port): requests that came on one kept-alive connection share it.
    peer: tuple[str, int] | None = None
    # Create requests under ``Faults``: the fault met ("" for none) and whether a post was created for it.
    fault: str = ""
    created: bool = False
    # time.time() when the fake was done with it (answered, hung up or closed); None while in flight.
    finished_at: float | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    @functools.cached_property
    def is_create(self) -> bool:
        """A request that makes a post: ``POST /2/tweets``, ``/{page}/feed``, or ``/{page}/photos`` published."""
        if self.route not in CREATE_ROUTES:
            return False
        return self.route != "photos" or self.param("published") != "false"

    @functools.cached_property
    def text(self) -> str | None:
        """The post's text of a create request: X's ``text``, Graph's ``message`` (feed) or ``caption`` (photo)."""
        try:
            if self.route == "tweets":
                return self.json().get("text")
            if self.route in ("feed", "comments"):
                return self.param("message")
            if self.route == "photos":
                return self.param("caption")
        except (ValueError, AttributeError):
            return None
        return None

    @functools.cached_property
    def in_reply_to(self) -> str | None:
        """The post an X create answers (``reply.in_reply_to_tweet_id``), or the Graph post a comment is under."""
        try:
            if self.route == "tweets":
                return ((self.json() or {}).get("reply") or {}).get("in_reply_to_tweet_id")
        except (ValueError, AttributeError):
            return None
        if self.route == "comments":
            return _GRAPH.match(self.path)["page"]  # type: ignore[index]
        return None

    def form(self) -> dict[str, str]:
        """Text fields of a urlencoded or multipart body."""
        if self.headers.get("content-type", "").startswith("multipart/"):
            return {name: part[2].decode() for name, part in self._parts().items() if part[0] is None}
        return {key: values[-1] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def files(self) -> dict[str, tuple[str, str, bytes]]:
        """File parts of a multipart body: name -> (file name, content type, content)."""
        return {name: part for name, part in self._parts().items() if part[0] is not None}

    def param(self, name: str) -> str | None:
        """A parameter wherever it was sent: query string, urlencoded or multipart body."""
        if name in self.query:
            return self.query[name][-1]
        if self.headers.get("content-type", "").startswith(("multipart/", "application/x-www-form-urlencoded")):
            return self.form().get(name)
        return None

    def oauth(self) -> dict[str, str]:
        """The parameters of an ``Authorization: OAuth k="v", ...`` header."""
        header = self.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return {}
        return {key: unquote(value) for key, value in re.findall(r'(\w+)="([^"]*)"', header)}

    def _parts(self) -> dict[str, tuple[str | None, str, bytes]]:
        content_type = self.headers.get("content-type", "")
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + self.body
        )
        parts = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True) or b"")
        return parts

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = base64.b64encode(self.body).decode()
        if isinstance(self.answer, bytes):
            data["answer"] = self.answer.decode(errors="replace")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Received:
        peer = tuple(data["peer"]) if data.get("peer") else None  # JSON has no tuples
        return cls(**{**data, "body": base64.b64decode(data["body"]), "peer": peer})


@dataclass
class CreateRequest:
    """One create request as ``creates()`` lists it: the post's text, the fault it met, whether a post was made."""

    text: str | None
    route: str
    at: float
    fault: str
    created: bool
    status: int | None
    finished_at: float | None
    peer: tuple[str, int] | None

    @classmethod
    def of(cls, received: Received) -> CreateRequest:
        return cls(
            text=received.text,
            route=received.route,
            at=received.at,
            fault=received.fault,
            created=received.created,
            status=received.status,
            finished_at=received.finished_at,
            peer=received.peer,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreateRequest:
        peer = tuple(data["peer"]) if data.get("peer") else None
        return cls(**{**data, "peer": peer})


@dataclass
class Faults:
    """The share of create requests that meet each fault (see the module docstring), drawn from ``seed``."""

    seed: int = 0
    rate_limit: float = 0.0
    error_before: float = 0.0
    error_after: float = 0.0
    hang: float = 0.0
    # A hung request is answered by nothing for this long, then its connection is closed.
    hang_seconds: float = 60.0
    # X: ``x-rate-limit-reset`` between these many seconds ahead; Graph: access back after this many minutes.
    reset_seconds: tuple[float, float] = (20.0, 40.0)
    regain_minutes: float = 1.0

    def __post_init__(self) -> None:
        self.reset_seconds = tuple(self.reset_seconds)  # type: ignore[assignment]  # from JSON: a list
        if sum(getattr(self, kind) for kind in FAULT_KINDS) > 1:
            raise ValueError("the fault shares add up to more than 1")

    def draw(self, text: str, earlier: int) -> tuple[str, random.Random]:
        """The fault ("" for none) of the create request with ``text`` that follows ``earlier`` others with the
        same text, and a generator for its details: the same on every run for the same seed."""
        rng = random.Random(f"{self.seed}|{earlier}|{text}")
        u = rng.random()
        for kind in FAULT_KINDS:
            share = getattr(self, kind)
            if u < share:
                return kind, rng
            u -= share
        return "", rng

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        return cls(**data)


class FakeSocial:
    """The server, in a background thread. ``url`` is its address once started."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        tls: bool = False,
        faults: Faults | None = None,
    ) -> None:
        self.delay = delay
        self.tls = tls
        self.faults = faults
        # Create requests seen per text: which one of its text a new request is (Faults.draw).
        self._creates_by_text: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._scripts: dict[str, deque[Answer]] = defaultdict(deque)
        self._release = threading.Event()
        self._ids = itertools.count(1_900_000_000_000_000_001)
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*_tls_files())
            # The handshake happens on the first read, in the request's own thread: a client that refuses the
            # certificate, or never finishes, holds up no one else.
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def start(self) -> FakeSocial:
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-social", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSocial:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests use -------------------------------------------------------------------------------------

    def received(self, route: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if route is None or r.route == route]

    def script(self, route: str, *answers: Answer) -> None:
        if route != "*" and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}: one of {ROUTES} or '*'")
        with self._lock:
            self._scripts[route].extend(answers)

    def set_faults(self, faults: Faults | None) -> None:
        """Seeded faults for the create requests from now on (None: none). ``reset`` keeps them."""
        with self._lock:
            self.faults = faults

    def creates(self) -> list[CreateRequest]:
        """Every create request in the order received: its text, the fault it met, whether a post was created."""
        with self._lock:
            return [CreateRequest.of(r) for r in self._received if r.is_create]

    def in_flight(self) -> list[CreateRequest]:
        """Create requests received and not answered yet (a hung one stays here until it is let go)."""
        return [c for c in self.creates() if c.finished_at is None]

    def reset(self) -> None:
        """Forget requests and scripts, and let go of hanging requests."""
        with self._lock:
            self._received.clear()
            self._scripts.clear()
            self._creates_by_text.clear()
            self._release.set()
            self._release = threading.Event()

    # --- what the handler uses ------------------------------------------------------------------------------

    def _record(self, received: Received) -> tuple[Answer | None, threading.Event]:
        with self._lock:
            self._received.append(received)
            answer = None
            for key in (received.route, "*"):
                if self._scripts.get(key):
                    answer = self._scripts[key].popleft()
                    break
            if received.is_create and received.text is not None:
                earlier = self._creates_by_text[received.text]
                self._creates_by_text[received.text] += 1
                if answer is None and self.faults is not None:
                    received.fault, rng = self.faults.draw(received.text, earlier)
                    if received.fault:
                        answer = _fault_answer(self.faults, received, rng)
            return answer, self._release

    def _next_id(self) -> str:
        with self._lock:
            return str(next(self._ids))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services: one connection for upload and create
    # Like the real services' front ends: the status line and headers, then the body, go out at once. Without it,
    # Nagle's algorithm holds the body back until the client's delayed ACK, 40 ms on every answer of a kept-alive
    # connection (a new connection hides it: Linux acknowledges at once at first).
    disable_nagle_algorithm = True
    timeout = 60  # an idle kept-alive connection does not hold a thread forever
    server_version = "FakeSocial/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    @property
    def fake(self) -> FakeSocial:
        return self.server.fake  # type: ignore[attr-defined]

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        if parts.path.startswith("/_fake/"):
            self._control(parts.path, parse_qs(parts.query), body)
            return
        received = Received(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            route=_route(self.command, parts.path),
            at=time.time(),
            peer=tuple(self.client_address[:2]),
        )
        try:
            self._answer(received)
        finally:
            received.finished_at = time.time()

    def _answer(self, received: Received) -> None:
        answer, release = self.fake._record(received)
        answer = answer or Answer()
        if answer.mode == "reset":
            # A zero linger time makes close() send a TCP reset instead of ending the connection cleanly. The
            # socket is detached first: the handler's files would otherwise delay the close, and the server's own
            # shutdown would end the connection cleanly before it.
            raw = socket.socket(fileno=self.connection.detach())
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()
            self.close_connection = True
            return
        if answer.mode == "tls_error":
            # An application-data record of 16 zero bytes, written under the TLS layer: no key decrypts it.
            raw = socket.socket(fileno=self.connection.detach())
            raw.sendall(b"\x17\x03\x03\x00\x10" + bytes(16))
            raw.close()
            self.close_connection = True
            return
        if received.fault in ("error_after", "hang"):
            # The post is made as usual; what the client gets is the fault.
            created, _payload = _normal_answer(self.fake, received)
            received.created = 200 <= created < 300
        if answer.mode in ("hang", "close"):
            if answer.mode == "hang":
                # A scripted hang lasts until reset; a fault's, for the faults' hang_seconds.
                release.wait(answer.delay if received.fault == "hang" else None)
            self.close_connection = True
            return
        delay = self.fake.delay if answer.delay is None else answer.delay
        if delay:
            time.sleep(delay)
        if answer.status is None and answer.body is None:
            status, payload = _normal_answer(self.fake, received)
            received.created = received.is_create and 200 <= status < 300
        else:
            status, payload = answer.status or 200, answer.body
        received.status, received.answer = status, payload
        self._send(status, payload, answer.headers)

    def _control(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        fake = self.fake
        if path == "/_fake/requests" and self.command == "GET":
            route = (query.get("route") or [None])[0]
            self._send(200, [r.to_dict() for r in fake.received(route)])
        elif path == "/_fake/creates" and self.command == "GET":
            creates = fake.in_flight() if query.get("in_flight") else fake.creates()
            self._send(200, [asdict(c) for c in creates])
        elif path == "/_fake/faults" and self.command == "POST":
            data = json.loads(body or b"null")
            try:
                fake.set_faults(Faults.from_dict(data) if data else None)
            except (ValueError, TypeError) as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, {"ok": True})
        elif path == "/_fake/script" and self.command == "POST":
            data = json.loads(body or b"{}")
            try:
                fake.script(data.get("route", "*"), *(Answer.from_dict(a) for a in data.get("answers", [])))
            except (ValueError, TypeError) as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, {"ok": True})
        elif path == "/_fake/reset" and self.command == "POST":
            fake.reset()
            self._send(200, {"ok": True})
        elif path == "/_fake/health":
            self._send(200, {"ok": True})
        else:
            self._send(404, {"error": "unknown control path"})

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        if isinstance(payload, str | bytes):
            content = payload.encode() if isinstance(payload, str) else payload
            headers.setdefault("content-type", "text/plain; charset=utf-8")
        elif payload is None:
            content = b""
        else:
            content = json.dumps(payload).encode()
            headers.setdefault("content-type", "application/json; charset=utf-8")
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)


def _route(method: str, path: str) -> str:
    x_routes = {
        ("POST", "/2/tweets"): "tweets",
        ("POST", "/2/media/upload"): "media_upload",
        ("POST", "/2/media/metadata"): "media_metadata",
        ("GET", "/2/users/me"): "users_me",
    }
    if (method, path) in x_routes:
        return x_routes[method, path]
    match = _GRAPH.match(path)
    if match:
        edge = match["edge"]
        if edge and method == "POST":
            return edge
        if not edge and method == "GET":
            return "page"
    return "unknown"


def _normal_answer(fake: FakeSocial, received: Received) -> tuple[int, Any]:
    route = received.route
    if route == "unknown":
        return 404, {"title": "Not Found", "detail": f"no route for {received.method} {received.path}"}
    if received.path.startswith("/2/"):
        return _x_answer(fake, received)
    return _graph_answer(fake, received)


def _x_answer(fake: FakeSocial, received: Received) -> tuple[int, Any]:
    if not received.oauth().get("oauth_signature"):
        return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    route = received.route
    if route == "users_me":
        return 200, {"data": {"id": "2244994945", "name": "Police Fake", "username": "fakezone"}}
    if route == "media_upload":
        files = received.files() if received.headers.get("content-type", "").startswith("multipart/") else {}
        if "media" not in files:
            return 400, {"errors": [{"message": "media is required"}], "title": "Invalid Request", "status": 400}
        media_id = fake._next_id()
        return 200, {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(files["media"][2]),
                "expires_after_secs": 86400,
                "image": {"image_type": files["media"][1]},
            }
        }
    try:
        payload = received.json()
    except ValueError:
        return 400, {"errors": [{"message": "body is not JSON"}], "title": "Invalid Request", "status": 400}
    if route == "media_metadata":
        alt_text = (((payload.get("metadata") or {}).get("alt_text")) or {}).get("text")
        if not payload.get("id") or not alt_text:
            return 400, {"errors": [{"message": "id and metadata are required"}], "status": 400}
        return 200, {"data": {"id": payload["id"], "associated_metadata": payload["metadata"]}}
    tweet_id = fake._next_id()
    return 201, {"data": {"id": tweet_id, "text": payload.get("text", ""), "edit_history_tweet_ids": [tweet_id]}}


def _graph_answer(fake: FakeSocial, received: Received) -> tuple[int, Any]:
    page = _GRAPH.match(received.path)["page"]  # type: ignore[index]
    if not received.param("access_token"):
        return 400, _graph_error("An active access token must be used to query information.", "OAuthException", 2500)
    route = received.route
    if route == "page":
        return 200, {"name": f"Fake page {page}", "id": page}
    if route == "photos":
        if "source" not in received.files():
            return 400, _graph_error("(#324) Requires upload file", "OAuthException", 324)
        photo_id = fake._next_id()
        if received.param("published") == "false":
            return 200, {"id": photo_id}
        return 200, {"id": photo_id, "post_id": f"{page}_{fake._next_id()}"}
    if route == "comments":
        if not received.param("message"):
            return 400, _graph_error("(#100) Missing message or attachment", "OAuthException", 100)
        # A comment's id: the id of the post's own object (after the page's), then the comment's.
        return 200, {"id": f"{page.rsplit('_', 1)[-1]}_{fake._next_id()}"}
    if not received.param("message") and not received.param("link"):
        return 400, _graph_error("(#100) Missing message or attachment", "OAuthException", 100)
    return 200, {"id": f"{page}_{fake._next_id()}"}


def _graph_error(message: str, kind: str, code: int, subcode: int | None = None) -> dict[str, Any]:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AFakeTraceId"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def graph_error(code: int, message: str = "Fake error", subcode: int | None = None, kind: str = "OAuthException"):
    """The body of a Graph API error, for scripts: ``Answer(status=400, body=graph_error(190))``."""
    return _graph_error(message, kind, code, subcode)


def _fault_answer(faults: Faults, received: Received, rng: random.Random) -> Answer:
    """What a create request that met a fault gets (``error_after`` and ``hang`` make the post first, see
    ``_Handler._answer``)."""
    x = received.route == "tweets"
    if received.fault == "hang":
        # "hang" with a delay: let go after that long (a scripted hang waits until reset).
        return Answer(mode="hang", delay=faults.hang_seconds)
    if received.fault == "rate_limit":
        if x:
            reset = int(time.time() + rng.uniform(*faults.reset_seconds))
            return Answer(
                status=429,
                headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
                body={
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
            )
        code = rng.choice((4, 17, 32, 613))
        usage = {
            _GRAPH.match(received.path)["page"]: [  # type: ignore[index]
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 100,
                    "total_time": 100,
                    "estimated_time_to_regain_access": faults.regain_minutes,
                }
            ]
        }
        return Answer(
            status=rng.choice((400, 403)),
            headers={"x-business-use-case-usage": json.dumps(usage)},
            body=_graph_error(f"({code}) Application request limit reached", "OAuthException", code),
        )
    # error_before, error_after: a server error, whether or not the post was made.
    if x:
        status = rng.choice((500, 502, 503))
        return Answer(
            status=status,
            body={
                "title": "Service Unavailable",
                "detail": "Service Unavailable",
                "type": "about:blank",
                "status": status,
            },
        )
    code = rng.choice((1, 2))
    message = "An unknown error occurred" if code == 1 else "Service temporarily unavailable"
    body = _graph_error(message, "OAuthException", code)
    body["error"]["is_transient"] = True
    return Answer(status=500, body=body)


class FakeSocialClient:
    """The control side of a fake running in another process."""

    def __init__(self, url: str, pid: int | None = None) -> None:
        self.url = url.rstrip("/")
        self.pid = pid  # the fake's process, when this process started it (benchmarks count its CPU time)

    def received(self, route: str | None = None) -> list[Received]:
        query = f"?route={route}" if route else ""
        return [Received.from_dict(item) for item in self._call("GET", f"/_fake/requests{query}")]

    def script(self, route: str, *answers: Answer) -> None:
        self._call("POST", "/_fake/script", {"route": route, "answers": [asdict(a) for a in answers]})

    def reset(self) -> None:
        self._call("POST", "/_fake/reset", {})

    def set_faults(self, faults: Faults | None) -> None:
        self._call("POST", "/_fake/faults", faults.to_dict() if faults else None)

    def creates(self) -> list[CreateRequest]:
        return [CreateRequest.from_dict(item) for item in self._call("GET", "/_fake/creates")]

    def in_flight(self) -> list[CreateRequest]:
        return [CreateRequest.from_dict(item) for item in self._call("GET", "/_fake/creates?in_flight=1")]

    def wait_until_up(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._call("GET", "/_fake/health")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@functools.cache
def _tls_files() -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and localhost and its key, as PEM files, made once per process (one
    file for every fake: a session that cached REQUESTS_CA_BUNDLE for an address keeps finding it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FakeSocial")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tempfile.mkdtemp(prefix="fake-social-tls-")
    cert_path, key_path = f"{folder}/cert.pem", f"{folder}/key.pem"
    with open(cert_path, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


def tls_certificate() -> str:
    """The PEM file of the certificate a ``FakeSocial(tls=True)`` presents: what a client must trust."""
    return _tls_files()[0]


def closed_port_url() -> str:
    """An address where nothing listens: connecting there is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def stalled_port_url() -> Iterator[str]:
    """An address that listens but never accepts, its queue already full: connecting there times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            # Linux keeps backlog + 1 connections waiting; past that it drops the handshake, so connect() waits.
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            for filler in fillers:
                filler.close()


@pytest.fixture
def fake_social():
    """A running fake for one test (import it into a test module, or define a two-line fixture there)."""
    with FakeSocial() as fake:
        yield fake


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake X API and Graph API for tests and benchmarks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument(
        "--faults",
        type=lambda value: Faults.from_dict(json.loads(value)),
        help='seeded faults of create requests, as JSON: {"seed": 7, "rate_limit": 0.1, "error_before": 0.05, ...}',
    )
    args = parser.parse_args(argv)
    fake = FakeSocial(host=args.host, port=args.port, delay=args.delay, faults=args.faults)
    print(f"fake social listening on {fake.url}", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._release.set()
        fake._server.server_close()


if __name__ == "__main__":
    main()
