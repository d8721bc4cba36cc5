"""The clients core.net makes honour HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY, as httpx's
own do, and keep the body cap through the proxy. A real forward proxy on 127.0.0.1 answers
absolute-form requests itself and records them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from authmd_cli.core import net
from authmd_cli.core.net import FetchLimits

pytestmark = pytest.mark.e2e
TARGET = "http://service.proxied.invalid/.well-known/oauth-protected-resource"


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).seen.append(self.path)  # absolute-form: the proxy is asked for the whole URL
        body = b"x" * 5000 if self.path.endswith("/big") else b'{"via": "proxy"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    Proxy.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HTTP_PROXY", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, max_bytes: int = 1_000_000) -> net.Hop:
    async def go() -> net.Hop:
        async with net.async_client(max_bytes=max_bytes, max_connections=4) as client:
            hops = await net.fetch(client, "GET", url, limits=FetchLimits(allow_private=True, max_bytes=max_bytes))
            return hops[-1]

    return asyncio.run(go())


def test_async_client_goes_through_the_proxy(proxy: str) -> None:
    hop = _get(TARGET)
    assert hop.error is None and hop.status == 200 and hop.body == b'{"via": "proxy"}'
    assert Proxy.seen == [TARGET]


def test_sync_client_goes_through_the_proxy(proxy: str) -> None:
    with net.client() as client:
        response = client.get(TARGET)
    assert response.json() == {"via": "proxy"}
    assert Proxy.seen == [TARGET]


def test_no_proxy_goes_direct(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "service.proxied.invalid")
    hop = _get(TARGET)
    assert hop.error is not None  # direct: the .invalid name does not resolve (RFC 6761 §6.4)
    assert Proxy.seen == []


def test_the_body_cap_holds_through_the_proxy(proxy: str) -> None:
    hop = _get("http://service.proxied.invalid/big", max_bytes=1000)
    assert hop.error is not None and hop.error.kind == "too-large"
    assert Proxy.seen == ["http://service.proxied.invalid/big"]



@pytest.mark.parametrize(("variable", "value", "says"), [
    ("ALL_PROXY", "socks5://127.0.0.1:1080", "is a SOCKS proxy, which needs the `socksio` package"),
    ("http_proxy", "ftp://x:1", "cannot be used: Unknown scheme"),
    ("HTTPS_PROXY", "http://[::1", "cannot be used: Invalid port"),
])
def test_an_unusable_proxy_is_a_one_line_usage_error_before_any_request(
        proxy: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str) -> None:
    from typer.testing import CliRunner

    from authmd_cli.cli.app import app

    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["probe", "--allow-private", TARGET])
    assert result.exit_code == 2
    assert result.stderr.startswith("authmd: error: the proxy the environment names for ") and says in result.stderr
    assert "Traceback" not in result.output and Proxy.seen == []


def test_a_proxy_password_is_not_printed(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(Exception, match="cannot be used") as caught:
        monkeypatch.setenv("HTTP_PROXY", "http://user:Zx9Qw3ErTy7UiOp2AsDf@[::1")
        net.check_proxies()
    assert "Zx9Qw3ErTy7UiOp2AsDf" not in str(caught.value)


def test_a_dead_proxy_is_named_not_blamed_on_the_service(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    hop = _get(TARGET)
    assert hop.error is not None and hop.error.kind == "connect"
    assert hop.error.message.startswith(f"through the proxy {dead}: cannot connect")


def test_probe_hints_at_the_proxy_when_the_proxy_fails(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from authmd_cli.probe.run import ProbeOptions, probe_targets
    from authmd_cli.probe.target import parse_target

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    report = probe_targets([parse_target("http://service.proxied.invalid/api")],
                           ProbeOptions(limits=FetchLimits(allow_private=True, timeout=5), deadline_s=10))[0]
    pr001 = [d for d in report.report.diagnostics if d.code == "PR001"]
    assert len(pr001) == 1 and "through the proxy" in pr001[0].message
    assert pr001[0].hint is not None and pr001[0].hint.startswith("check the proxy the environment names")
