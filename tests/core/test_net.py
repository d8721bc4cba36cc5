"""`authmd_cli.core.net` against a real HTTP server on 127.0.0.1 (stdlib `http.server`, ephemeral port):
User-Agent, no redirects by default, timeouts, the response-size bound, an injected transport,
and that no other module imports httpx."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from authmd_cli import __version__
from authmd_cli.core import net

pytestmark = pytest.mark.e2e

BIG = 3000  # bytes /big answers with; tests bound the client below and above it


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, *,
              length: bool = True) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/echo":
            self._send(200, json.dumps(dict(self.headers.items())).encode(), {"Content-Type": "application/json"})
        elif self.path == "/redirect":
            self._send(302, b"", {"Location": "/echo"})
        elif self.path == "/big":
            self._send(200, b"x" * BIG)
        elif self.path == "/big-unannounced":
            self._send(200, b"x" * BIG, length=False)
        elif self.path == "/slow":
            threading.Event().wait(2)  # longer than the test's read timeout
            self._send(200, b"late")
        else:
            self._send(404, b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(202, json.dumps({"got": body.decode(), "type": self.headers["Content-Type"]}).encode())


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_user_agent_and_identity_encoding(origin: str) -> None:
    with net.client() as c:
        seen = c.get(f"{origin}/echo").json()
    assert seen["User-Agent"] == f"authmd/{__version__}" and seen["Accept-Encoding"] == "identity"


def test_redirects_are_not_followed_unless_asked(origin: str) -> None:
    with net.client() as c:
        r = c.get(f"{origin}/redirect")
    assert r.status_code == 302 and r.headers["location"] == "/echo"
    with net.client(follow_redirects=True) as c:
        assert c.get(f"{origin}/redirect").status_code == 200


def test_timeout_raises_an_http_error(origin: str) -> None:
    with net.client(timeout=0.3) as c, pytest.raises(net.HTTPError):
        c.get(f"{origin}/slow")


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
def test_response_size_is_bounded(origin: str, path: str) -> None:
    with net.client(max_bytes=BIG - 1) as c, pytest.raises(net.ResponseTooLarge) as caught:
        c.get(origin + path)
    assert isinstance(caught.value, net.HTTPError) and caught.value.max_bytes == BIG - 1
    with net.client(max_bytes=BIG) as c:
        assert len(c.get(origin + path).content) == BIG  # exactly the bound is allowed


def test_streamed_reads_are_bounded_too(origin: str) -> None:
    with net.client(max_bytes=100) as c, c.stream("GET", f"{origin}/big-unannounced") as r:
        assert r.status_code == 200  # headers arrive; the body is refused while it is read
        with pytest.raises(net.ResponseTooLarge):
            r.read()


def test_async_client_has_the_same_defaults(origin: str) -> None:
    async def go() -> tuple[str, int, bool]:
        async with net.async_client(max_bytes=BIG - 1) as c:
            agent = (await c.get(f"{origin}/echo")).json()["User-Agent"]
            redirect = (await c.get(f"{origin}/redirect")).status_code
            try:
                await c.get(f"{origin}/big-unannounced")
            except net.ResponseTooLarge:
                return agent, redirect, True
            return agent, redirect, False

    assert asyncio.run(go()) == (f"authmd/{__version__}", 302, True)


def test_an_injected_transport_is_used_and_still_bounded(origin: str) -> None:
    """A real transport with its own settings (here: bound to the loopback source address)."""
    transport = httpx.HTTPTransport(local_address="127.0.0.1")
    with net.client(transport=transport, max_bytes=BIG - 1, base_url=origin) as c:
        assert c.post("/set", content=b"tok", headers={"Content-Type": "application/secevent+jwt"}).json() == {
            "got": "tok", "type": "application/secevent+jwt"}
        with pytest.raises(net.ResponseTooLarge):
            c.get("/big")


def test_post_set_goes_through_net(origin: str) -> None:
    from authmd_cli.provider.issuer import post_set

    delivered = post_set(f"{origin}/notify", "a.b.c")
    assert delivered.status == 202 and delivered.accepted
    assert json.loads(delivered.body) == {"got": "a.b.c", "type": "application/secevent+jwt"}


def test_only_net_imports_httpx() -> None:
    package = Path(net.__file__).parent
    pattern = re.compile(r"^\s*(import httpx|from httpx\b)", re.MULTILINE)
    importers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py") if pattern.search(p.read_text()))
    assert importers == ["net.py"]


def test_importing_net_does_not_load_httpx_command_line() -> None:
    """httpx's own CLI (click, rich, pygments: ~40 ms) is kept out of every authmd run that makes a
    request; the client itself is untouched."""
    import subprocess
    import sys

    code = ("import sys, authmd_cli.core.net as net; "
            "print(sorted(m for m in ('rich', 'pygments', 'click') if m in sys.modules), "
            "net.httpx.Client.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] Client"
