"""Purpose-built sites on 127.0.0.1 for probe tests (imported by name: a module called `conftest` is
ambiguous between test directories). See conftest.py for the fixtures that run them."""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from authmd_cli.sandbox.defaults import default_config


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str | None = None  # "drip", "endless", "reset", "gzip-bomb", "hang", "close"
    first: Answer | None = None  # answered once, before this one (e.g. a 429 then the document)
    more: tuple[tuple[str, str], ...] = ()  # further header lines, sent after `headers` (repeated names)
    post: Answer | None = None  # the answer to a POST, when it differs (a POST-only route)
    delay: float = 0.0  # seconds before answering (to make one concurrent answer come last)

    def payload(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


def json_answer(body: dict[str, Any] | list[Any], status: int = 200, **headers: str) -> Answer:
    return Answer(status, body, {"Content-Type": "application/json", **headers})


Routes = dict[str, Answer]


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path))
        key = self.path.split("?", 1)[0]
        answer = self.server.routes.get(key)
        if answer is not None and answer.first is not None:
            self.server.routes[key] = replace(answer, first=None)
            answer = answer.first
        if answer is not None and answer.post is not None and self.command == "POST":
            answer = answer.post
        if answer is None:
            answer = Answer(404, "not found", {"Content-Type": "text/plain"})
        if answer.delay:
            self.server.stopping.wait(answer.delay)
        if answer.behaviour is not None:
            getattr(self, "_" + answer.behaviour.replace("-", "_"))(answer)
            return
        body = answer.payload()
        self.send_response(answer.status)
        for name, value in (*answer.headers.items(), *answer.more):
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

    def _close(self, answer: Answer) -> None:
        self.close_connection = True  # no answer at all: what a TLS-only server does to plain http

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
        body = gzip_bomb()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@functools.cache
def gzip_bomb() -> bytes:
    """~50 KB of gzip that inflates to 50 MB."""
    return gzip.compress(b" " * (50 * 1024 * 1024), compresslevel=9)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    routes: Routes
    requests: list[tuple[str, str]]
    stopping: threading.Event


@dataclass
class Site:
    origin: str
    server: SiteServer

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self.server.requests

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


# ---------------------------------------------------------------------------- a clean site, and probing it

CACHED = {"Cache-Control": "public, max-age=300"}
ENDPOINT_PATHS = ("/agent/identity", "/agent/identity/claim", "/agent/event/notify", "/oauth2/token", "/oauth2/revoke")


def clean_routes(origin: str, profile: str = "v0.7-B") -> Routes:
    """What a correct service serves (the generator's documents for `origin`), with the API at
    /api answering 401 + challenge and POST-only endpoints answering 405 to a GET."""
    from authmd_cli.site.generate import render_site

    cfg = default_config(profile).with_origin(origin)
    routes: Routes = {}
    for path, text in render_site(cfg).items():
        ctype = "text/markdown; charset=utf-8" if path.endswith(".md") else "application/json"
        routes["/" + path] = Answer(200, text, {"Content-Type": ctype, **CACHED})
    challenge = f'Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource/api"'
    routes["/api"] = Answer(401, '{"error": "unauthorized", "message": "token required"}',
                            {"Content-Type": "application/json", "WWW-Authenticate": challenge})
    for path in ENDPOINT_PATHS:
        routes[path] = Answer(405, "", {"Allow": "POST"})
    return routes


def json_of(routes: Routes, path: str) -> dict[str, Any]:
    body = routes[path].body
    value = json.loads(body if isinstance(body, str | bytes) else json.dumps(body))
    assert isinstance(value, dict)
    return value


def probe(target: str, *, timeout: float = 5.0, deadline: float = 20.0, max_bytes: int = 1024 * 1024,
          allow_private: bool = True, **kw: Any) -> Any:
    """One live probe of `target` (a ProbeReport)."""
    from authmd_cli.core.net import FetchLimits
    from authmd_cli.probe.run import ProbeOptions, probe_targets
    from authmd_cli.probe.target import parse_target

    opts = ProbeOptions(limits=FetchLimits(allow_private=allow_private, timeout=timeout, max_bytes=max_bytes,
                                           retry_after_max=kw.pop("retry_after_max", 10.0)),
                        deadline_s=deadline, **kw)
    return probe_targets([parse_target(target)], opts)[0]


def F(code: str, severity: str, source: str, line: int | None) -> tuple[str, str, str, int | None]:  # noqa: N802
    """One expected finding as `findings` lists it; tests pass `line=` by name so it reads as asserted."""
    return (code, severity, source, line)


def findings(report: Any) -> list[tuple[str, str, str, int | None]]:
    """(code, severity, source, line) of every diagnostic, in report order."""
    return [(d.code, d.severity.value, d.location.source, d.location.line) for d in report.report.diagnostics]
