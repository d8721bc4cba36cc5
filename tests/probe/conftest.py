"""Real servers on 127.0.0.1 for probe tests: the sandbox (`authmd serve`) per profile, and small
purpose-built sites that misbehave on purpose (stdlib `http.server`, one thread per connection).

A purpose-built site is a routing table built for its own origin (the port is known only after
binding): path -> `Answer` (status, headers, body) or a `Behaviour` name for the hostile set
("drip", "endless", "reset", "gzip-bomb", "hang")."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from authmd_cli.sandbox.defaults import default_config
from authmd_cli.sandbox.server import start


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str | None = None  # "drip", "endless", "reset", "gzip-bomb", "hang"

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


def json_answer(body: dict[str, Any] | list[Any], status: int = 200, **headers: str) -> Answer:
    return Answer(status, body, {"Content-Type": "application/json", **headers})


Routes = dict[str, Answer]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Site

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path))
        answer = self.server.routes.get(self.path.split("?", 1)[0])
        if answer is None:
            answer = Answer(404, "not found", {"Content-Type": "text/plain"})
        if answer.behaviour is not None:
            getattr(self, "_" + answer.behaviour.replace("-", "_"))(answer)
            return
        body = answer.payload()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _stream(self, answer: Answer, chunk: bytes, pause: float) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass  # the client gave up: what the test wants
        self.close_connection = True

    def _drip(self, answer: Answer) -> None:
        self._stream(answer, b"{", 0.05)

    def _endless(self, answer: Answer) -> None:
        self._stream(answer, b" " * 65536, 0)

    def _hang(self, answer: Answer) -> None:
        self.server.stopping.wait(30)

    def _reset(self, answer: Answer) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "5000")
        self.end_headers()
        self.wfile.write(b'{"resource": ')
        self.wfile.flush()
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # SO_LINGER 0: the close sends RST
        self.close_connection = True

    def _gzip_bomb(self, answer: Answer) -> None:
        body = gzip.compress(b" " * (50 * 1024 * 1024), compresslevel=9)  # ~50 KB on the wire
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Site(ThreadingHTTPServer):
    daemon_threads = True
    routes: Routes
    requests: list[tuple[str, str]]
    stopping: threading.Event


@dataclass
class Site:
    origin: str
    server: _Site

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self.server.requests

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


@pytest.fixture
def site() -> Iterator[Callable[[Callable[[str], Routes]], Site]]:
    """`site(lambda origin: {path: Answer, …})` -> a running purpose-built site."""
    running: list[_Site] = []

    def factory(build: Callable[[str], Routes]) -> Site:
        server = _Site(("127.0.0.1", 0), _Handler)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        server.routes = build(origin)
        server.requests = []
        server.stopping = threading.Event()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        return Site(origin, server)

    yield factory
    for server in running:
        server.stopping.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def sandbox() -> Iterator[Callable[[str], str]]:
    """`sandbox(profile)` -> the origin of a running `authmd serve` sandbox for that profile."""
    contexts: list[Any] = []

    def factory(profile: str = "v0.7-B") -> str:
        box = start(default_config(profile), host="127.0.0.1", port=0)
        ctx = box.background()
        origin: str = ctx.__enter__()
        contexts.append(ctx)
        return origin

    yield factory
    for ctx in reversed(contexts):
        ctx.__exit__(None, None, None)
